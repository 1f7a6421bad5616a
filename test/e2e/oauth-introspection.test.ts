// The guide's flow through the built CLI: a real OAuth 2.0 server (oidc-provider) issues a
// client_credentials token; /ratings/1 without a token or with a bad one is 403, with the token
// 200. Then what Hydra's own answers and a failing endpoint do to the same route.
import t from 'tap'
import { request } from 'undici'
import { startOidcServer } from '../helpers/oidc-server.js'
import { startIntrospectionStub } from '../helpers/introspection-stub.js'
import { startRecordingUpstream } from '../helpers/recording-upstream.js'
import { startGatewayProcess } from '../helpers/gateway-process.js'

const oidc = await startOidcServer({ scopes: ['ratings:read', 'ratings:write'] })
const stub = await startIntrospectionStub()
const upstream = await startRecordingUpstream()
const gw = await startGatewayProcess(`server: { host: 127.0.0.1, port: 0 }
admin: { enabled: false }
upstreams:
  ratings: { url: "${upstream.url}" }
routes:
  - name: ratings
    labels: { route: ratings }
    matchers: [ { uri: { prefix: /ratings } } ]
    forwardTo: { upstream: ratings }
  - name: ratings-write
    labels: { route: ratings-write }
    matchers: [ { uri: { prefix: /write/ratings } } ]
    forwardTo: { upstream: ratings, pathRewrite: /ratings }
  - name: hydra
    labels: { route: hydra }
    matchers: [ { uri: { prefix: /hydra } } ]
    forwardTo: { upstream: ratings }
  - name: public
    matchers: [ { uri: { prefix: /public } } ]
    forwardTo: { upstream: ratings }
policies:
  - name: ratings-oidc
    applyToRoutes: [ { route: { labels: { route: ratings-write } } } ]
    config:
      oauth2:
        accessTokenValidation:
          introspection:
            introspectionUrl: ${oidc.introspectionUrl}
            clientId: ${oidc.clientId}
            clientSecret: \${OIDC_SECRET}
          requiredScopes: [ratings:write]
  - name: ratings-read
    applyToRoutes: [ { route: { labels: { route: ratings } } } ]
    config:
      oauth2:
        accessTokenValidation:
          introspection:
            introspectionUrl: ${oidc.introspectionUrl}
            clientId: ${oidc.clientId}
            clientSecret: \${OIDC_SECRET}
  - name: hydra-shaped
    applyToRoutes: [ { route: { labels: { route: hydra } } } ]
    config:
      oauth2:
        accessTokenValidation:
          introspectionUrl: ${stub.url}
          timeout: 500ms
          claimsToHeaders: [ { claim: sub, header: x-user-id }, { claim: client_id, header: x-client-id } ]
`, { env: { OIDC_SECRET: oidc.clientSecret } })

t.teardown(async () => {
  await gw.stop()
  await upstream.close()
  await stub.close()
  await oidc.close()
})

async function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  const res = await request(`${gw.url}${path}`, { headers })
  return { status: res.statusCode, body: await res.body.text(), headers: res.headers }
}

t.test('the guide: no token 403, bad token 403, real token 200 with the ratings body', async (t) => {
  const before = upstream.received.length
  const none = await get('/ratings/1')
  t.equal(none.status, 403)
  t.equal(none.headers['www-authenticate'], 'Bearer realm="tokengate"')
  t.equal(JSON.parse(none.body).error, 'invalid_request')

  const bad = await get('/ratings/1', { authorization: 'Bearer qwertyuio23456789' })
  t.equal(bad.status, 403)
  t.match(bad.headers['www-authenticate'], /^Bearer realm="tokengate", error="invalid_token"/)
  t.equal(JSON.parse(bad.body).error, 'invalid_token')
  t.equal(upstream.received.length, before, 'nothing reached the upstream')

  const token = await oidc.issueToken('ratings:read')
  const ok = await get('/ratings/1', { authorization: `Bearer ${token}` })
  t.equal(ok.status, 200)
  t.equal(upstream.received.length, before + 1)
  t.equal(upstream.received[before]!.url, '/ratings/1')
  t.equal(upstream.received[before]!.headers.authorization, `Bearer ${token}`, 'Authorization is forwarded, as Gloo does')
})

t.test('a route without a policy needs no token', async (t) => {
  t.equal((await get('/public/x')).status, 200)
})

t.test('requiredScopes: insufficient_scope is 403 with the scope in the challenge', async (t) => {
  const readOnly = await oidc.issueToken('ratings:read')
  const denied = await get('/write/ratings/1', { authorization: `Bearer ${readOnly}` })
  t.equal(denied.status, 403)
  t.match(denied.headers['www-authenticate'], /error="insufficient_scope"/)
  t.match(denied.headers['www-authenticate'], /scope="ratings:write"/)
  const writer = await oidc.issueToken('ratings:read ratings:write')
  t.equal((await get('/write/ratings/1', { authorization: `Bearer ${writer}` })).status, 200)
})

t.test('Hydra-shaped answers: claims become headers, spoofed identity headers never pass', async (t) => {
  stub.setToken('hydra-token-1', { sub: 'user-7', clientId: 'my-client' })
  const before = upstream.received.length
  const res = await get('/hydra/1', { authorization: 'Bearer hydra-token-1', 'x-user-id': 'admin', 'x-client-id': 'evil' })
  t.equal(res.status, 200)
  const got = upstream.received[before]!
  t.equal(got.headers['x-user-id'], 'user-7')
  t.equal(got.headers['x-client-id'], 'my-client')
  t.equal(got.rawHeaders.filter((h) => h.toLowerCase() === 'x-user-id').length, 1, 'exactly one x-user-id, ours')
})

t.test('a refresh token does not open a route', async (t) => {
  stub.setToken('hydra-refresh', { tokenUse: 'refresh_token' })
  const res = await get('/hydra/1', { authorization: 'Bearer hydra-refresh' })
  t.equal(res.status, 403)
})

t.test('50 concurrent requests with one uncached token make exactly one introspection call', async (t) => {
  stub.setToken('hydra-burst', { sub: 'burst' })
  const before = stub.callCount
  stub.hold()
  const pending = Array.from({ length: 50 }, () => get('/hydra/burst', { authorization: 'Bearer hydra-burst' }))
  // Hold the one call until it has arrived, so the other requests queue up behind it.
  for (let i = 0; i < 500 && stub.callCount === before; i++) await new Promise((r) => setTimeout(r, 10))
  stub.release()
  const results = await Promise.all(pending)
  t.same(new Set(results.map((r) => r.status)), new Set([200]))
  t.equal(stub.callCount - before, 1)
  const again = stub.callCount
  await get('/hydra/burst', { authorization: 'Bearer hydra-burst' })
  t.equal(stub.callCount, again, 'the next request is a cache hit')
})

t.test('fail closed: an endpoint that errors or hangs gives 503 and nothing is proxied', async (t) => {
  t.teardown(() => {
    stub.mode = 'hydra'
  })
  for (const mode of ['status-500', 'non-json', 'hang', 'active-string'] as const) {
    stub.mode = mode
    const before = upstream.received.length
    const res = await get('/hydra/1', { authorization: `Bearer fresh-${mode}` })
    t.equal(res.status, 503, mode)
    t.equal(JSON.parse(res.body).error, 'temporarily_unavailable')
    t.equal(upstream.received.length, before, `${mode}: nothing reached the upstream`)
  }
})

t.test('the token never reaches a log line; decisions are logged as data', async (t) => {
  const token = await oidc.issueToken('ratings:read')
  await get('/ratings/logged', { authorization: `Bearer ${token}` })
  const line = await gw.waitForLog((l) => l.msg === 'request' && l.path === '/ratings/logged')
  t.equal(line.policy, 'ratings-read')
  t.equal(line.granted, true)
  t.equal(line.reason, 'granted')
  t.match(line.cache, /^(miss|hit|coalesced)$/)
  t.equal(line.client_id, oidc.clientId)
  const denied = await gw.waitForLog((l) => l.msg === 'request' && l.status === 403 && l.reason === 'inactive')
  t.equal(denied.granted, false)
  const everything = JSON.stringify(gw.logs) + gw.stderr()
  for (const secret of [token, 'qwertyuio23456789', 'hydra-token-1', 'hydra-burst', oidc.clientSecret]) {
    t.notOk(everything.includes(secret), `no log line contains ${secret.slice(0, 4)}…`)
  }
})

// The built CLI with JWT access tokens that a real oidc-provider signed (the dev authorization
// server in JWT mode, as Hydra with STRATEGIES_ACCESS_TOKEN=jwt): verified locally against its
// /.well-known/jwks.json, and in a mixed policy never sent to introspection.
import t from 'tap'
import { request } from 'undici'
import { startDevAuthServer } from '../../examples/dev-auth-server/index.js'
import { DEFAULT_JWT_RESOURCE } from '../../examples/dev-auth-server/provider.js'
import { baseConfig, startGatewayProcess } from '../helpers/gateway-process.js'
import { startIntrospectionStub } from '../helpers/introspection-stub.js'
import { startRecordingUpstream } from '../helpers/recording-upstream.js'

const auth = await startDevAuthServer({ publicPort: 0, adminPort: 0, host: '127.0.0.1', accessTokenFormat: 'jwt', log: () => {} })
const created = await fetch(`${auth.adminUrl}/admin/clients`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ client_id: 'my-client', client_secret: 'secret', grant_types: ['client_credentials'], scope: 'ratings:read ratings:write' }),
})
t.equal(created.status, 201)

async function issue(scope: string): Promise<string> {
  const res = await fetch(`${auth.publicUrl}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('my-client:secret').toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope }).toString(),
  })
  const body = (await res.json()) as { access_token?: string }
  if (res.status !== 200 || body.access_token === undefined) throw new Error(`token endpoint: ${res.status} ${JSON.stringify(body)}`)
  return body.access_token
}

const stub = await startIntrospectionStub()
const upstream = await startRecordingUpstream()
const gw = await startGatewayProcess(
  baseConfig(
    upstream.url,
    `routes:
  - name: ratings
    labels: { route: ratings }
    matchers: [ { uri: { prefix: /ratings } } ]
    forwardTo: { upstream: app }
  - name: mixed
    labels: { route: mixed }
    matchers: [ { uri: { prefix: /mixed } } ]
    forwardTo: { upstream: app }
policies:
  - name: ratings-jwt
    applyToRoutes: [ { route: { labels: { route: ratings } } } ]
    config:
      oauth2:
        accessTokenValidation:
          jwt:
            remoteJwks: { url: "${auth.publicUrl}/.well-known/jwks.json" }
            issuer: "${auth.issuer}"
            audiences: ["${DEFAULT_JWT_RESOURCE}"]
            requireTyp: true
          requiredScopes: [ratings:read]
          claimsToHeaders: [ { claim: client_id, header: x-client-id } ]
  - name: mixed
    applyToRoutes: [ { route: { labels: { route: mixed } } } ]
    config:
      oauth2:
        accessTokenValidation:
          introspectionUrl: "${stub.url}"
          jwt:
            remoteJwks: { url: "${auth.publicUrl}/.well-known/jwks.json" }
            issuer: "${auth.issuer}"
          requiredScopes: [ratings:read]
`,
  ),
)
t.teardown(async () => {
  await gw.stop()
  await upstream.close()
  await stub.close()
  await auth.close()
})

const get = (path: string, token?: string) =>
  request(`${gw.url}${path}`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}`, 'x-client-id': 'spoofed' } })

t.test('a JWT from oidc-provider is allowed; identity headers come from its claims', async (t) => {
  const token = await issue('ratings:read')
  t.equal(token.split('.').length, 3, 'the dev server issued a JWT')
  const res = await get('/ratings/1', token)
  t.equal(res.statusCode, 200)
  await res.body.dump()
  t.equal(upstream.received.at(-1)?.headers['x-client-id'], 'my-client')
})

t.test('no token → 403', async (t) => {
  const res = await get('/ratings/1')
  t.equal(res.statusCode, 403)
  t.equal(res.headers['www-authenticate'], 'Bearer realm="tokengate"')
  await res.body.dump()
})

t.test('a JWT without the required scope → 403 insufficient_scope', async (t) => {
  const res = await get('/ratings/1', await issue('ratings:write'))
  t.equal(res.statusCode, 403)
  t.match(res.headers['www-authenticate'], /error="insufficient_scope"/)
  t.match(await res.body.json(), { error: 'insufficient_scope' })
})

t.test('a tampered JWT → 403 invalid_token, logged with its reason', async (t) => {
  const [h, p] = (await issue('ratings:read')).split('.')
  const forged = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), scope: 'ratings:read ratings:admin' })).toString('base64url')}.${'A'.repeat(342)}`
  const res = await get('/ratings/1', forged)
  t.equal(res.statusCode, 403)
  t.match(res.headers['www-authenticate'], /error="invalid_token"/)
  await res.body.dump()
  await gw.waitForLog((l) => l.reason === 'jwt_signature')
})

t.test('mixed policy: JWTs never reach introspection, opaque tokens do', async (t) => {
  const before = stub.callCount
  const jwt = await issue('ratings:read')
  for (let i = 0; i < 3; i++) {
    const res = await get('/mixed/1', jwt)
    t.equal(res.statusCode, 200)
    await res.body.dump()
  }
  t.equal(stub.callCount, before, 'no introspection call for a JWT')
  stub.setToken('opaque-token', { scope: 'ratings:read' })
  const res = await get('/mixed/1', 'opaque-token')
  t.equal(res.statusCode, 200)
  await res.body.dump()
  t.equal(stub.callCount, before + 1)
})

// Operating the built CLI: admin endpoints, hot reload with a good and a bad file, cache purge,
// and SIGTERM draining an in-flight request.
import t from 'tap'
import { writeFileSync } from 'node:fs'
import { request } from 'undici'
import { startIntrospectionStub } from '../helpers/introspection-stub.js'
import { startRecordingUpstream } from '../helpers/recording-upstream.js'
import { startGatewayProcess } from '../helpers/gateway-process.js'

const stub = await startIntrospectionStub()
const upstream = await startRecordingUpstream()
t.teardown(async () => {
  await upstream.close()
  await stub.close()
})
stub.setToken('good-token', { sub: 'alice' })

const config = (extraRoute = '', policyRoute = 'ratings'): string => `server: { host: 127.0.0.1, port: 0, shutdownGracePeriod: 5s }
admin: { host: 127.0.0.1, port: 0 }
upstreams:
  app: { url: "${upstream.url}" }
routes:
  - name: ratings
    labels: { route: ratings }
    matchers: [ { uri: { prefix: /ratings } } ]
    forwardTo: { upstream: app }
${extraRoute}
policies:
  - name: hydra
    applyToRoutes: [ { route: { labels: { route: ${policyRoute} } } } ]
    config:
      oauth2:
        accessTokenValidation:
          introspectionUrl: ${stub.url}
`

async function status(url: string, headers: Record<string, string> = {}, method: 'GET' | 'POST' = 'GET', body?: string): Promise<{ status: number; text: string }> {
  const res = await request(url, { method, headers, ...(body === undefined ? {} : { body }) })
  return { status: res.statusCode, text: await res.body.text() }
}

t.test('admin: healthz, readyz, metrics; never proxied', async (t) => {
  const gw = await startGatewayProcess(config())
  t.teardown(() => gw.stop())
  t.ok(gw.adminUrl, 'the admin listener is on')
  t.equal((await status(`${gw.adminUrl}/healthz`)).status, 200)
  t.equal((await status(`${gw.adminUrl}/readyz`)).status, 200)
  await status(`${gw.url}/ratings/1`, { authorization: 'Bearer good-token' })
  await status(`${gw.url}/ratings/1`)
  const metrics = await status(`${gw.adminUrl}/metrics`)
  t.equal(metrics.status, 200)
  t.match(metrics.text, /tokengate_requests_total\{route="ratings",status="200"\} 1/)
  t.match(metrics.text, /tokengate_auth_decisions_total\{policy="hydra",granted="false",reason="token_missing"\} 1/)
  t.match(metrics.text, /tokengate_cache_entries\{policy="hydra"\} 1/)
  t.match(metrics.text, /tokengate_introspection_calls_total\{policy="hydra",outcome="active"\} 1/)
  t.match(metrics.text, /tokengate_introspection_duration_seconds_count\{policy="hydra",outcome="active"\} 1/)
  t.match(metrics.text, /process_resident_memory_bytes/)
  t.equal((await status(`${gw.url}/metrics`)).status, 404, 'the traffic port does not serve admin paths')
})

t.test('purge makes a cached token be introspected again', async (t) => {
  const gw = await startGatewayProcess(config())
  t.teardown(() => gw.stop())
  const auth = { authorization: 'Bearer good-token' }
  await status(`${gw.url}/ratings/1`, auth)
  const afterFirst = stub.callCount
  await status(`${gw.url}/ratings/1`, auth)
  t.equal(stub.callCount, afterFirst, 'cached')
  const purged = await status(`${gw.adminUrl}/cache/purge`, { 'content-type': 'application/json' }, 'POST', JSON.stringify({ token: 'good-token' }))
  t.same(JSON.parse(purged.text), { purged: 1 })
  stub.deleteToken('good-token')
  t.teardown(() => stub.setToken('good-token', { sub: 'alice' }))
  const revoked = await status(`${gw.url}/ratings/1`, auth)
  t.equal(stub.callCount, afterFirst + 1, 'introspected again')
  t.equal(revoked.status, 403, 'the revoked token is shut out at once')
  t.notOk(JSON.stringify(gw.logs).includes('good-token'), 'the purged token is not logged')
})

t.test('reload: a good file swaps atomically; a bad file keeps the old config serving', async (t) => {
  const gw = await startGatewayProcess(config(), { args: ['--no-watch'] })
  t.teardown(() => gw.stop())
  t.equal((await status(`${gw.url}/ratings/1`)).status, 403)
  t.equal((await status(`${gw.url}/open/1`)).status, 404)

  // Good: a new open route; the ratings route keeps its policy.
  writeFileSync(gw.configFile, config(`  - name: open\n    matchers: [ { uri: { prefix: /open } } ]\n    forwardTo: { upstream: app }`))
  gw.child.kill('SIGHUP')
  await gw.waitForLog((l) => l.msg === 'config reloaded')
  t.equal((await status(`${gw.url}/open/1`)).status, 200)
  t.equal((await status(`${gw.url}/ratings/1`)).status, 403, 'still protected after the reload')

  // Bad: the policy now names a missing route label and a typo; nothing changes.
  writeFileSync(gw.configFile, config('', 'ratings') + '\nbogus: true\n')
  gw.child.kill('SIGHUP')
  const failed = await gw.waitForLog((l) => l.msg === 'config reload failed; still serving the previous config')
  t.match(JSON.stringify(failed.problems), /bogus/)
  const before = upstream.received.length
  t.equal((await status(`${gw.url}/ratings/1`)).status, 403, 'still protected with the old config')
  t.equal((await status(`${gw.url}/ratings/1`, { authorization: 'Bearer good-token' })).status, 200)
  t.equal((await status(`${gw.url}/open/1`)).status, 200, 'the old config keeps serving')
  t.equal(upstream.received.length, before + 2)
  const metrics = await status(`${gw.adminUrl}/metrics`)
  t.match(metrics.text, /tokengate_config_reloads_total\{outcome="failure"\} 1/)
})

t.test('reload on file change (watch)', async (t) => {
  const gw = await startGatewayProcess(config())
  t.teardown(() => gw.stop())
  writeFileSync(gw.configFile, config(`  - name: open\n    matchers: [ { uri: { prefix: /open } } ]\n    forwardTo: { upstream: app }`))
  await gw.waitForLog((l) => l.msg === 'config reloaded')
  t.equal((await status(`${gw.url}/open/1`)).status, 200)
})

t.test('SIGTERM: readyz turns 503, the in-flight request finishes, exit 0', async (t) => {
  const gw = await startGatewayProcess(config(`  - name: slow\n    matchers: [ { uri: { prefix: /slow } } ]\n    forwardTo: { upstream: app }`))
  let answerSlow: (() => void) | undefined
  upstream.respond((req, res) => {
    if (req.url === '/slow') {
      answerSlow = () => res.end('finally')
      return
    }
    res.end('{}')
  })
  t.teardown(() =>
    upstream.respond((req, res) => {
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ ok: true, url: req.url }))
    }),
  )
  const inFlight = status(`${gw.url}/slow`)
  for (let i = 0; i < 500 && answerSlow === undefined; i++) await new Promise((r) => setTimeout(r, 10))
  t.ok(answerSlow, 'the slow request reached the upstream')
  const exited = gw.stop('SIGTERM')
  await gw.waitForLog((l) => l.msg === 'shutting down: draining in-flight requests')
  t.equal((await status(`${gw.adminUrl}/readyz`)).status, 503, 'not ready while draining')
  answerSlow!()
  const res = await inFlight
  t.equal(res.status, 200)
  t.equal(res.text, 'finally')
  t.equal(await exited, 0)
})

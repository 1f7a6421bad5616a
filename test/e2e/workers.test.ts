// --workers 2: both workers serve one port, the primary's admin listener sums their metrics and
// sends a purge to each, and SIGTERM stops them all.
import t from 'tap'
import { request } from 'undici'
import { startIntrospectionStub } from '../helpers/introspection-stub.js'
import { startRecordingUpstream } from '../helpers/recording-upstream.js'
import { startGatewayProcess } from '../helpers/gateway-process.js'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

const stub = await startIntrospectionStub()
stub.setToken('worker-token', { sub: 'w' })
const upstream = await startRecordingUpstream()
const adminPort = await freePort()
const gw = await startGatewayProcess(
  `server: { host: 127.0.0.1, port: 0 }
admin: { host: 127.0.0.1, port: ${adminPort} }
upstreams:
  app: { url: "${upstream.url}" }
routes:
  - name: ratings
    forwardTo: { upstream: app }
policies:
  - name: hydra
    config: { oauth2: { accessTokenValidation: { introspectionUrl: "${stub.url}" } } }
`,
  { args: ['--workers', '2'] },
)
t.teardown(async () => {
  await upstream.close()
  await stub.close()
})

t.test('two workers serve, the primary aggregates and purges, SIGTERM stops all', async (t) => {
  await gw.waitForLog((l) => l.msg === 'cluster ready')
  const pids = new Set(gw.logs.filter((l) => l.msg === 'listening').map((l) => l.pid))
  t.equal(pids.size, 2, 'two workers listening')
  for (let i = 0; i < 20; i++) {
    const res = await request(`${gw.url}/r/${i}`, { headers: { authorization: 'Bearer worker-token' }, reset: true })
    t.equal(res.statusCode, 200)
    await res.body.dump()
  }
  const metrics = await (await request(`http://127.0.0.1:${adminPort}/metrics`)).body.text()
  t.match(metrics, /tokengate_requests_total\{route="ratings",status="200"\} 20/, 'counts from both workers are summed')
  const purge = await request(`http://127.0.0.1:${adminPort}/cache/purge`, { method: 'POST' })
  const { purged } = (await purge.body.json()) as { purged: number }
  t.ok(purged >= 1 && purged <= 2, `purged ${purged} entries (one per worker that cached the token)`)
  t.equal(await gw.stop('SIGTERM'), 0)
})

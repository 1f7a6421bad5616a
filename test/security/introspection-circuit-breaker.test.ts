// Issue 7 §3: after failureThreshold consecutive failed introspection calls the circuit opens and
// requests are answered 503 without calling the authorization server for the cool-down. (The
// half-open probe after the cool-down is proven with a fake clock in test/auth/guard.test.ts.)
import t from 'tap'
import { request } from 'undici'
import { VALID, assertOnlyAuthenticated, startProtectedGateway } from './fixtures/protected-gateway.js'

const THRESHOLD = 3
const pg = await startProtectedGateway(t, { policyExtra: `          protection: { failureThreshold: ${THRESHOLD}, coolDown: 10m }` })

async function ratings(token: string): Promise<{ status: number; code?: string }> {
  const res = await request(`${pg.gw.url}/ratings/1`, { headers: { authorization: `Bearer ${token}` } })
  const body = (await res.body.json()) as { code?: string }
  return { status: res.statusCode, ...(body.code === undefined ? {} : { code: body.code }) }
}

t.test('a healthy endpoint first: the valid token is proxied', async (t) => {
  t.equal((await ratings(VALID)).status, 200)
})

t.test(`${THRESHOLD} failures open the circuit; then no call reaches the endpoint`, async (t) => {
  pg.stub.mode = 'status-500'
  const before = pg.stub.callCount
  for (let i = 0; i < THRESHOLD; i++) {
    t.match(await ratings(`fail-${i}`), { status: 503, code: 'TG_ERR_INTROSPECTION_STATUS' })
  }
  t.equal(pg.stub.callCount, before + THRESHOLD)
  pg.stub.mode = 'hydra'
  for (let i = 0; i < 20; i++) {
    t.match(await ratings(`after-${i}`), { status: 503, code: 'TG_ERR_INTROSPECTION_CIRCUIT_OPEN' })
  }
  t.equal(pg.stub.callCount, before + THRESHOLD, 'the open circuit made no call at all')
})

t.test('cached answers keep working while the circuit is open', async (t) => {
  const mark = pg.mark()
  t.equal((await ratings(VALID)).status, 200, 'the valid token, cached before the outage, is still served from the cache')
  t.equal(pg.since(mark).length, 1)
})

t.test('the protected upstream only ever saw authenticated requests', async (t) => assertOnlyAuthenticated(t, pg))
t.test('the gateway is still alive', (t) => pg.assertAlive(t))

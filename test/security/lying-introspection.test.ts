// An introspection endpoint that lies or misbehaves: every answer that is not a well-formed RFC
// 7662 §2.2 200 application/json object is statusOnError (503), the request is never proxied,
// the failure is never cached — the next request with the same token introspects again.
import t from 'tap'
import { request } from 'undici'
import type { StubMode } from '../helpers/introspection-stub.js'
import { assertOnlyAuthenticated, startProtectedGateway } from './fixtures/protected-gateway.js'

// A threshold above the number of faults in a row here: this file is about each answer, the
// circuit breaker has its own file.
const pg = await startProtectedGateway(t, { introspectionTimeout: '500ms', policyExtra: '          protection: { failureThreshold: 100 }' })

async function ratings(token: string): Promise<{ status: number; body: string }> {
  const res = await request(`${pg.gw.url}/ratings/1`, { headers: { authorization: `Bearer ${token}` } })
  return { status: res.statusCode, body: await res.body.text() }
}

const lies: Array<[StubMode, string]> = [
  ['active-string', 'TG_ERR_INTROSPECTION_RESPONSE'],
  ['active-number', 'TG_ERR_INTROSPECTION_RESPONSE'],
  ['exp-string', 'TG_ERR_INTROSPECTION_RESPONSE'],
  ['huge-body', 'TG_ERR_INTROSPECTION_RESPONSE'],
  ['deep-json', 'TG_ERR_INTROSPECTION_RESPONSE'],
  ['redirect', 'TG_ERR_INTROSPECTION_STATUS'],
  ['wrong-content-type', 'TG_ERR_INTROSPECTION_RESPONSE'],
  ['non-json', 'TG_ERR_INTROSPECTION_RESPONSE'],
  ['status-500', 'TG_ERR_INTROSPECTION_STATUS'],
  ['slow-drip', 'TG_ERR_INTROSPECTION_TIMEOUT'],
  ['hang', 'TG_ERR_INTROSPECTION_TIMEOUT'],
]

for (const [mode, code] of lies) {
  t.test(`${mode}: 503 ${code}, never proxied, not cached`, async (t) => {
    // A fresh token per case: a cached good answer from an earlier case must not hide the fault.
    const token = `lie-${mode}`
    pg.stub.setToken(token, { sub: 'alice' })
    const mark = pg.mark()
    pg.stub.mode = mode
    const calls = pg.stub.callCount
    const lied = await ratings(token)
    t.equal(lied.status, 503, lied.body)
    t.match(JSON.parse(lied.body), { error: 'temporarily_unavailable', code })
    t.equal(pg.stub.callCount, calls + 1, 'one introspection call')
    t.same(pg.since(mark), [], 'never proxied')

    pg.stub.mode = 'hydra'
    const next = await ratings(token)
    t.equal(pg.stub.callCount, calls + 2, 'the next request introspects again: the failure was not cached')
    t.equal(next.status, 200, 'and, the endpoint being honest again, is proxied')
  })
}

t.test('a refresh token (Hydra token_use) never opens a route', async (t) => {
  pg.stub.setToken('refresh-1', { sub: 'alice', tokenUse: 'refresh_token' })
  const mark = pg.mark()
  const res = await ratings('refresh-1')
  t.equal(res.status, 403)
  t.same(pg.since(mark), [])
})

t.test('an answer that is true but expired, or not yet valid, is denied', async (t) => {
  const now = Math.floor(Date.now() / 1000)
  pg.stub.setToken('expired-1', { sub: 'alice', exp: now - 3600 })
  pg.stub.setToken('future-1', { sub: 'alice', nbf: now + 3600 })
  const mark = pg.mark()
  t.equal((await ratings('expired-1')).status, 403)
  t.equal((await ratings('future-1')).status, 403)
  t.same(pg.since(mark), [])
})

t.test('the protected upstream only ever saw authenticated requests', async (t) =>
  assertOnlyAuthenticated(t, pg, lies.map(([mode]) => `lie-${mode}`)),
)
t.test('the gateway is still alive', (t) => pg.assertAlive(t))

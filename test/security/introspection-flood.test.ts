// Issue 7 §3, measured: random invalid tokens at a high rate must not become an unbounded rate of
// introspection calls. 500 distinct tokens (no cache can help) arrive at once while the stub holds
// every call: the stub never has more than maxConcurrent calls in flight, maxQueued wait, and the
// rest are answered 503 at once — before a single call has returned. Hence the bound:
//   introspection calls per second ≤ maxConcurrent / (latency of one call).
import t from 'tap'
import { Agent, request } from 'undici'
import { assertOnlyAuthenticated, startProtectedGateway } from './fixtures/protected-gateway.js'

const MAX_CONCURRENT = 8
const MAX_QUEUED = 16
const TOKENS = 500
const pg = await startProtectedGateway(t, {
  introspectionTimeout: '30s',
  policyExtra: `          protection: { maxConcurrent: ${MAX_CONCURRENT}, maxQueued: ${MAX_QUEUED}, failureThreshold: 1000 }`,
})
const client = new Agent({ connections: TOKENS })
t.teardown(() => client.close())

/** Resolves once `condition` holds; polls the event loop, never a fixed sleep. */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (condition()) return
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  throw new Error(`never: ${what}`)
}

t.test(`${TOKENS} distinct invalid tokens at once against a stub that holds every call`, async (t) => {
  pg.stub.hold()
  const callsBefore = pg.stub.callCount
  const answers: Array<{ status: number; code?: string }> = []
  const all = Array.from({ length: TOKENS }, async (_, i) => {
    const res = await request(`${pg.gw.url}/ratings/1`, { dispatcher: client, headers: { authorization: `Bearer flood-${i}-${'x'.repeat(20)}` } })
    const body = (await res.body.json()) as { code?: string }
    answers.push({ status: res.statusCode, ...(body.code === undefined ? {} : { code: body.code }) })
  })
  const excess = TOKENS - MAX_CONCURRENT - MAX_QUEUED
  await until(() => answers.length >= excess && pg.stub.callCount - callsBefore >= MAX_CONCURRENT, 'the excess answered')
  // Nothing has been released yet: whatever was answered was answered without waiting for the server.
  t.equal(pg.stub.callCount - callsBefore, MAX_CONCURRENT, `exactly maxConcurrent (${MAX_CONCURRENT}) calls reached the stub`)
  t.equal(answers.length, excess, `the other ${excess} were answered while every call was still held`)
  t.ok(answers.every((a) => a.status === 503 && a.code === 'TG_ERR_INTROSPECTION_OVERLOADED'), 'all of them 503 TG_ERR_INTROSPECTION_OVERLOADED')

  pg.stub.release()
  await Promise.all(all)
  t.equal(pg.stub.callCount - callsBefore, MAX_CONCURRENT + MAX_QUEUED, 'in all, maxConcurrent + maxQueued calls: the queued ones ran after the held ones')
  t.equal(answers.filter((a) => a.status === 403).length, MAX_CONCURRENT + MAX_QUEUED, 'those were introspected and denied')
  t.equal(pg.mark(), 0, 'nothing reached the protected upstream')
})

t.test('the guard frees its slots: the next invalid token is introspected normally', async (t) => {
  const before = pg.stub.callCount
  const res = await request(`${pg.gw.url}/ratings/1`, { dispatcher: client, headers: { authorization: 'Bearer after-the-flood' } })
  await res.body.dump()
  t.equal(res.statusCode, 403)
  t.equal(pg.stub.callCount, before + 1)
})

t.test('the protected upstream only ever saw authenticated requests', async (t) => assertOnlyAuthenticated(t, pg))
t.test('the gateway is still alive', (t) => pg.assertAlive(t))

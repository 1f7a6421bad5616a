// The guard in front of the authorization server: bounded concurrency, a short queue, and a
// circuit breaker driven by a fake clock. Calls are held open by hand; nothing sleeps.
import t from 'tap'
import { IntrospectionGuard } from '../../src/auth/guard.js'

function deferred(): { promise: Promise<string>; resolve: (v: string) => void; reject: (e: Error) => void } {
  let resolve!: (v: string) => void
  let reject!: (e: Error) => void
  const promise = new Promise<string>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

t.test('at most maxConcurrent in flight, maxQueued waiting, the rest refused at once', async (t) => {
  const guard = new IntrospectionGuard({ maxConcurrent: 2, maxQueued: 1, failureThreshold: 5, coolDownMs: 1000 })
  const calls = [deferred(), deferred(), deferred()]
  let started = 0
  const runs = calls.map((d) =>
    guard.run(() => {
      started++
      return d.promise
    }),
  )
  await flush()
  t.equal(started, 2)
  t.equal(guard.active, 2)
  t.equal(guard.queued, 1)
  await t.rejects(guard.run(async () => 'x'), { code: 'TG_ERR_INTROSPECTION_OVERLOADED' })
  calls[0]!.resolve('a')
  await flush()
  t.equal(started, 3, 'the queued call takes the freed slot')
  calls[1]!.resolve('b')
  calls[2]!.resolve('c')
  t.same(await Promise.all(runs), ['a', 'b', 'c'])
  t.equal(guard.active, 0)
})

t.test('the circuit opens after N consecutive failures, fails fast, then lets one probe through', async (t) => {
  let now = 0
  const guard = new IntrospectionGuard({ maxConcurrent: 10, maxQueued: 0, failureThreshold: 3, coolDownMs: 1000, now: () => now })
  const fail = (): Promise<string> => Promise.reject(new Error('down'))
  for (let i = 0; i < 3; i++) await t.rejects(guard.run(fail), { message: 'down' })
  t.equal(guard.state, 'open')
  let called = false
  await t.rejects(
    guard.run(async () => {
      called = true
      return 'x'
    }),
    { code: 'TG_ERR_INTROSPECTION_CIRCUIT_OPEN' },
  )
  t.equal(called, false, 'no call reaches the endpoint while open')

  now += 1000
  t.equal(guard.state, 'half-open')
  const probe = deferred()
  const probing = guard.run(() => probe.promise)
  await t.rejects(guard.run(async () => 'x'), { code: 'TG_ERR_INTROSPECTION_CIRCUIT_OPEN' }, 'only one probe')
  probe.reject(new Error('still down'))
  await t.rejects(probing)
  t.equal(guard.state, 'open', 'a failed probe re-opens')

  now += 1000
  t.equal(await guard.run(async () => 'up'), 'up')
  t.equal(guard.state, 'closed', 'a good probe closes')
  t.equal(await guard.run(async () => 'again'), 'again')
})

t.test('a success resets the consecutive count', async (t) => {
  const guard = new IntrospectionGuard({ maxConcurrent: 1, maxQueued: 0, failureThreshold: 2, coolDownMs: 1000, now: () => 0 })
  await t.rejects(guard.run(() => Promise.reject(new Error('x'))))
  await guard.run(async () => 'ok')
  await t.rejects(guard.run(() => Promise.reject(new Error('x'))))
  t.equal(guard.state, 'closed')
})

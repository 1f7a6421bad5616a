// The registry that gives each introspection endpoint one guard, shared by every policy (and every
// reloaded runtime) that calls it, and the client that runs each call through that guard.
import t from 'tap'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { GuardRegistry, guardedIntrospectionClient } from '../../src/auth/guarded-introspection.js'

const LIMITS = { maxConcurrent: 2, maxQueued: 1, failureThreshold: 5, coolDownMs: 5000 }

t.test('one guard per endpoint URL and client id; different limits get their own', async (t) => {
  const registry = new GuardRegistry()
  const a = registry.guardFor('http://as/introspect', 'gw', LIMITS)
  t.equal(registry.guardFor('http://as/introspect', 'gw', { ...LIMITS }), a, 'same endpoint and client: shared')
  t.not(registry.guardFor('http://as/introspect', 'other', LIMITS), a, 'another client id')
  t.not(registry.guardFor('http://as2/introspect', 'gw', LIMITS), a, 'another endpoint')
  t.not(registry.guardFor('http://as/introspect', undefined, LIMITS), a, 'no client id')
  t.not(registry.guardFor('http://as/introspect', 'gw', { ...LIMITS, maxConcurrent: 3 }), a, 'other limits')
  t.equal(registry.size, 5)
})

t.test('two clients of one endpoint share its bound: never more than maxConcurrent calls in flight', async (t) => {
  let inFlight = 0
  let peak = 0
  const held: Array<() => void> = []
  const server = createServer((req, res) => {
    inFlight++
    peak = Math.max(peak, inFlight)
    req.resume()
    held.push(() => {
      inFlight--
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"active":false}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/introspect`
  const registry = new GuardRegistry()
  const one = guardedIntrospectionClient({ url, timeoutMs: 5000 }, LIMITS, registry)
  const two = guardedIntrospectionClient({ url, timeoutMs: 5000 }, LIMITS, registry)
  t.teardown(async () => {
    await one.close()
    await two.close()
  })
  t.equal(one.guard, two.guard)

  const calls = [one.introspect('a'), two.introspect('b'), one.introspect('c'), two.introspect('d'), one.introspect('e')]
  const settled = calls.map((p) => p.then(() => 'ok', (err: { code?: string }) => err.code ?? 'error'))
  t.same(await Promise.all([settled[3], settled[4]]), ['TG_ERR_INTROSPECTION_OVERLOADED', 'TG_ERR_INTROSPECTION_OVERLOADED'], 'past 2 in flight and 1 queued: refused at once')
  while (held.length < 2) await new Promise((resolve) => setImmediate(resolve))
  t.equal(one.guard.active, 2)
  t.equal(one.guard.queued, 1)
  // Until the queued call has reached the server too: it is sent only once a slot frees, and on
  // a loaded machine it can arrive after the first two have been answered.
  for (let answered = 0; answered < 3; ) {
    const answer = held.shift()
    if (answer !== undefined) {
      answer()
      answered++
    }
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  t.same(await Promise.all(settled.slice(0, 3)), ['ok', 'ok', 'ok'])
  t.equal(peak, 2, 'the server never saw more than maxConcurrent at once')
})

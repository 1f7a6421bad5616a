// The cache: one load per token at a time, TTLs that never outlive the token, failures never
// stored, an expired entry never served. Time is a fake clock; nothing here sleeps.
import t from 'tap'
import { IntrospectionCache, cacheTtlMs } from '../../src/auth/introspection-cache.js'
import type { IntrospectionResponse } from '../../src/auth/introspection-response.js'

const T0 = 1_700_000_000_000

function fakeClock(start = T0): { now: () => number; advance: (ms: number) => void } {
  let now = start
  return { now: () => now, advance: (ms) => void (now += ms) }
}

function cache(clock: { now: () => number }, over: Partial<ConstructorParameters<typeof IntrospectionCache>[0]> = {}): IntrospectionCache {
  return new IntrospectionCache({ cacheTimeoutMs: 60_000, inactiveCacheTimeoutMs: 5_000, maxEntries: 100, now: clock.now, ...over })
}

function counted(response: IntrospectionResponse): { load: () => Promise<IntrospectionResponse>; count: () => number } {
  let n = 0
  return {
    load: async () => {
      n++
      return response
    },
    count: () => n,
  }
}

const active = (expSeconds?: number): IntrospectionResponse => ({ active: true, ...(expSeconds === undefined ? {} : { exp: expSeconds }) })

t.test('50 concurrent lookups of one uncached token share exactly one load', async (t) => {
  const c = cache(fakeClock())
  let loads = 0
  let release!: () => void
  const gate = new Promise<void>((resolve) => (release = resolve))
  const load = async (): Promise<IntrospectionResponse> => {
    loads++
    await gate
    return active()
  }
  const lookups = Array.from({ length: 50 }, () => c.lookup('tok', load))
  release()
  const results = await Promise.all(lookups)
  t.equal(loads, 1)
  t.equal(results.filter((r) => r.cache === 'miss').length, 1)
  t.equal(results.filter((r) => r.cache === 'coalesced').length, 49)
  t.equal((await c.lookup('tok', load)).cache, 'hit')
  t.equal(loads, 1)
})

t.test('a failed load reaches every waiter and is not cached', async (t) => {
  const c = cache(fakeClock())
  let loads = 0
  const failing = async (): Promise<IntrospectionResponse> => {
    loads++
    throw new Error('boom')
  }
  const results = await Promise.allSettled(Array.from({ length: 5 }, () => c.lookup('tok', failing)))
  t.equal(loads, 1)
  t.ok(results.every((r) => r.status === 'rejected'))
  t.equal(c.size, 0)
  const ok = counted(active())
  t.equal((await c.lookup('tok', ok.load)).cache, 'miss', 'the next lookup loads again')
  t.equal(ok.count(), 1)
})

t.test('a load that throws synchronously is a rejection, not a crash', async (t) => {
  const c = cache(fakeClock())
  await t.rejects(c.lookup('tok', () => {
    throw new Error('sync')
  }))
})

t.test('the TTL is capped at exp and an expired entry is never served', async (t) => {
  const clock = fakeClock()
  const c = cache(clock, { cacheTimeoutMs: 600_000 })
  const expSeconds = T0 / 1000 + 30
  const first = counted(active(expSeconds))
  await c.lookup('tok', first.load)
  clock.advance(29_999)
  t.equal((await c.lookup('tok', first.load)).cache, 'hit', 'just before exp')
  clock.advance(1)
  const again = counted(active(expSeconds + 60))
  t.equal((await c.lookup('tok', again.load)).cache, 'miss', 'at exp the entry is gone')
  t.equal(again.count(), 1)
})

t.test('cacheTimeout ends an entry before a distant exp', async (t) => {
  const clock = fakeClock()
  const c = cache(clock, { cacheTimeoutMs: 10_000 })
  const l = counted(active(T0 / 1000 + 3600))
  await c.lookup('tok', l.load)
  clock.advance(9_999)
  t.equal((await c.lookup('tok', l.load)).cache, 'hit')
  clock.advance(1)
  t.equal((await c.lookup('tok', l.load)).cache, 'miss')
})

t.test('the last millisecond: cached() and lookup() agree, and a 1 ms life is not cached', async (t) => {
  const clock = fakeClock()
  const c = cache(clock, { cacheTimeoutMs: 2 })
  const l = counted(active())
  await c.lookup('tok', l.load)
  t.ok(c.cached('tok'), 'at start')
  clock.advance(1)
  t.ok(c.cached('tok'), 'at start + 1 ms of 2')
  clock.advance(1)
  t.equal(c.cached('tok'), undefined, 'at start + ttl: gone')
  t.equal((await c.lookup('tok', l.load)).cache, 'miss')
  const short = cache(clock, { cacheTimeoutMs: 1 })
  const s = counted(active())
  await short.lookup('tok', s.load)
  t.equal(short.cached('tok'), undefined, 'a 1 ms answer is not stored')
  t.equal(short.size, 0)
})

t.test('inactive answers are cached for inactiveCacheTimeoutMs', async (t) => {
  const clock = fakeClock()
  const c = cache(clock, { inactiveCacheTimeoutMs: 5_000 })
  const l = counted({ active: false })
  await c.lookup('bad', l.load)
  clock.advance(4_999)
  t.equal((await c.lookup('bad', l.load)).cache, 'hit')
  clock.advance(1)
  t.equal((await c.lookup('bad', l.load)).cache, 'miss')
  t.equal(l.count(), 2)
})

t.test('nothing is cached with cacheTimeoutMs 0, or for a token already expired', async (t) => {
  const clock = fakeClock()
  const off = cache(clock, { cacheTimeoutMs: 0 })
  const l = counted(active())
  await off.lookup('tok', l.load)
  await off.lookup('tok', l.load)
  t.equal(l.count(), 2)
  const on = cache(clock)
  const expired = counted(active(T0 / 1000 - 1))
  await on.lookup('tok', expired.load)
  t.equal(on.size, 0)
})

t.test('cacheTtlMs', async (t) => {
  const opts = { cacheTimeoutMs: 60_000, inactiveCacheTimeoutMs: 5_000, maxEntries: 1 }
  t.equal(cacheTtlMs(active(), T0, opts), 60_000)
  t.equal(cacheTtlMs(active(T0 / 1000 + 10), T0, opts), 10_000)
  t.equal(cacheTtlMs(active(T0 / 1000), T0, opts), 0)
  t.equal(cacheTtlMs({ active: false }, T0, opts), 5_000)
  t.equal(cacheTtlMs({ active: false }, T0, { ...opts, inactiveCacheTimeoutMs: 0 }), 0)
})

t.test('bounded by maxEntries; purge one or all', async (t) => {
  const c = cache(fakeClock(), { maxEntries: 3 })
  for (const tok of ['a', 'b', 'c', 'd', 'e']) await c.lookup(tok, counted(active()).load)
  t.equal(c.size, 3)
  t.equal(c.purge('e'), 1)
  t.equal(c.purge('e'), 0)
  t.equal(c.size, 2)
  t.equal((await c.lookup('e', counted(active()).load)).cache, 'miss')
  t.equal(c.purge(), 3)
  t.equal(c.size, 0)
})

t.test('full: the least recently used answer goes first, a hit counting as a use', async (t) => {
  const c = cache(fakeClock(), { maxEntries: 3 })
  for (const tok of ['a', 'b', 'c']) await c.lookup(tok, counted(active()).load)
  t.ok(c.cached('a'))
  await c.lookup('d', counted(active()).load)
  // Each check below is a use too, in the order written: a becomes the least recent again.
  t.same(['a', 'b', 'c', 'd'].map((tok) => c.cached(tok) !== undefined), [true, false, true, true])
  // A freed slot is taken before anything else is evicted.
  t.equal(c.purge('c'), 1)
  await c.lookup('e', counted(active()).load)
  t.same(['a', 'd', 'e'].map((tok) => c.cached(tok) !== undefined), [true, true, true])
  await c.lookup('f', counted(active()).load)
  t.same(['a', 'd', 'e', 'f'].map((tok) => c.cached(tok) !== undefined), [false, true, true, true])
  t.equal(c.size, 3)
})

t.test('a purge during a load is not undone by the load', async (t) => {
  const c = cache(fakeClock())
  let release!: () => void
  const gate = new Promise<void>((resolve) => (release = resolve))
  const pending = c.lookup('tok', async () => {
    await gate
    return active()
  })
  await Promise.resolve()
  c.purge('tok')
  release()
  await pending
  t.equal(c.size, 0)
})

t.test('keys are per instance: one cache never answers for another endpoint', async (t) => {
  const token = 'super-secret-token-value'
  const a = cache(fakeClock())
  const b = cache(fakeClock())
  await a.lookup(token, counted(active()).load)
  t.equal((await b.lookup(token, counted(active()).load)).cache, 'miss')
})

t.test('cached(): the synchronous hit path serves exactly what lookup would', async (t) => {
  const clock = fakeClock()
  const c = cache(clock, { cacheTimeoutMs: 600_000 })
  const answer = active(T0 / 1000 + 30)
  t.equal(c.cached('tok'), undefined, 'nothing before the first load')
  const pending = c.lookup('tok', async () => answer)
  t.equal(c.cached('tok'), undefined, 'a load in flight is not a hit')
  await pending
  // Stored compacted (answer-compactor.ts): the answer without its exp, which the entry's TTL
  // enforces instead; lookup's hit is the same object.
  const { exp: _exp, ...stored } = answer
  t.same(c.cached('tok'), stored)
  t.equal((await c.lookup('tok', async () => answer)).response, c.cached('tok'))
  t.equal(c.cached('other'), undefined)
  clock.advance(29_999)
  t.same(c.cached('tok'), stored, 'just before exp')
  clock.advance(1)
  t.equal(c.cached('tok'), undefined, 'at exp')
  await c.lookup('tok', async () => active(T0 / 1000 + 600))
  c.purge('tok')
  t.equal(c.cached('tok'), undefined, 'after a purge')
})

t.test('a token\'s key is stable within a cache, differs between caches, and reaches the same entry as the token', async (t) => {
  const clock = fakeClock()
  const c = cache(clock)
  const other = cache(clock)
  t.equal(c.keyOf('tok'), c.keyOf('tok'))
  t.not(c.keyOf('tok'), other.keyOf('tok'), 'each cache has its own secret')
  t.not(c.keyOf('tok'), 'tok')
  t.notMatch(c.keyOf('tok'), /tok/, 'the key does not contain the token')
  const l = counted(active())
  t.equal((await c.lookupAt(c.keyOf('tok'), l.load)).cache, 'miss')
  t.ok(c.cached('tok'), 'stored by key, found by token')
  t.equal((await c.lookup('tok', l.load)).cache, 'hit')
  t.equal(c.cachedAt(c.keyOf('tok')), c.cached('tok'))
  t.equal(other.cachedAt(c.keyOf('tok')), undefined)
  t.equal(l.count(), 1)
})

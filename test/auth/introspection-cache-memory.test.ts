// Issue 6: what a cached answer costs in V8's heap. The bench measures RSS at 100 000 tokens;
// this holds the per-entry heap cost, which is deterministic, under a bound in every test run.
import t from 'tap'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { IntrospectionCache } from '../../src/auth/introspection-cache.js'
import { parseIntrospectionResponse } from '../../src/auth/introspection-response.js'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

/**
 * Heap bytes per entry, the cache itself and lru-cache's per-slot arrays included: ~560 before
 * answers were compacted, ~375 after, ~335 since the answer is stored without a wrapper, ~305-315
 * since the slot arrays grow with the entries (they were allocated for every slot up front, part
 * of them outside the heap), ~215 since answers that differ only in exp and nbf are one object
 * (these 20 000 have 600 distinct exps, as a busy client's tokens would).
 */
const MAX_HEAP_BYTES_PER_ENTRY = 280
const ENTRIES = 20_000

function heapUsed(): number {
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

t.test(`${ENTRIES} cached Hydra-shaped answers cost at most ${MAX_HEAP_BYTES_PER_ENTRY} B of heap each`, async (t) => {
  const nowS = Math.floor(Date.now() / 1000)
  const before = heapUsed()
  const cache = new IntrospectionCache({ cacheTimeoutMs: 600_000, inactiveCacheTimeoutMs: 0, maxEntries: ENTRIES })
  for (let i = 0; i < ENTRIES; i++) {
    // Parsed from text, as the client does: every answer arrives with its own copy of each string.
    const text = JSON.stringify({ active: true, scope: 'ratings:read', client_id: 'bookinfo', sub: 'bookinfo', exp: nowS + 3600 + (i % 600), iat: nowS, nbf: nowS, aud: [], iss: 'http://hydra:4444/', token_type: 'Bearer', token_use: 'access_token' })
    await cache.lookup(`ory_at_${i}_${'x'.repeat(80)}`, async () => parseIntrospectionResponse(JSON.parse(text), []))
  }
  const perEntry = (heapUsed() - before) / ENTRIES
  t.equal(cache.size, ENTRIES)
  t.ok(perEntry <= MAX_HEAP_BYTES_PER_ENTRY, `${perEntry.toFixed(0)} B per entry`)
})

/**
 * An inactive answer is one shared object, so its entry is the key and lru-cache's slots: ~325 B
 * with a wrapper and its boxed expiry per entry, ~270 B without (both measured after the slots
 * were reserved); ~200 B, the slots included, since they grow with the entries. Invalid tokens
 * are what anyone can send without limit, so their cost is held too.
 */
const MAX_HEAP_BYTES_PER_INACTIVE_ENTRY = 300

t.test(`${ENTRIES} cached inactive answers cost at most ${MAX_HEAP_BYTES_PER_INACTIVE_ENTRY} B of heap each`, async (t) => {
  const text = JSON.stringify({ active: false })
  const before = heapUsed()
  const cache = new IntrospectionCache({ cacheTimeoutMs: 600_000, inactiveCacheTimeoutMs: 60_000, maxEntries: ENTRIES })
  for (let i = 0; i < ENTRIES; i++) {
    await cache.lookup(`invalid_${i}_${'x'.repeat(80)}`, async () => parseIntrospectionResponse(JSON.parse(text), []))
  }
  const perEntry = (heapUsed() - before) / ENTRIES
  t.equal(cache.size, ENTRIES)
  t.ok(perEntry <= MAX_HEAP_BYTES_PER_INACTIVE_ENTRY, `${perEntry.toFixed(0)} B per entry`)
})

/**
 * `cacheMaxEntries` is a bound, not a reservation: every policy has a cache (100 000 entries by
 * default) and every JWT verifier another, most of them far from full, and one reload builds them
 * all again beside the old ones. Reserving the slots cost 4.4 MB per cache (1.6 MB of it heap,
 * which every full GC marks).
 */
const MAX_EMPTY_CACHE_BYTES = 16 * 1024

t.test(`an empty cache of 100 000 entries costs under ${MAX_EMPTY_CACHE_BYTES / 1024} KiB`, async (t) => {
  gc()
  gc()
  const before = process.memoryUsage()
  const caches = Array.from({ length: 50 }, () => new IntrospectionCache({ cacheTimeoutMs: 600_000, inactiveCacheTimeoutMs: 60_000, maxEntries: 100_000 }))
  gc()
  gc()
  const after = process.memoryUsage()
  const perCache = (after.heapUsed - before.heapUsed + after.arrayBuffers - before.arrayBuffers) / caches.length
  t.equal(caches[49]?.size, 0)
  t.ok(perCache < MAX_EMPTY_CACHE_BYTES, `${Math.round(perCache)} B per cache`)
})

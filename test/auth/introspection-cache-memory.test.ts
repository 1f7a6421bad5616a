// Issue 6: what a cached answer costs in V8's heap. The bench measures RSS at 100 000 tokens;
// this holds the per-entry heap cost, which is deterministic, under a bound in every test run.
import t from 'tap'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { IntrospectionCache } from '../../src/auth/introspection-cache.js'
import { parseIntrospectionResponse } from '../../src/auth/introspection-response.js'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

/** Heap bytes per entry, lru-cache's per-slot arrays included: ~560 before answers were compacted, ~375 after. */
const MAX_HEAP_BYTES_PER_ENTRY = 420
const ENTRIES = 20_000

function heapUsed(): number {
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

t.test(`${ENTRIES} cached Hydra-shaped answers cost at most ${MAX_HEAP_BYTES_PER_ENTRY} B of heap each`, async (t) => {
  const cache = new IntrospectionCache({ cacheTimeoutMs: 600_000, inactiveCacheTimeoutMs: 0, maxEntries: ENTRIES })
  const nowS = Math.floor(Date.now() / 1000)
  const before = heapUsed()
  for (let i = 0; i < ENTRIES; i++) {
    // Parsed from text, as the client does: every answer arrives with its own copy of each string.
    const text = JSON.stringify({ active: true, scope: 'ratings:read', client_id: 'bookinfo', sub: 'bookinfo', exp: nowS + 3600 + (i % 600), iat: nowS, nbf: nowS, aud: [], iss: 'http://hydra:4444/', token_type: 'Bearer', token_use: 'access_token' })
    await cache.lookup(`ory_at_${i}_${'x'.repeat(80)}`, async () => parseIntrospectionResponse(JSON.parse(text), []))
  }
  const perEntry = (heapUsed() - before) / ENTRIES
  t.equal(cache.size, ENTRIES)
  t.ok(perEntry <= MAX_HEAP_BYTES_PER_ENTRY, `${perEntry.toFixed(0)} B per entry`)
})

// Step 2's memory: introspection responses (never decisions — CVE-2021-32701) keyed by a keyed
// hash of the token, with TTLs that never outlive the token, and one load per token at a time.
import { hash, randomBytes } from 'node:crypto'
import { LRUCache } from 'lru-cache'
import type { IntrospectionResponse } from './introspection-response.js'
import { AnswerCompactor } from './answer-compactor.js'

export interface IntrospectionCacheOptions {
  /** 0: active answers are not cached. */
  readonly cacheTimeoutMs: number
  /** 0: inactive answers are not cached. */
  readonly inactiveCacheTimeoutMs: number
  readonly maxEntries: number
  /**
   * Wall clock in milliseconds since the epoch; tests pass a fake one. Never 0: lru-cache takes
   * an entry stored at time 0 for one without a TTL.
   */
  readonly now?: () => number
}

export type CacheOutcome = 'hit' | 'miss' | 'coalesced'

/** A token's key in one cache (see `keyOf`); branded so a raw token is never passed for one. */
export type CacheKey = string & { readonly __cacheKey: unique symbol }

export interface CacheLookup {
  readonly response: IntrospectionResponse
  readonly cache: CacheOutcome
}

/** How long an answer may be reused; 0 means "do not cache". Pure. */
export function cacheTtlMs(response: IntrospectionResponse, nowMs: number, opts: IntrospectionCacheOptions): number {
  if (!response.active) return Math.max(0, opts.inactiveCacheTimeoutMs)
  if (opts.cacheTimeoutMs <= 0) return 0
  if (response.exp === undefined) return opts.cacheTimeoutMs
  // Never past the token's own expiry (RFC 7662 §4: a cached answer must not outlive the token).
  return Math.max(0, Math.min(opts.cacheTimeoutMs, Math.floor(response.exp * 1000 - nowMs)))
}

export class IntrospectionCache {
  readonly #opts: IntrospectionCacheOptions
  readonly #now: () => number
  /**
   * Per instance, so keys from two caches (two endpoints) never collide. A random secret prefixed
   * to the token before hashing, so a memory dump holds no value that can be matched against a
   * known token. One-shot `hash` over secret‖token: no HMAC object per request, and length
   * extension is irrelevant to a key nobody else sees. 128 bits: out of reach of any search,
   * and short enough that secret‖token for a token of up to 97 characters (Hydra's are 94) fits
   * two SHA-256 blocks, not three — a third of the hashing on every cached request.
   */
  readonly #secret = randomBytes(16).toString('base64url')
  readonly #lru: LRUCache<string, IntrospectionResponse>
  readonly #compactor = new AnswerCompactor()
  readonly #inflight = new Map<string, Promise<IntrospectionResponse>>()

  constructor(opts: IntrospectionCacheOptions) {
    this.#opts = opts
    this.#now = opts.now ?? Date.now
    // The answer itself is the value, with no wrapper holding our own copy of its expiry: at
    // 100 000+ entries each object per entry is heap and work for every full GC's marking
    // (issue 6), and the wrapper with its boxed expiry were two of an answer's objects (the only
    // ones of an inactive answer, which is shared). lru-cache's TTL is the one expiry check, on
    // our clock, read on every lookup (no debounce), so a fake clock is exact.
    //
    // `maxSize` with a size of 1 per entry, not `max`: both evict at the same count, but with `max`
    // lru-cache allocates its per-slot arrays for every slot up front (44 B a slot: 4.4 MB for the
    // default 100 000, in every policy's cache and every JWT verifier's, used or not), and with
    // `maxSize` they grow with the entries actually held.
    this.#lru = new LRUCache<string, IntrospectionResponse>({
      maxSize: Math.max(1, opts.maxEntries),
      perf: { now: this.#now },
      ttlResolution: 0,
    })
  }

  get size(): number {
    return this.#lru.size
  }

  /**
   * The fresh answer cached for this token, if any. Synchronous: a hit, nearly every request in
   * steady state, then costs no promise; `lookup` handles everything else.
   */
  cached(token: string): IntrospectionResponse | undefined {
    return this.cachedAt(this.keyOf(token))
  }

  lookup(token: string, load: () => Promise<IntrospectionResponse>): Promise<CacheLookup> {
    return this.lookupAt(this.keyOf(token), load)
  }

  /**
   * The key under which this cache holds a token's answer. A caller that asks `cachedAt` and,
   * on a miss, `lookupAt` computes it once: it is a SHA-256 of the token.
   */
  keyOf(token: string): CacheKey {
    // The whole digest as 32 one-byte characters ('binary' is Node's name for latin1): one small
    // string per entry, where a base64url slice would keep the slice and the string it points into.
    return hash('sha256', this.#secret + token, 'binary') as CacheKey
  }

  cachedAt(key: CacheKey): IntrospectionResponse | undefined {
    return this.#lru.get(key)
  }

  async lookupAt(key: CacheKey, load: () => Promise<IntrospectionResponse>): Promise<CacheLookup> {
    const cached = this.#lru.get(key)
    if (cached !== undefined) return { response: cached, cache: 'hit' }
    const pending = this.#inflight.get(key)
    if (pending !== undefined) return { response: await pending, cache: 'coalesced' }
    return { response: await this.#load(key, load), cache: 'miss' }
  }

  /** Forget one token's answer, or every answer; returns how many stored answers went. */
  purge(token?: string): number {
    if (token === undefined) {
      const purged = this.#lru.size
      this.#lru.clear()
      this.#inflight.clear()
      return purged
    }
    const key = this.keyOf(token)
    this.#inflight.delete(key)
    return this.#lru.delete(key) ? 1 : 0
  }

  /**
   * Starts the one load for `key` that concurrent lookups share. Its answer is stored only while
   * it is still the registered load, so a `purge` during the call is not undone by its answer;
   * a failure reaches every waiter and is never stored.
   */
  #load(key: CacheKey, load: () => Promise<IntrospectionResponse>): Promise<IntrospectionResponse> {
    const loading: Promise<IntrospectionResponse> = Promise.resolve()
      .then(load)
      .then(
        (response) => {
          if (this.#inflight.get(key) === loading) {
            this.#inflight.delete(key)
            this.#store(key, response)
          }
          return response
        },
        (err: unknown) => {
          if (this.#inflight.get(key) === loading) this.#inflight.delete(key)
          throw err
        },
      )
    this.#inflight.set(key, loading)
    return loading
  }

  #store(key: CacheKey, response: IntrospectionResponse): void {
    const nowMs = this.#now()
    const ttlMs = cacheTtlMs(response, nowMs, this.#opts)
    // lru-cache serves an entry while `now - start <= ttl`; ours must end at start + ttlMs, so
    // its ttl is one less (with an integer clock, `now <= start + ttlMs - 1` is `now < start +
    // ttlMs`; with a fractional one it ends up to 1 ms early, never late). A 1 ms life, which
    // would become ttl 0 (no expiry at all), is not worth caching.
    if (ttlMs > 1) this.#lru.set(key, this.#compactor.compact(response, nowMs), { ttl: ttlMs - 1, size: 1 })
  }
}

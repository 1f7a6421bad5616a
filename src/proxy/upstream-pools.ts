// One keep-alive undici Pool per upstream origin, behind a single object that @fastify/reply-from
// accepts as its `undici` dispatcher. Routing by `origin` here, instead of one reply-from
// registration per upstream, keeps a single catch-all route and lets a reload swap pools.
import { Pool, type Dispatcher } from 'undici'
import type { UpstreamConfig } from '../config/types.js'

type RequestCallback = (err: Error | null, data: Dispatcher.ResponseData | null) => void

export class UpstreamPools {
  readonly #pools = new Map<string, Pool>()
  /** Origins whose pool a newer generation now owns: still usable, not ours to close. */
  readonly #handedOver = new Set<string>()

  constructor(upstreams: Iterable<UpstreamConfig>, reuse?: UpstreamPools) {
    for (const upstream of upstreams) {
      if (this.#pools.has(upstream.origin)) continue
      const kept = reuse?.take(upstream)
      this.#pools.set(upstream.origin, kept ?? newPool(upstream))
    }
  }

  /** The signature reply-from calls: `pool.request(opts, callback)`. */
  request(opts: Dispatcher.RequestOptions & { origin?: string }, callback: RequestCallback): void {
    const pool = opts.origin === undefined ? undefined : this.#pools.get(String(opts.origin))
    if (pool === undefined) {
      callback(Object.assign(new Error(`no pool for origin ${String(opts.origin)}`), { code: 'ECONNREFUSED' }), null)
      return
    }
    pool.request(opts, callback)
  }

  /** Hands over a pool to a new generation so a reload keeps warm connections. */
  private take(upstream: UpstreamConfig): Pool | undefined {
    const pool = this.#pools.get(upstream.origin)
    if (pool !== undefined) this.#handedOver.add(upstream.origin)
    return pool
  }

  /** Lets in-flight requests finish, then closes every pool still owned. */
  async close(): Promise<void> {
    await Promise.allSettled(this.#owned().map((p) => p.close()))
  }

  async destroy(): Promise<void> {
    await Promise.allSettled(this.#owned().map((p) => p.destroy()))
  }

  #owned(): Pool[] {
    return [...this.#pools].filter(([origin]) => !this.#handedOver.has(origin)).map(([, pool]) => pool)
  }
}

function newPool(upstream: UpstreamConfig): Pool {
  return new Pool(upstream.origin, {
    connections: upstream.maxConnections,
    connectTimeout: upstream.connectTimeoutMs,
    headersTimeout: upstream.timeoutMs,
    bodyTimeout: upstream.timeoutMs,
    keepAliveTimeout: 4_000,
  })
}

// What the introspection cache stores per token, made small. With 100 000+ cached answers the
// garbage collector's mark phase walks every object the cache holds, and its pauses become the
// gateway's p99 (issue 6). The answers for one client or one user repeat the same few strings
// (scope, client_id, sub, iss, token_use, aud), so the cache keeps one copy of each value rather
// than one per token: the same answer then costs about half the heap and half the marking.
import type { IntrospectionResponse } from './introspection-response.js'

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

/**
 * Distinct values kept for sharing. When the pool is full it starts over: values already cached
 * stay valid (strings are immutable), only later answers share less. A bound, not a limit on
 * what can be cached, so an authorization server with many distinct values cannot grow it.
 */
export const MAX_POOLED_VALUES = 4096

const NO_AUDIENCE: readonly string[] = Object.freeze([])

class ValuePool<T> {
  readonly #values = new Map<string, T>()

  /** The pooled value for `key`, pooling `value` first if this key is new. */
  get(key: string, value: T): T {
    const pooled = this.#values.get(key)
    if (pooled !== undefined) return pooled
    if (this.#values.size >= MAX_POOLED_VALUES) this.#values.clear()
    this.#values.set(key, value)
    return value
  }

  get size(): number {
    return this.#values.size
  }
}

export class AnswerCompactor {
  readonly #strings = new ValuePool<string>()
  readonly #audiences = new ValuePool<readonly string[]>()

  /**
   * An equal answer whose strings and audience list are shared with earlier answers. Fields are
   * set in `parseIntrospectionResponse`'s order, so every cached answer has one hidden class and
   * the decision code reading them stays monomorphic.
   */
  compact(response: IntrospectionResponse): IntrospectionResponse {
    // Inactive answers are already one shared object.
    if (!response.active) return response
    const out: Mutable<IntrospectionResponse> = { active: true }
    if (response.scope !== undefined) out.scope = this.#string(response.scope)
    if (response.clientId !== undefined) out.clientId = this.#string(response.clientId)
    if (response.sub !== undefined) out.sub = this.#string(response.sub)
    if (response.iss !== undefined) out.iss = this.#string(response.iss)
    if (response.tokenUse !== undefined) out.tokenUse = this.#string(response.tokenUse)
    if (response.exp !== undefined) out.exp = response.exp
    if (response.nbf !== undefined) out.nbf = response.nbf
    if (response.aud !== undefined) out.aud = this.#audience(response.aud)
    if (response.claims !== undefined) out.claims = this.#claims(response.claims)
    return Object.freeze(out)
  }

  /** Pooled values, strings and audience lists together (tests check the bound). */
  get pooled(): number {
    return this.#strings.size + this.#audiences.size
  }

  #string(value: string): string {
    return this.#strings.get(value, value)
  }

  #audience(aud: readonly string[]): readonly string[] {
    if (aud.length === 0) return NO_AUDIENCE
    // JSON keeps the list's boundaries: ["a,b"] and ["a","b"] are different keys.
    return this.#audiences.get(JSON.stringify(aud), aud)
  }

  #claims(claims: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
    // No prototype, as parsed: a claim named `__proto__` stays a plain key.
    const out = Object.create(null) as Record<string, string>
    for (const name of Object.keys(claims)) out[name] = this.#string(claims[name]!)
    return Object.freeze(out)
  }
}

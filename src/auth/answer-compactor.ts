// What the introspection cache stores per token, made small. With 100 000+ cached answers the
// garbage collector's mark phase walks every object the cache holds, and its pauses become the
// gateway's p99 (issue 6). The answers for one client or one user repeat the same few strings
// (scope, client_id, sub, iss, token_use, aud), so the cache keeps one copy of each value rather
// than one per token: the same answer then costs about half the heap and half the marking.
//
// What still made each active answer unique was its `exp` (and Hydra's `nbf`, its issue time),
// and each answer object came with a property array and a boxed number for each of them: four
// objects per token for the marker to visit. Neither needs to be stored. The cache never serves
// an answer at or past its `exp` (`cacheTtlMs` ends the entry there, on the same clock that
// `decide` reads), so `decide`'s expiry check cannot fail on a hit; and an `nbf` already behind
// the clock when the answer is stored stays behind it. So answers that differ only in those two
// fields are one shared object, the way inactive answers already are.
import type { IntrospectionResponse } from './introspection-response.js'

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

/**
 * Distinct values kept for sharing, per kind. When a pool is full it starts over: values already
 * cached stay valid (strings and frozen answers are immutable), only later answers share less. A
 * bound, not a limit on what can be cached, so an authorization server with many distinct values
 * cannot grow it.
 */
export const MAX_POOLED_VALUES = 4096

const NO_AUDIENCE: readonly string[] = Object.freeze([])

class ValuePool<T> {
  readonly #values = new Map<string, T>()

  find(key: string): T | undefined {
    return this.#values.get(key)
  }

  /** Pools `value` under `key` and returns it. */
  add(key: string, value: T): T {
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
  readonly #answers = new ValuePool<IntrospectionResponse>()

  /**
   * The answer to store for a token, given the time it is stored: equal to `response` except
   * that `exp` is left out, and `nbf` too when it is already behind `nowMs`, and shared with
   * every earlier answer that differs only in those. Its strings and audience list are shared
   * too. Fields are set in `parseIntrospectionResponse`'s order, so answers with the same fields
   * have one hidden class and the decision code reading them stays monomorphic.
   */
  compact(response: IntrospectionResponse, nowMs: number): IntrospectionResponse {
    // Inactive answers are already one shared object.
    if (!response.active) return response
    // Not valid yet when stored: the rare answer `decide` must still check its nbf on, kept whole.
    if (response.nbf !== undefined && response.nbf * 1000 > nowMs) return this.#copy(response, true)
    const key = answerKey(response)
    return this.#answers.find(key) ?? this.#answers.add(key, this.#copy(response, false))
  }

  /** Pooled values of every kind together (tests check the bound). */
  get pooled(): number {
    return this.#strings.size + this.#audiences.size + this.#answers.size
  }

  #copy(response: IntrospectionResponse, withTimes: boolean): IntrospectionResponse {
    const out: Mutable<IntrospectionResponse> = { active: true }
    if (response.scope !== undefined) out.scope = this.#string(response.scope)
    if (response.clientId !== undefined) out.clientId = this.#string(response.clientId)
    if (response.sub !== undefined) out.sub = this.#string(response.sub)
    if (response.iss !== undefined) out.iss = this.#string(response.iss)
    if (response.tokenUse !== undefined) out.tokenUse = this.#string(response.tokenUse)
    if (withTimes && response.exp !== undefined) out.exp = response.exp
    if (withTimes && response.nbf !== undefined) out.nbf = response.nbf
    if (response.aud !== undefined) out.aud = this.#audience(response.aud)
    if (response.claims !== undefined) out.claims = this.#claims(response.claims)
    return Object.freeze(out)
  }

  #string(value: string): string {
    return this.#strings.find(value) ?? this.#strings.add(value, value)
  }

  #audience(aud: readonly string[]): readonly string[] {
    if (aud.length === 0) return NO_AUDIENCE
    // JSON keeps the list's boundaries: ["a,b"] and ["a","b"] are different keys.
    const key = JSON.stringify(aud)
    return this.#audiences.find(key) ?? this.#audiences.add(key, aud)
  }

  #claims(claims: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
    // No prototype, as parsed: a claim named `__proto__` stays a plain key.
    const out = Object.create(null) as Record<string, string>
    for (const name of Object.keys(claims)) out[name] = this.#string(claims[name]!)
    return Object.freeze(out)
  }
}

/**
 * Every field a shared answer keeps, unambiguously: fields are strings or absent (JSON's null),
 * and the audience list and claims keep their boundaries in JSON.
 */
function answerKey(r: IntrospectionResponse): string {
  return JSON.stringify([r.scope, r.clientId, r.sub, r.iss, r.tokenUse, r.aud, r.claims])
}

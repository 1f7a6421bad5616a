// Protects the authorization server (issue 7 §3): a bounded number of concurrent introspection
// calls per endpoint with a short queue, and a circuit breaker that fails fast after repeated
// failures and lets one probe through after a cool-down. Past either limit the caller gets a
// coded error at once, which the pipeline answers with `statusOnError` — never 'allow'.
import { TokengateError } from '../errors.js'

export interface GuardOptions {
  /** Calls in flight to the endpoint at once. */
  readonly maxConcurrent: number
  /** Calls that may wait for a slot; one more is refused at once. */
  readonly maxQueued: number
  /** Consecutive failures that open the circuit. */
  readonly failureThreshold: number
  /** How long an open circuit fails fast before one probe is let through. */
  readonly coolDownMs: number
  /** Monotonic or wall clock in ms; tests pass a fake one. */
  readonly now?: () => number
}

export type CircuitState = 'closed' | 'open' | 'half-open'

export class IntrospectionGuard {
  readonly #opts: GuardOptions
  readonly #now: () => number
  readonly #queue: Array<() => void> = []
  #active = 0
  #failures = 0
  #openUntilMs = 0
  #probing = false

  constructor(opts: GuardOptions) {
    this.#opts = opts
    this.#now = opts.now ?? Date.now
  }

  get active(): number {
    return this.#active
  }

  get queued(): number {
    return this.#queue.length
  }

  get state(): CircuitState {
    if (this.#failures < this.#opts.failureThreshold) return 'closed'
    return this.#now() < this.#openUntilMs ? 'open' : 'half-open'
  }

  /** Runs `call` within the limits, or rejects at once with OVERLOADED or CIRCUIT_OPEN. */
  async run<T>(call: () => Promise<T>): Promise<T> {
    const probe = this.#admit()
    try {
      await this.#slot()
    } catch (err) {
      if (probe) this.#probing = false
      throw err
    }
    try {
      const result = await call()
      this.#failures = 0
      return result
    } catch (err) {
      this.#recordFailure()
      throw err
    } finally {
      if (probe) this.#probing = false
      this.#release()
    }
  }

  /** Throws when the circuit refuses the call; true when this call is the half-open probe. */
  #admit(): boolean {
    const state = this.state
    if (state === 'closed') return false
    if (state === 'half-open' && !this.#probing) {
      this.#probing = true
      return true
    }
    throw new TokengateError('TG_ERR_INTROSPECTION_CIRCUIT_OPEN')
  }

  #slot(): Promise<void> {
    if (this.#active < this.#opts.maxConcurrent) {
      this.#active++
      return Promise.resolve()
    }
    if (this.#queue.length >= this.#opts.maxQueued) {
      return Promise.reject(new TokengateError('TG_ERR_INTROSPECTION_OVERLOADED'))
    }
    // The slot is handed over by #release, so #active stays counted for the waiter.
    return new Promise((resolve) => this.#queue.push(resolve))
  }

  #release(): void {
    const next = this.#queue.shift()
    if (next === undefined) this.#active--
    else next()
  }

  #recordFailure(): void {
    this.#failures++
    if (this.#failures >= this.#opts.failureThreshold) this.#openUntilMs = this.#now() + this.#opts.coolDownMs
  }
}

// The pipeline for one policy, read top to bottom like issue 3: read the token → introspect
// (cached) → decide → identity headers. It never throws for anything a client or the
// authorization server does: every path ends in an outcome, and no failure ends in 'allow'.
import type { IncomingHttpHeaders } from 'node:http'
import type { AccessTokenPolicy } from '../config/types.js'
import { isTokengateError } from '../errors.js'
import type { ErrorCode } from '../errors.js'
import { denial, unavailable } from './challenge.js'
import type { DenyResponse } from './challenge.js'
import { decide } from './decide.js'
import { claimsNeeded, identityHeaderMatcher, identityHeaderNames, identityHeaderValues } from './identity-headers.js'
import { IntrospectionCache } from './introspection-cache.js'
import type { CacheKey, CacheOutcome } from './introspection-cache.js'
import type { IntrospectionClient } from './introspection-client.js'
import { guardedIntrospectionClient } from './guarded-introspection.js'
import { readToken } from './read-token.js'
import { looksLikeJws } from './jwt/jws-shape.js'
import { JwtVerifier } from './jwt/verifier.js'
import type { JwtRejection } from './jwt/verifier.js'
import type { IntrospectionResponse } from './introspection-response.js'
import { outcomeOfAnswer, outcomeOfError, type IntrospectionObserver } from './introspection-outcome.js'

export interface AuthRequest {
  readonly headers: IncomingHttpHeaders
  readonly rawHeaders: readonly string[]
  readonly query: string
  readonly requestId?: string
}

export type AuthOutcome =
  | {
      readonly kind: 'allow'
      readonly cache: CacheOutcome
      readonly clientId?: string
      readonly sub?: string
      /** Lower-case names to delete from the client's request before setting `setHeaders`. */
      readonly removeHeaders: readonly string[]
      readonly setHeaders: readonly (readonly [string, string])[]
      readonly stripAuthorization: boolean
    }
  | {
      readonly kind: 'deny'
      /** `token_missing`, `token_malformed`, or a `decide` reason such as `inactive` or `scope`. */
      readonly reason: string
      readonly cache?: CacheOutcome
      readonly clientId?: string
      readonly sub?: string
      readonly response: DenyResponse
    }
  | { readonly kind: 'error'; readonly code: ErrorCode; readonly response: DenyResponse }

interface Validated {
  readonly response: IntrospectionResponse
  readonly cache: CacheOutcome
  readonly rejection?: JwtRejection
}

/** Step 2 by RFC 7662: the endpoint's client and the answers it gave. */
interface Introspection {
  readonly client: IntrospectionClient
  readonly cache: IntrospectionCache
}

export interface AuthenticatorDeps {
  readonly client?: IntrospectionClient
  readonly cache?: IntrospectionCache
  readonly jwt?: JwtVerifier
  /** Told of every introspection call that went out (cache misses only): outcome and duration. */
  readonly observeIntrospection?: IntrospectionObserver
  /** Wall clock in ms since the epoch, for `decide` and the cache. */
  readonly now?: () => number
}

export class Authenticator {
  readonly #policy: AccessTokenPolicy
  /** Undefined for a JWT-only policy, which then holds no introspection cache either. */
  readonly #introspection: Introspection | undefined
  readonly #ownsClient: boolean
  /** Undefined for an introspection-only policy. */
  readonly #jwt: JwtVerifier | undefined
  readonly #ownsJwt: boolean
  readonly #now: () => number
  readonly #identityNames: readonly string[]
  readonly #isIdentityHeader: (name: string) => boolean
  readonly #observe: IntrospectionObserver | undefined

  constructor(policy: AccessTokenPolicy, deps: AuthenticatorDeps = {}) {
    this.#policy = policy
    this.#now = deps.now ?? Date.now
    this.#ownsClient = deps.client === undefined
    const client = deps.client ?? (policy.introspection === undefined ? undefined : guardedIntrospectionClient({ ...policy.introspection, keepClaims: claimsNeeded(policy) }, policy.protection))
    this.#introspection = client === undefined ? undefined : {
      client,
      cache: deps.cache ?? new IntrospectionCache({
        cacheTimeoutMs: policy.cacheTimeoutMs,
        inactiveCacheTimeoutMs: policy.inactiveCacheTimeoutMs,
        maxEntries: policy.cacheMaxEntries,
        now: this.#now,
      }),
    }
    this.#ownsJwt = deps.jwt === undefined
    this.#jwt = deps.jwt ?? (policy.jwt === undefined ? undefined : new JwtVerifier(policy.jwt, { now: this.#now, keepClaims: claimsNeeded(policy), cacheTimeoutMs: policy.cacheTimeoutMs, cacheMaxEntries: policy.cacheMaxEntries }))
    if (this.#introspection === undefined && this.#jwt === undefined) throw new Error('a policy without introspection or jwt passed config validation')
    this.#identityNames = identityHeaderNames(policy)
    this.#isIdentityHeader = identityHeaderMatcher(policy)
    this.#observe = deps.observeIntrospection
  }

  /**
   * The outcome: returned as it is when it needs no I/O (no token, a malformed one, or an answer
   * already cached, which is nearly every request in steady state), so those requests pay for no
   * promise and no microtask; as a promise, which never rejects, when the token must be
   * introspected or verified.
   */
  authenticate(req: AuthRequest): AuthOutcome | Promise<AuthOutcome> {
    const policy = this.#policy
    const read = readToken(req, policy.tokenSource, policy.maxTokenLength)
    if (!read.ok) {
      const missing = read.error === 'missing'
      return {
        kind: 'deny',
        reason: missing ? 'token_missing' : 'token_malformed',
        response: denial(policy, missing ? { description: read.description } : { error: 'invalid_request', description: read.description }),
      }
    }
    const token = read.token
    const introspection = this.#introspectionFor(token)
    if (introspection === undefined) return this.#validateAndJudge(this.#verifyJwt(token), req)
    // Hashed once per request, whether the answer is cached or must be fetched.
    const key = introspection.cache.keyOf(token)
    const hit = introspection.cache.cachedAt(key)
    if (hit !== undefined) return this.#judge({ response: hit, cache: 'hit' }, req)
    return this.#validateAndJudge(this.#introspect(introspection, token, key, req), req)
  }

  /** `validating` rejects only when the token cannot be judged (→ statusOnError). */
  async #validateAndJudge(validating: Promise<Validated>, req: AuthRequest): Promise<AuthOutcome> {
    let looked: Validated
    try {
      looked = await validating
    } catch (err) {
      const code: ErrorCode = isTokengateError(err) ? err.code : 'TG_ERR_INTERNAL'
      return { kind: 'error', code, response: unavailable(this.#policy, code) }
    }
    return this.#judge(looked, req)
  }

  /** Step 3 and the identity headers, for an answer in hand. */
  #judge(looked: Validated, req: AuthRequest): AuthOutcome {
    const policy = this.#policy
    const { response, cache } = looked
    if (looked.rejection !== undefined) {
      const { reason, description } = looked.rejection
      return { kind: 'deny', reason, cache, response: denial(policy, { error: 'invalid_token', description }) }
    }
    const decision = decide(response, policy, this.#now())
    if (!decision.granted) {
      return { kind: 'deny', reason: decision.reason, cache, clientId: response.clientId, sub: response.sub, response: denial(policy, decision) }
    }
    return {
      kind: 'allow',
      cache,
      clientId: response.clientId,
      sub: response.sub,
      removeHeaders: this.#headersToRemove(req.headers),
      setHeaders: identityHeaderValues(response, policy),
      stripAuthorization: policy.stripAuthorization,
    }
  }

  /** Cached introspection answers and verified JWTs held now (the metrics gauge). */
  get cacheSize(): number {
    return (this.#introspection?.cache.size ?? 0) + (this.#jwt?.cacheSize ?? 0)
  }

  /** Forget one token's cached answer, or all; returns how many went. */
  purge(token?: string): number {
    return (this.#introspection?.cache.purge(token) ?? 0) + (this.#jwt?.purge(token) ?? 0)
  }

  async close(): Promise<void> {
    if (this.#ownsClient) await this.#introspection?.client.close()
    if (this.#ownsJwt) await this.#jwt?.close()
  }

  /**
   * Step 2's route. With `jwt`, a JWS-shaped token is verified locally and never introspected
   * (issue 8); a JWT-only policy sends every token there, so an opaque one is denied as malformed.
   * Undefined: the token goes to the JWT verifier.
   */
  #introspectionFor(token: string): Introspection | undefined {
    const introspection = this.#introspection
    if (introspection === undefined || (this.#jwt !== undefined && looksLikeJws(token))) return undefined
    return introspection
  }

  async #verifyJwt(token: string): Promise<Validated> {
    if (this.#jwt === undefined) throw new Error('a token was routed to JWT verification in a policy without jwt')
    return this.#jwt.verify(token)
  }

  async #introspect({ client, cache }: Introspection, token: string, key: CacheKey, req: AuthRequest): Promise<Validated> {
    const ctx = req.requestId === undefined ? {} : { requestId: req.requestId }
    const observe = this.#observe
    if (observe === undefined) return cache.lookupAt(key, () => client.introspect(token, ctx))
    return cache.lookupAt(key, async () => {
      const started = performance.now()
      try {
        const answer = await client.introspect(token, ctx)
        observe(outcomeOfAnswer(answer.active), (performance.now() - started) / 1000)
        return answer
      } catch (err) {
        observe(outcomeOfError(err), (performance.now() - started) / 1000)
        throw err
      }
    })
  }

  /** The configured names and their `_` twins, plus any other spelling this request actually used. */
  #headersToRemove(headers: IncomingHttpHeaders): readonly string[] {
    if (this.#identityNames.length === 0) return this.#identityNames
    const extra = Object.keys(headers).filter((name) => this.#isIdentityHeader(name) && !this.#identityNames.includes(name))
    return extra.length === 0 ? this.#identityNames : [...this.#identityNames, ...extra]
  }
}

// JWT access tokens (RFC 9068) validated locally: jose checks the signature against the JWK Set
// and the registered claims; the result is the same trimmed answer introspection gives, so the
// authenticator runs one `decide` for both. Verified answers are cached like introspection
// answers (keyed hash, TTL capped at exp): verification costs CPU, a hit costs a hash.
import { jwtVerify } from 'jose'
import type { JWTVerifyOptions } from 'jose'
import type { Dispatcher } from 'undici'
import type { JwtConfig } from '../../config/types.js'
import { isTokengateError } from '../../errors.js'
import { IntrospectionCache } from '../introspection-cache.js'
import type { CacheOutcome } from '../introspection-cache.js'
import type { IntrospectionResponse } from '../introspection-response.js'
import { toIntrospectionResponse, typAccepted } from './claims.js'
import { keySource } from './key-source.js'
import type { KeySource } from './key-source.js'
import { CLAIMS_REJECTED, TYP_REJECTED, rejectionOf } from './rejection.js'
import type { JwtRejection } from './rejection.js'

export type { JwtRejection, JwtRejectionReason } from './rejection.js'

export interface JwtVerifierDeps {
  /** Wall clock in ms since the epoch: jose's claim checks and the cache use it. */
  readonly now?: () => number
  /** For the JWK Set fetch; otherwise the verifier owns a keep-alive Agent. */
  readonly dispatcher?: Dispatcher
  /** Between refetches for an unknown `kid` (default 30 s); tests pass 0. */
  readonly cooldownMs?: number
  /** Claims to keep (claimsToHeaders, userIdAttributeName), as for introspection. */
  readonly keepClaims?: readonly string[]
  /** 0 (the default) caches nothing. */
  readonly cacheTimeoutMs?: number
  readonly cacheMaxEntries?: number
}

export interface JwtVerification {
  /** `{ active: false }` when `rejection` is set. */
  readonly response: IntrospectionResponse
  readonly rejection?: JwtRejection
  readonly cache: CacheOutcome
}

/** RFC 9068 §2.2: a JWT access token without `exp` would never end. */
const REQUIRED_CLAIMS = ['exp']

export class JwtVerifier {
  readonly #cfg: JwtConfig
  readonly #keys: KeySource
  readonly #now: () => number
  readonly #keepClaims: readonly string[]
  readonly #cache: IntrospectionCache
  /** Rejections never enter the cache; this lets concurrent waiters on one load see the reason too. */
  readonly #rejections = new WeakMap<IntrospectionResponse, JwtRejection>()

  constructor(cfg: JwtConfig, deps: JwtVerifierDeps = {}) {
    this.#cfg = cfg
    this.#now = deps.now ?? Date.now
    this.#keepClaims = deps.keepClaims ?? []
    this.#keys = keySource(cfg.jwks, {
      now: this.#now,
      ...(deps.dispatcher === undefined ? {} : { dispatcher: deps.dispatcher }),
      ...(deps.cooldownMs === undefined ? {} : { cooldownMs: deps.cooldownMs }),
    })
    this.#cache = new IntrospectionCache({
      cacheTimeoutMs: deps.cacheTimeoutMs ?? 0,
      inactiveCacheTimeoutMs: 0,
      maxEntries: deps.cacheMaxEntries ?? 1,
      now: this.#now,
    })
  }

  /**
   * Resolves with the verdict; rejects only with a TokengateError when the token cannot be judged
   * (its key is unknown and the JWK Set endpoint is failing → statusOnError).
   */
  async verify(token: string): Promise<JwtVerification> {
    const { response, cache } = await this.#cache.lookup(token, () => this.#verifyUncached(token))
    const rejection = this.#rejections.get(response)
    return rejection === undefined ? { response, cache } : { response, rejection, cache }
  }

  get cacheSize(): number {
    return this.#cache.size
  }

  purge(token?: string): number {
    return this.#cache.purge(token)
  }

  close(): Promise<void> {
    return this.#keys.close()
  }

  async #verifyUncached(token: string): Promise<IntrospectionResponse> {
    let verified
    try {
      verified = await jwtVerify(token, this.#keys.getKey, this.#options())
    } catch (err) {
      if (isTokengateError(err)) throw err
      const rejection = rejectionOf(err)
      if (rejection === undefined) throw err
      return this.#rejected(rejection)
    }
    if (!typAccepted(verified.protectedHeader, this.#cfg.requireTyp)) return this.#rejected(TYP_REJECTED)
    try {
      return toIntrospectionResponse(verified.payload, this.#keepClaims)
    } catch (err) {
      if (isTokengateError(err)) return this.#rejected(CLAIMS_REJECTED)
      throw err
    }
  }

  #options(): JWTVerifyOptions {
    const cfg = this.#cfg
    return {
      algorithms: [...cfg.algorithms],
      ...(cfg.issuer === undefined ? {} : { issuer: cfg.issuer }),
      ...(cfg.audiences.length === 0 ? {} : { audience: [...cfg.audiences] }),
      clockTolerance: Math.floor(cfg.clockSkewMs / 1000),
      currentDate: new Date(this.#now()),
      requiredClaims: REQUIRED_CLAIMS,
    }
  }

  #rejected(rejection: JwtRejection): IntrospectionResponse {
    // A fresh object per rejection: the WeakMap key must not be shared between verdicts.
    const response: IntrospectionResponse = Object.freeze({ active: false })
    this.#rejections.set(response, rejection)
    return response
  }
}

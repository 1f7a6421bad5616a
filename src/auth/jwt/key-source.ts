// Where a JWT's verification key comes from. Remote: jose's cached JWK Set (refetched after
// `refreshIntervalMs`, and at most once per cooldown when an unknown `kid` appears), plus what
// jose does not do: while the endpoint is down, keys already fetched keep verifying (issue 8),
// and the endpoint is not asked again on every request until a cooldown has passed.
import { createLocalJWKSet, createRemoteJWKSet, customFetch, errors } from 'jose'
import type { JSONWebKeySet, JWTVerifyGetKey } from 'jose'
import { Agent } from 'undici'
import type { Dispatcher } from 'undici'
import type { JwksSource } from '../../config/types.js'
import { JWKS_COOLDOWN_MS } from '../../defaults.js'
import { TokengateError } from '../../errors.js'
import { jwksFetch } from './jwks-fetch.js'

export interface KeySourceDeps {
  /** Wall clock in ms; only our own hold-off uses it (jose keeps its own `Date.now()` timers). */
  readonly now?: () => number
  readonly dispatcher?: Dispatcher
  /** jose's cooldown between refetches for an unknown `kid`, and our hold-off after a failure; tests pass 0. */
  readonly cooldownMs?: number
}

export interface KeySource {
  readonly getKey: JWTVerifyGetKey
  close(): Promise<void>
}

type KeyArgs = Parameters<JWTVerifyGetKey>
type Key = Awaited<ReturnType<JWTVerifyGetKey>>

const KEEP_ALIVE_TIMEOUT_MS = 10_000

export function keySource(source: JwksSource, deps: KeySourceDeps = {}): KeySource {
  if (source.kind === 'local') {
    // jose copies the set; the frozen config object is never touched.
    return { getKey: createLocalJWKSet(source.jwks as unknown as JSONWebKeySet), close: async () => {} }
  }
  const ownsDispatcher = deps.dispatcher === undefined
  const dispatcher = deps.dispatcher ?? new Agent({ keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS, connect: { timeout: source.timeoutMs } })
  const cooldownMs = deps.cooldownMs ?? JWKS_COOLDOWN_MS
  const now = deps.now ?? Date.now
  let lastGood: JSONWebKeySet | undefined
  let failedAtMs: number | undefined
  const fromStale = staleKeys()
  const remote = createRemoteJWKSet(new URL(source.url), {
    cacheMaxAge: source.refreshIntervalMs,
    cooldownDuration: cooldownMs,
    timeoutDuration: source.timeoutMs,
    [customFetch]: jwksFetch(dispatcher, (jwks) => {
      lastGood = jwks
    }),
  })

  const getKey: JWTVerifyGetKey = async (header, token) => {
    // The endpoint failed a moment ago: answer from the keys we have instead of waiting on it.
    if (lastGood !== undefined && failedAtMs !== undefined && now() - failedAtMs < cooldownMs) {
      return fromStale(lastGood, header, token, undefined)
    }
    try {
      const key = await remote(header, token)
      failedAtMs = undefined
      return key
    } catch (err) {
      // Our fetch turns every endpoint failure into a TokengateError; anything else is about the token.
      if (!(err instanceof TokengateError)) throw err
      failedAtMs = now()
      if (lastGood === undefined) throw err
      return fromStale(lastGood, header, token, err)
    }
  }
  return {
    getKey,
    close: async () => {
      if (ownsDispatcher) await dispatcher.close()
    },
  }
}

/** The last good set as a local set, rebuilt only when a fetch replaced it (jose caches imported keys per set). */
function staleKeys(): (jwks: JSONWebKeySet, header: KeyArgs[0], token: KeyArgs[1], cause: TokengateError | undefined) => Promise<Key> {
  let cached: { jwks: JSONWebKeySet; getKey: JWTVerifyGetKey } | undefined
  return async (jwks, header, token, cause) => {
    if (cached?.jwks !== jwks) cached = { jwks, getKey: createLocalJWKSet(jwks) }
    try {
      return await cached.getKey(header, token)
    } catch (err) {
      // A key we already trusted still verifies; a key we never saw cannot be judged (→ statusOnError).
      if (err instanceof errors.JWKSNoMatchingKey) {
        throw cause ?? new TokengateError('TG_ERR_INTROSPECTION_UNAVAILABLE', 'The JWK Set endpoint is failing and the token\'s key is not among the keys fetched before', { cause: err })
      }
      throw err
    }
  }
}

// One policy document to the AccessTokenPolicy the auth pipeline runs.
import type { PolicyDocument } from './schema.js'
import type { AccessTokenPolicy, IntrospectionConfig, JwksSource, JwtConfig, TokenSource } from './types.js'
import * as D from '../defaults.js'
import { parseDuration } from './duration.js'

const ms = (value: string | number | undefined, fallback: number): number => (value === undefined ? fallback : parseDuration(value))

export function compilePolicy(policy: PolicyDocument, secretFromFile: string | undefined): AccessTokenPolicy {
  const atv = policy.config.oauth2.accessTokenValidation
  return {
    name: policy.name,
    ...(atv.introspectionUrl === undefined && atv.introspection === undefined ? {} : { introspection: compileIntrospection(atv, secretFromFile) }),
    ...(atv.jwt === undefined ? {} : { jwt: compileJwt(atv.jwt, atv) }),
    requiredScopes: [...(atv.requiredScopes ?? [])],
    requiredAudiences: [...(atv.requiredAudiences ?? [])],
    trustedIssuers: [...(atv.trustedIssuers ?? [])],
    cacheTimeoutMs: ms(atv.cacheTimeout, D.DEFAULT_CACHE_TIMEOUT_MS),
    inactiveCacheTimeoutMs: ms(atv.inactiveCacheTimeout, D.DEFAULT_INACTIVE_CACHE_TIMEOUT_MS),
    cacheMaxEntries: atv.cacheMaxEntries ?? D.DEFAULT_CACHE_MAX_ENTRIES,
    clockSkewMs: ms(atv.clockSkew, D.DEFAULT_CLOCK_SKEW_MS),
    maxTokenLength: atv.maxTokenLength ?? D.DEFAULT_MAX_TOKEN_LENGTH,
    deniedStatus: atv.deniedStatus ?? D.DEFAULT_DENIED_STATUS,
    statusOnError: atv.statusOnError ?? D.DEFAULT_STATUS_ON_ERROR,
    realm: atv.realm ?? D.DEFAULT_REALM,
    tokenSource: compileTokenSource(atv.tokenSource),
    claimsToHeaders: (atv.claimsToHeaders ?? []).map((c) => ({ claim: c.claim, header: c.header.toLowerCase(), append: c.append ?? false })),
    ...(atv.userIdHeader === undefined ? {} : { userIdHeader: atv.userIdHeader.toLowerCase() }),
    stripAuthorization: atv.stripAuthorization ?? false,
    protection: {
      maxConcurrent: atv.protection?.maxConcurrent ?? D.DEFAULT_INTROSPECTION_MAX_CONCURRENT,
      maxQueued: atv.protection?.maxQueued ?? D.DEFAULT_INTROSPECTION_MAX_QUEUED,
      failureThreshold: atv.protection?.failureThreshold ?? D.DEFAULT_INTROSPECTION_FAILURE_THRESHOLD,
      coolDownMs: ms(atv.protection?.coolDown, D.DEFAULT_INTROSPECTION_COOL_DOWN_MS),
    },
  }
}

type Atv = PolicyDocument['config']['oauth2']['accessTokenValidation']

/** The shorthand `introspectionUrl` is Gloo's unauthenticated form; `introspection` adds credentials. */
function compileIntrospection(atv: Atv, secretFromFile: string | undefined): IntrospectionConfig {
  const timeoutMs = ms(atv.timeout, D.DEFAULT_INTROSPECTION_TIMEOUT_MS)
  const i = atv.introspection
  const userId = userIdClaim(atv)
  const userIdAttributeName = userId === undefined ? {} : { userIdAttributeName: userId }
  if (i === undefined) return { url: atv.introspectionUrl ?? '', ...userIdAttributeName, timeoutMs }
  const secret = i.disableClientSecret === true ? undefined : secretFromFile ?? i.clientSecret
  return {
    url: i.introspectionUrl,
    ...(i.clientId === undefined ? {} : { clientId: i.clientId }),
    ...(secret === undefined ? {} : { clientSecret: secret }),
    ...userIdAttributeName,
    timeoutMs,
  }
}

/** A user-id header needs its claim: Gloo's userIdAttributeName, `sub` unless named. */
function userIdClaim(atv: Atv): string | undefined {
  return atv.introspection?.userIdAttributeName ?? (atv.userIdHeader === undefined ? undefined : 'sub')
}

/** Checked by checkPolicies first: exactly one key source, asymmetric algorithms, parseable JWKS. */
function compileJwt(jwt: NonNullable<Atv['jwt']>, atv: Atv): JwtConfig {
  const jwks: JwksSource =
    jwt.remoteJwks !== undefined
      ? {
          kind: 'remote',
          url: jwt.remoteJwks.url,
          refreshIntervalMs: ms(jwt.remoteJwks.refreshInterval, D.DEFAULT_JWKS_REFRESH_INTERVAL_MS),
          timeoutMs: ms(atv.timeout, D.DEFAULT_INTROSPECTION_TIMEOUT_MS),
        }
      : { kind: 'local', jwks: JSON.parse(jwt.localJwks?.inlineString ?? '{"keys":[]}') as { keys: Record<string, unknown>[] } }
  const userId = userIdClaim(atv)
  return {
    jwks,
    ...(jwt.issuer === undefined ? {} : { issuer: jwt.issuer }),
    audiences: [...(jwt.audiences ?? [])],
    algorithms: [...(jwt.algorithms ?? D.DEFAULT_JWT_ALGORITHMS)],
    clockSkewMs: ms(jwt.clockSkew ?? atv.clockSkew, D.DEFAULT_CLOCK_SKEW_MS),
    requireTyp: jwt.requireTyp ?? false,
    ...(userId === undefined ? {} : { userIdAttributeName: userId }),
  }
}

/** Default and `header: Authorization` (any case) both mean RFC 6750 §2.1 `Authorization: Bearer`. */
function compileTokenSource(source: Atv['tokenSource']): TokenSource {
  if (source?.header !== undefined && source.header.toLowerCase() !== 'authorization') return { kind: 'header', name: source.header.toLowerCase() }
  if (source?.queryParameter !== undefined) return { kind: 'query', name: source.queryParameter }
  if (source?.cookie !== undefined) return { kind: 'cookie', name: source.cookie }
  return { kind: 'authorization' }
}

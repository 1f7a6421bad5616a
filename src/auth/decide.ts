// Step 3: is this introspection answer good enough for this policy, now? Pure, and run on every
// request, cache hit or not: a cached answer must never skip a route's checks (CVE-2021-32701).
import type { AccessTokenPolicy } from '../config/types.js'
import type { IntrospectionResponse } from './introspection-response.js'

export type DenyReason =
  | 'inactive'
  | 'refresh_token'
  | 'expired'
  | 'not_yet_valid'
  | 'issuer'
  | 'audience'
  | 'user_id_missing'
  | 'scope'

export type Decision =
  | { readonly granted: true }
  | {
      readonly granted: false
      readonly error: 'invalid_token' | 'insufficient_scope'
      readonly reason: DenyReason
      readonly description: string
    }

const GRANTED: Decision = Object.freeze({ granted: true })

export function decide(response: IntrospectionResponse, policy: AccessTokenPolicy, nowMs: number): Decision {
  // RFC 7662 §2.2: only the boolean `true` means active (the parser has already refused `"true"`).
  if (response.active !== true) return invalidToken('inactive', 'the access token is not active')
  // Hydra introspects refresh tokens too; one must never open a route.
  if (response.tokenUse !== undefined && response.tokenUse !== 'access_token') {
    return invalidToken('refresh_token', 'the token is not an access token')
  }
  // RFC 7519 §4.1.4: not accepted "on or after" exp. No skew here: the server already vouched for
  // the token, and a denial near the end of its life is the safe side of a clock disagreement.
  if (response.exp !== undefined && nowMs >= response.exp * 1000) {
    return invalidToken('expired', 'the access token has expired')
  }
  // RFC 7519 §4.1.5, with the policy's skew: a token minted a moment ago on a server whose clock
  // runs ahead of ours is valid.
  if (response.nbf !== undefined && nowMs + policy.clockSkewMs < response.nbf * 1000) {
    return invalidToken('not_yet_valid', 'the access token is not valid yet')
  }
  if (policy.trustedIssuers.length > 0 && (response.iss === undefined || !policy.trustedIssuers.includes(response.iss))) {
    return invalidToken('issuer', 'the access token was not issued by a trusted issuer')
  }
  if (policy.requiredAudiences.length > 0) {
    const audiences = response.aud ?? []
    if (!policy.requiredAudiences.every((a) => audiences.includes(a))) {
      return invalidToken('audience', 'the access token is not meant for this audience')
    }
  }
  // Compiled from one setting: both carry the same claim when a policy has both.
  const userIdClaim = policy.introspection?.userIdAttributeName ?? policy.jwt?.userIdAttributeName
  if (userIdClaim !== undefined && response.claims?.[userIdClaim] === undefined) {
    return invalidToken('user_id_missing', `the access token has no ${userIdClaim} claim`)
  }
  // Checked last: insufficient_scope says the token is valid but not enough (RFC 6750 §3.1).
  if (!hasScopes(response.scope, policy.requiredScopes)) {
    return {
      granted: false,
      error: 'insufficient_scope',
      reason: 'scope',
      description: `the access token lacks a required scope: ${policy.requiredScopes.join(' ')}`,
    }
  }
  return GRANTED
}

/** RFC 6749 §3.3: space-delimited, case-sensitive scope tokens; every required one must be granted. */
export function hasScopes(scope: string | undefined, required: readonly string[]): boolean {
  if (required.length === 0) return true
  const granted = new Set((scope ?? '').split(' ').filter((s) => s.length > 0))
  return required.every((s) => granted.has(s))
}

function invalidToken(reason: DenyReason, description: string): Decision {
  return { granted: false, error: 'invalid_token', reason, description }
}

// Why jose refused a token, as a closed set of reasons for decision logs and metrics, and a
// description for the client (RFC 6750 §3). Reasons shared with introspection (`expired`,
// `not_yet_valid`, `issuer`, `audience`) keep decide's names; the others say what only a JWT can
// get wrong. Pure.
import { errors } from 'jose'

export type JwtRejectionReason =
  | 'expired'
  | 'not_yet_valid'
  | 'issuer'
  | 'audience'
  | 'jwt_algorithm'
  | 'jwt_signature'
  | 'jwt_unknown_key'
  | 'jwt_typ'
  | 'jwt_claims'
  | 'jwt_malformed'

export interface JwtRejection {
  readonly reason: JwtRejectionReason
  readonly description: string
}

const rejection = (reason: JwtRejectionReason, description: string): JwtRejection => Object.freeze({ reason, description })

export const TYP_REJECTED = rejection('jwt_typ', 'the token is not a JWT access token (typ)')
export const CLAIMS_REJECTED = rejection('jwt_claims', 'the access token has a claim of the wrong type')

/** Undefined: not a verdict on the token (a bug, or the key source failing) — the caller rethrows. */
export function rejectionOf(err: unknown): JwtRejection | undefined {
  if (err instanceof errors.JWTExpired) return rejection('expired', 'the access token has expired')
  if (err instanceof errors.JWTClaimValidationFailed) return claimRejection(err.claim, err.reason)
  // RFC 8725 §3.1: an algorithm outside the allow-list, `none` included, is refused before any key is used.
  if (err instanceof errors.JOSEAlgNotAllowed) return rejection('jwt_algorithm', 'the access token is signed with an algorithm that is not accepted')
  if (err instanceof errors.JWSSignatureVerificationFailed) return rejection('jwt_signature', 'the access token signature is invalid')
  if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) {
    return rejection('jwt_unknown_key', 'the access token is signed with an unknown key')
  }
  if (err instanceof errors.JOSENotSupported || err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid || err instanceof errors.JWKInvalid) {
    return rejection('jwt_malformed', 'the access token is not a valid JWT')
  }
  return undefined
}

function claimRejection(claim: string, why: string): JwtRejection {
  if (claim === 'nbf') return rejection('not_yet_valid', 'the access token is not valid yet')
  if (claim === 'iss') return rejection('issuer', 'the access token was not issued by a trusted issuer')
  if (claim === 'aud') return rejection('audience', 'the access token is not meant for this audience')
  if (claim === 'exp' && why === 'missing') return rejection('jwt_claims', 'the access token has no exp claim')
  return rejection('jwt_claims', `the access token's ${claim} claim is not valid`)
}

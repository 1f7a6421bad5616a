// A verified JWT access token (RFC 9068 §2.2) as the same trimmed answer introspection gives, so
// one `decide` and one set of identity headers serve both validation modes. Pure.
import type { JWTPayload, ProtectedHeaderParameters } from 'jose'
import { parseIntrospectionResponse } from '../introspection-response.js'
import type { IntrospectionResponse } from '../introspection-response.js'

/**
 * RFC 9068 §2.2.3: `scope` is space-separated; some issuers (Azure AD, Okta) send `scp`, as a
 * list or a string. Undefined when neither is usable, which grants no scope.
 */
export function scopeOf(payload: JWTPayload): string | undefined {
  if (typeof payload['scope'] === 'string') return payload['scope']
  const scp = payload['scp']
  if (typeof scp === 'string') return scp
  if (Array.isArray(scp) && scp.every((s): s is string => typeof s === 'string')) return scp.join(' ')
  return undefined
}

/**
 * Throws TG_ERR_INTROSPECTION_RESPONSE when a claim has the wrong type (e.g. `exp: "…"`); the
 * verifier turns that into a denial, since the issuer did sign it.
 */
export function toIntrospectionResponse(payload: JWTPayload, keepClaims: readonly string[]): IntrospectionResponse {
  return parseIntrospectionResponse(
    {
      ...payload,
      // A signature that verified is what `active` means here (RFC 9068 §4).
      active: true,
      scope: scopeOf(payload),
      // An issuer that marks the token otherwise (a refresh token) is believed, and denied.
      token_use: payload['token_use'] ?? 'access_token',
    },
    keepClaims,
  )
}

/** RFC 7515 §4.1.9: media types compare case-insensitively, and `application/` may be left out. */
function normalisedTyp(typ: string): string {
  const lower = typ.toLowerCase()
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower
}

/**
 * RFC 9068 §4 asks for `typ` `at+jwt`; Hydra (fosite) and Keycloak still send `JWT`. Lenient:
 * absent, `JWT` or `at+jwt`; any other type (a logout token, a DPoP proof…) is not an access
 * token. Strict (`requireTyp`): only `at+jwt`.
 */
export function typAccepted(header: ProtectedHeaderParameters, requireTyp: boolean): boolean {
  if (header.typ === undefined) return !requireTyp
  const typ = normalisedTyp(header.typ)
  return typ === 'at+jwt' || (!requireTyp && typ === 'jwt')
}

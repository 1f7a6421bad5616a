// Token introspection answered in Hydra v2's shape (oauth2/handler.go, `Introspection`), for
// tokens the real oidc-provider issued. RFC 7662 §2.2: an unknown, expired or revoked token is
// just `{"active":false}` — no hint why.
import type { ClientCredentialsToken } from './oidc-provider-api.js'

export const INACTIVE = Object.freeze({ active: false as const })

export interface HydraIntrospection {
  active: true
  scope?: string
  client_id: string
  sub: string
  exp: number
  iat: number
  nbf: number
  aud: string[]
  iss: string
  token_type: string
  token_use: 'access_token'
}

/** Audience granted at the token endpoint (see `audience` in provider.ts), always an array. */
export function grantedAudience(token: ClientCredentialsToken): string[] {
  const aud = token.extra?.aud
  return Array.isArray(aud) ? aud.filter((item): item is string => typeof item === 'string') : []
}

/**
 * Hydra sets `sub` to the client id for client_credentials tokens, `nbf` to the issue time,
 * omits an empty `scope` (`json:"scope,omitempty"`) and never sends `aud` as null.
 */
export function toHydraIntrospection(token: ClientCredentialsToken, issuer: string): HydraIntrospection {
  const scope = token.scope ?? ''
  return {
    active: true,
    ...(scope === '' ? {} : { scope }),
    client_id: token.clientId,
    sub: token.clientId,
    exp: token.exp,
    iat: token.iat,
    nbf: token.iat,
    aud: grantedAudience(token),
    iss: issuer,
    token_type: token.tokenType,
    token_use: 'access_token',
  }
}

// The real OAuth 2.0 server behind the Hydra-shaped API: an oidc-provider instance configured
// for the client_credentials grant (RFC 6749 §4.4) on Hydra's public paths, with opaque access
// tokens that live one hour (Hydra's default access-token lifespan).
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { loadOidcProvider, type OidcContext, type OidcProvider, type OidcProviderModule } from './oidc-provider-api.js'
import type { MemoryStore } from './memory-adapter.js'

/** Scopes a client may register. oidc-provider silently drops a scope it was not told about. */
export const DEFAULT_SCOPES = ['openid', 'offline', 'offline_access', 'ratings:read', 'ratings:write'] as const
export const ACCESS_TOKEN_TTL_SECONDS = 3600
/**
 * The resource every token is for in JWT mode: oidc-provider issues JWT access tokens (RFC 9068)
 * only for a resource indicator (RFC 8707), and puts it in `aud`.
 */
export const DEFAULT_JWT_RESOURCE = 'urn:tokengate:ratings'

/** `opaque`, the default, as in the walkthrough; `jwt` as Hydra with STRATEGIES_ACCESS_TOKEN=jwt. */
export type AccessTokenFormat = 'opaque' | 'jwt'

export interface ProviderOptions {
  issuer: string
  store: MemoryStore
  scopes: ReadonlySet<string>
  /** The `audience` a client registered, or undefined for an unknown client. */
  clientAudience: (clientId: string) => readonly string[] | undefined
  accessTokenFormat?: AccessTokenFormat
}

function signingKeys(): { keys: object[] } {
  // A fresh key per start: opaque tokens need none; JWT access tokens are signed with it and
  // verified through /.well-known/jwks.json.
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const jwk = privateKey.export({ format: 'jwk' })
  return { keys: [{ ...jwk, kid: randomBytes(8).toString('hex'), use: 'sig', alg: 'RS256' }] }
}

/**
 * Hydra grants a requested `audience` (space-delimited) only when the client registered every
 * value; otherwise the token request fails. The granted audience rides in the token's `extra`.
 */
function audienceClaims(errors: OidcProviderModule['errors'], clientAudience: ProviderOptions['clientAudience']) {
  return async (ctx: OidcContext, token: { kind?: string, clientId?: string }): Promise<object | undefined> => {
    if (token.kind !== 'ClientCredentials' || token.clientId === undefined) return undefined
    // oidc-provider strips parameters a grant does not declare from ctx.oidc.params before the
    // grant runs; the parsed form body still has `audience`.
    const requested = ctx.oidc.body?.audience
    if (typeof requested !== 'string' || requested.trim() === '') return undefined
    const allowed = new Set(clientAudience(token.clientId) ?? [])
    const values = requested.split(' ').filter((value) => value !== '')
    const refused = values.find((value) => !allowed.has(value))
    if (refused !== undefined) {
      throw new errors.InvalidRequest(`requested audience "${refused}" has not been whitelisted by the OAuth 2.0 Client`)
    }
    return { aud: values }
  }
}

/**
 * Every client_credentials token is for DEFAULT_JWT_RESOURCE unless the client asks for another
 * `resource`; the resource server accepts every known scope and wants RS256-signed JWTs.
 */
function jwtResourceIndicators(scopes: ReadonlySet<string>): object {
  return {
    enabled: true,
    defaultResource: () => DEFAULT_JWT_RESOURCE,
    useGrantedResource: () => true,
    getResourceServerInfo: () => ({
      scope: [...scopes].join(' '),
      accessTokenFormat: 'jwt',
      accessTokenTTL: ACCESS_TOKEN_TTL_SECONDS,
      jwt: { sign: { alg: 'RS256' } },
    }),
  }
}

export async function createProvider(options: ProviderOptions): Promise<OidcProvider> {
  const { default: Provider, errors } = await loadOidcProvider()
  return new Provider(options.issuer, {
    adapter: options.store.adapterClass(),
    scopes: [...options.scopes],
    jwks: signingKeys(),
    cookies: { keys: [randomBytes(32).toString('hex')] },
    features: {
      clientCredentials: { enabled: true },
      devInteractions: { enabled: false },
      introspection: { enabled: false },
      revocation: { enabled: false },
      ...(options.accessTokenFormat === 'jwt' ? { resourceIndicators: jwtResourceIndicators(options.scopes) } : {}),
    },
    routes: {
      authorization: '/oauth2/auth',
      token: '/oauth2/token',
      jwks: '/.well-known/jwks.json',
      userinfo: '/userinfo',
    },
    ttl: { ClientCredentials: ACCESS_TOKEN_TTL_SECONDS },
    extraTokenClaims: audienceClaims(errors, options.clientAudience),
  })
}

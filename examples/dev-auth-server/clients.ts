// Hydra v2's OAuth 2.0 client JSON (POST /admin/clients) checked and mapped to what
// oidc-provider stores. Pure functions: the admin listener does the I/O.
import type { AdapterPayload } from './oidc-provider-api.js'

/** The client as Hydra echoes it (the guide's "Example output"). */
export interface HydraClient {
  client_id: string
  client_name: string
  client_secret?: string
  redirect_uris: string[]
  grant_types: string[]
  response_types: string[]
  scope: string
  audience: string[]
  owner: string
  policy_uri: string
  allowed_cors_origins: string[]
  tos_uri: string
  client_uri: string
  logo_uri: string
  contacts: string[]
  client_secret_expires_at: number
  subject_type: string
  jwks: Record<string, never>
  token_endpoint_auth_method: string
  userinfo_signed_response_alg: string
  created_at: string
  updated_at: string
  metadata: Record<string, unknown>
}

export type ClientInput =
  | { ok: true, client: HydraClient }
  | { ok: false, description: string }

/** Hydra's default scope for a client registered without one. */
export const HYDRA_DEFAULT_SCOPE = 'offline_access offline openid'
const SUPPORTED_GRANTS = new Set(['client_credentials'])
const SUPPORTED_AUTH_METHODS = new Set(['client_secret_basic', 'client_secret_post'])
/** Hydra refuses shorter client secrets. */
const MIN_SECRET_LENGTH = 6

const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string')

function optionalString(body: Record<string, unknown>, key: string): string | undefined | Error {
  const value = body[key]
  if (value === undefined || value === null) return undefined
  return typeof value === 'string' ? value : new Error(`${key} must be a string`)
}

/**
 * Checks Hydra's create-client JSON. This development server issues only client_credentials
 * tokens, so `grant_types` defaults to that (Hydra's default, authorization_code, needs a login
 * and consent app that the demo does not have) and other grants are refused.
 */
export function parseClient(body: unknown, now: Date, newId: () => string, newSecret: () => string): ClientInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, description: 'the request body must be a JSON object' }
  }
  const fields = body as Record<string, unknown>
  const id = optionalString(fields, 'client_id')
  const secret = optionalString(fields, 'client_secret')
  const scope = optionalString(fields, 'scope')
  const authMethod = optionalString(fields, 'token_endpoint_auth_method')
  const name = optionalString(fields, 'client_name')
  for (const value of [id, secret, scope, authMethod, name]) {
    if (value instanceof Error) return { ok: false, description: value.message }
  }
  const grantTypes = fields.grant_types ?? ['client_credentials']
  const audience = fields.audience ?? []
  if (!isStringArray(grantTypes)) return { ok: false, description: 'grant_types must be an array of strings' }
  if (!isStringArray(audience)) return { ok: false, description: 'audience must be an array of strings' }
  const unsupported = grantTypes.filter((grant) => !SUPPORTED_GRANTS.has(grant))
  if (unsupported.length > 0 || grantTypes.length === 0) {
    return { ok: false, description: `this development server supports only the client_credentials grant, not ${unsupported.join(', ') || 'none'}` }
  }
  const method = (authMethod as string | undefined) ?? 'client_secret_basic'
  if (!SUPPORTED_AUTH_METHODS.has(method)) {
    return { ok: false, description: 'token_endpoint_auth_method must be client_secret_basic or client_secret_post' }
  }
  if (id === '') return { ok: false, description: 'client_id must not be empty' }
  const clientSecret = (secret as string | undefined) ?? newSecret()
  if (clientSecret.length < MIN_SECRET_LENGTH) {
    return { ok: false, description: `client_secret must be at least ${MIN_SECRET_LENGTH} characters long` }
  }
  const stamp = now.toISOString().replace(/\.\d+Z$/, 'Z')
  return {
    ok: true,
    client: {
      client_id: (id as string | undefined) ?? newId(),
      client_name: (name as string | undefined) ?? '',
      client_secret: clientSecret,
      redirect_uris: [],
      grant_types: grantTypes,
      response_types: [],
      scope: ((scope as string | undefined) ?? HYDRA_DEFAULT_SCOPE).trim(),
      audience,
      owner: '',
      policy_uri: '',
      allowed_cors_origins: [],
      tos_uri: '',
      client_uri: '',
      logo_uri: '',
      contacts: [],
      client_secret_expires_at: 0,
      subject_type: 'public',
      jwks: {},
      token_endpoint_auth_method: method,
      userinfo_signed_response_alg: 'none',
      created_at: stamp,
      updated_at: stamp,
      metadata: {},
    },
  }
}

/** Scopes a client asks for that the provider does not know (oidc-provider would drop them). */
export function unknownScopes(client: HydraClient, known: ReadonlySet<string>): string[] {
  return client.scope.split(' ').filter((scope) => scope !== '' && !known.has(scope))
}

/** The client metadata oidc-provider keeps (RFC 7591 names). */
export function toProviderMetadata(client: HydraClient): AdapterPayload {
  return {
    client_id: client.client_id,
    client_secret: client.client_secret,
    grant_types: client.grant_types,
    response_types: [],
    redirect_uris: [],
    scope: client.scope,
    token_endpoint_auth_method: client.token_endpoint_auth_method,
  }
}

/** Hydra v2 never returns the secret after creation. */
export function withoutSecret(client: HydraClient): HydraClient {
  const { client_secret: _secret, ...rest } = client
  return rest
}

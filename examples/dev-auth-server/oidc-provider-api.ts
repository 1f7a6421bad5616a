// The small part of oidc-provider v9's API that the development authorization server uses,
// typed here (the package ships no types). Loaded with a dynamic import whose specifier is not a
// literal, so these types stay the single description of it — they mirror lib/provider.js,
// lib/models/*.js and lib/helpers/errors.js of the installed version.
import type { IncomingMessage, ServerResponse } from 'node:http'

export type AdapterPayload = Record<string, unknown>

export interface Adapter {
  upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void>
  find(id: string): Promise<AdapterPayload | undefined>
  findByUserCode(userCode: string): Promise<AdapterPayload | undefined>
  findByUid(uid: string): Promise<AdapterPayload | undefined>
  consume(id: string): Promise<void>
  destroy(id: string): Promise<void>
  revokeByGrantId(grantId: string): Promise<void>
}

/** An issued client-credentials access token (lib/models/client_credentials.js). */
export interface ClientCredentialsToken {
  readonly jti: string
  readonly clientId: string
  readonly iat: number
  readonly exp: number
  readonly scope?: string
  readonly extra?: Record<string, unknown>
  readonly isExpired: boolean
  readonly tokenType: string
}

export interface OidcContext {
  oidc: {
    params?: Record<string, unknown>
    /** The parsed request body (form or JSON), all parameters included. */
    body?: Record<string, unknown>
  }
}

export interface OidcProvider {
  readonly issuer: string
  callback(): (req: IncomingMessage, res: ServerResponse) => void
  readonly ClientCredentials: {
    find(value: string, options?: { ignoreExpiration?: boolean }): Promise<ClientCredentialsToken | undefined>
  }
  readonly Client: {
    validate(metadata: AdapterPayload): Promise<void>
  }
}

export interface OidcProviderModule {
  default: new (issuer: string, configuration?: Record<string, unknown>) => OidcProvider
  errors: {
    InvalidRequest: new (description?: string) => Error
  }
}

const MODULE_NAME = 'oidc-provider'

/** oidc-provider is a dev dependency: only the Docker-free demo loads it. */
export async function loadOidcProvider(): Promise<OidcProviderModule> {
  return (await import(MODULE_NAME)) as OidcProviderModule
}

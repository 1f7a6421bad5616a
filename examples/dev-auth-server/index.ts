// A Hydra-shaped DEVELOPMENT authorization server: the parts of ORY Hydra v2's API that the
// "Access token OAuth with Hydra" walkthrough uses, on Hydra's ports and paths, backed by the
// real OAuth 2.0 server of the oidc-provider package. In-memory; not for production.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { close, listen } from '../shared/listen.js'
import { createAdminHandler } from './admin.js'
import type { HydraClient } from './clients.js'
import { isHealthPath, sendJson } from './http.js'
import { MemoryStore } from './memory-adapter.js'
import type { OidcProvider } from './oidc-provider-api.js'
import { createProvider, DEFAULT_SCOPES, type AccessTokenFormat } from './provider.js'

export const DEFAULT_PUBLIC_PORT = 4444
export const DEFAULT_ADMIN_PORT = 4445

export interface DevAuthServerOptions {
  publicPort?: number
  adminPort?: number
  host?: string
  /** Default `http://127.0.0.1:<public port>/`, like Hydra's URLS_SELF_ISSUER in the compose file. */
  issuer?: string
  /** Scopes clients may register besides DEFAULT_SCOPES. */
  scopes?: readonly string[]
  /** `jwt`: RFC 9068 JWT access tokens for DEFAULT_JWT_RESOURCE (introspection answers inactive for them). */
  accessTokenFormat?: AccessTokenFormat
  /** Where the start-up notice goes; default console.log. */
  log?: (line: string) => void
}

export interface RunningDevAuthServer {
  publicUrl: string
  adminUrl: string
  issuer: string
  close: () => Promise<void>
}

const urlHost = (host: string): string => (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host)

export async function startDevAuthServer(options: DevAuthServerOptions = {}): Promise<RunningDevAuthServer> {
  const host = options.host ?? '127.0.0.1'
  const log = options.log ?? ((line: string) => console.log(line))
  const store = new MemoryStore()
  const clients = new Map<string, HydraClient>()
  const knownScopes = new Set<string>([...DEFAULT_SCOPES, ...(options.scopes ?? [])])
  // The provider needs the issuer, which depends on the bound port when port 0 is asked for;
  // the listeners start first and reach the provider through this binding.
  const state: { provider?: OidcProvider, handle?: (req: IncomingMessage, res: ServerResponse) => void } = {}
  const current = (): OidcProvider => {
    if (state.provider === undefined) throw new Error('the authorization server is still starting')
    return state.provider
  }

  const publicServer = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://public').pathname
    if (isHealthPath(path)) return sendJson(res, 200, { status: 'ok' })
    if (state.handle === undefined) return sendJson(res, 503, { error: 'temporarily_unavailable', error_description: 'starting' })
    state.handle(req, res)
  })
  const adminServer = createServer(createAdminHandler({
    provider: current,
    store,
    clients,
    knownScopes,
    issuer: () => current().issuer,
    now: () => new Date(),
  }))

  const publicPort = await listen(publicServer, options.publicPort ?? DEFAULT_PUBLIC_PORT, host, 'HYDRA_PUBLIC_PORT')
  const issuer = options.issuer ?? `http://127.0.0.1:${publicPort}/`
  let adminPort: number
  try {
    adminPort = await listen(adminServer, options.adminPort ?? DEFAULT_ADMIN_PORT, host, 'HYDRA_ADMIN_PORT')
    state.provider = await createProvider({
      issuer,
      store,
      scopes: knownScopes,
      clientAudience: (clientId) => clients.get(clientId)?.audience,
      ...(options.accessTokenFormat === undefined ? {} : { accessTokenFormat: options.accessTokenFormat }),
    })
    state.handle = state.provider.callback()
  } catch (error) {
    await Promise.all([close(publicServer), close(adminServer)])
    throw error
  }
  const publicUrl = `http://${urlHost(host)}:${publicPort}`
  const adminUrl = `http://${urlHost(host)}:${adminPort}`
  log(`dev-auth-server: a DEVELOPMENT authorization server shaped like ORY Hydra v2 — in-memory, not for production`)
  log(`dev-auth-server: public ${publicUrl} (issuer ${issuer}), admin ${adminUrl} (no authentication)`)
  return {
    publicUrl,
    adminUrl,
    issuer,
    close: async () => { await Promise.all([close(publicServer), close(adminServer)]) },
  }
}

// Hydra v2's admin API, the parts the walkthrough uses. Like Hydra's admin port it has NO
// authentication: bind it to loopback only.
//   POST   /admin/clients             → 201 client JSON | 400 | 409
//   GET    /admin/clients/:id         → 200 client JSON (without secret) | 404
//   DELETE /admin/clients/:id         → 204 | 404
//   POST   /admin/oauth2/introspect   → RFC 7662 answer in Hydra's shape
import { randomBytes, randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { parseClient, toProviderMetadata, unknownScopes, withoutSecret, type HydraClient } from './clients.js'
import { readBody, sendError, sendJson, isHealthPath } from './http.js'
import { INACTIVE, toHydraIntrospection } from './introspection.js'
import type { MemoryStore } from './memory-adapter.js'
import type { OidcProvider } from './oidc-provider-api.js'

export interface AdminDeps {
  provider: () => OidcProvider
  store: MemoryStore
  clients: Map<string, HydraClient>
  knownScopes: ReadonlySet<string>
  issuer: () => string
  now: () => Date
}

const CLIENT_PATH = /^\/admin\/clients\/([^/]+)$/

async function createClient(deps: AdminDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let body: unknown
  try {
    body = JSON.parse(await readBody(req))
  } catch {
    return sendError(res, 400, 'invalid_request', 'the request body must be JSON')
  }
  const parsed = parseClient(body, deps.now(), randomUUID, () => randomBytes(24).toString('base64url'))
  if (!parsed.ok) return sendError(res, 400, 'invalid_client_metadata', parsed.description)
  const { client } = parsed
  const unknown = unknownScopes(client, deps.knownScopes)
  if (unknown.length > 0) {
    return sendError(res, 400, 'invalid_client_metadata',
      `scope ${unknown.join(', ')} is not known to this development server; start it with the scope listed (DEV_AUTH_SCOPES)`)
  }
  if (deps.clients.has(client.client_id)) {
    return sendError(res, 409, 'Unable to insert or update resource because a resource with that value exists already',
      `a client with client_id "${client.client_id}" exists already`)
  }
  const metadata = toProviderMetadata(client)
  try {
    await deps.provider().Client.validate(metadata)
  } catch (error) {
    const description = (error as { error_description?: string }).error_description ?? (error as Error).message
    return sendError(res, 400, 'invalid_client_metadata', description)
  }
  deps.clients.set(client.client_id, client)
  deps.store.set('Client', client.client_id, metadata)
  sendJson(res, 201, client)
}

function deleteClient(deps: AdminDeps, id: string, res: ServerResponse): void {
  if (!deps.clients.delete(id)) return sendError(res, 404, 'Unable to locate the resource', '')
  deps.store.delete('Client', id)
  res.writeHead(204).end()
}

async function introspect(deps: AdminDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const token = new URLSearchParams(await readBody(req)).get('token')
  if (token === null || token === '') {
    return sendError(res, 400, 'invalid_request', 'the token parameter is missing')
  }
  const found = await deps.provider().ClientCredentials.find(token)
  // A token whose client was deleted is no longer active, as with Hydra's cascading delete.
  if (found === undefined || found.isExpired || !deps.clients.has(found.clientId)) {
    return sendJson(res, 200, INACTIVE)
  }
  sendJson(res, 200, toHydraIntrospection(found, deps.issuer()))
}

async function route(deps: AdminDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://admin').pathname
  const method = req.method ?? 'GET'
  if (isHealthPath(path) && method === 'GET') return sendJson(res, 200, { status: 'ok' })
  if (path === '/admin/clients' && method === 'POST') return createClient(deps, req, res)
  if (path === '/admin/oauth2/introspect' && method === 'POST') return introspect(deps, req, res)
  const match = CLIENT_PATH.exec(path)
  if (match !== null) {
    const id = decodeURIComponent(match[1] ?? '')
    const client = deps.clients.get(id)
    if (method === 'DELETE') return deleteClient(deps, id, res)
    if (method === 'GET') {
      return client === undefined
        ? sendError(res, 404, 'Unable to locate the resource', '')
        : sendJson(res, 200, withoutSecret(client))
    }
  }
  sendError(res, 404, 'Not Found', `no route for ${method} ${path} on the admin port`)
}

export function createAdminHandler(deps: AdminDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    route(deps, req, res).catch((error: unknown) => {
      if (!res.headersSent) sendError(res, 500, 'server_error', (error as Error).message)
      else res.destroy()
    })
  }
}

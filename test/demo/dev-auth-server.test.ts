// The Hydra-shaped development authorization server answers the walkthrough's requests as
// Hydra v2 does: client creation (201/409/400), client_credentials tokens from the real
// oidc-provider, and introspection in Hydra's exact shape.
import t from 'tap'
import { createServer, type Server } from 'node:http'
import { startDevAuthServer, type RunningDevAuthServer } from '../../examples/dev-auth-server/index.js'
import { createAdminHandler } from '../../examples/dev-auth-server/admin.js'
import { parseClient, type HydraClient } from '../../examples/dev-auth-server/clients.js'
import { MemoryStore } from '../../examples/dev-auth-server/memory-adapter.js'
import type { ClientCredentialsToken, OidcProvider } from '../../examples/dev-auth-server/oidc-provider-api.js'
import { PortInUseError } from '../../examples/shared/listen.js'

const quiet = (): void => {}

async function start(): Promise<RunningDevAuthServer> {
  const server = await startDevAuthServer({ publicPort: 0, adminPort: 0, host: '127.0.0.1', log: quiet })
  t.teardown(server.close)
  return server
}

async function createClient(adminUrl: string, body: unknown): Promise<{ status: number, json: Record<string, unknown> }> {
  const response = await fetch(`${adminUrl}/admin/clients`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  return { status: response.status, json: await response.json() as Record<string, unknown> }
}

async function token(publicUrl: string, form: Record<string, string>, basic?: string): Promise<{ status: number, json: Record<string, unknown> }> {
  const response = await fetch(`${publicUrl}/oauth2/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
      ...(basic === undefined ? {} : { authorization: `Basic ${Buffer.from(basic).toString('base64')}` }),
    },
    body: new URLSearchParams(form).toString(),
  })
  return { status: response.status, json: await response.json() as Record<string, unknown> }
}

async function introspect(adminUrl: string, value: string): Promise<{ status: number, text: string }> {
  // No Authorization header: Hydra's admin introspection endpoint takes none.
  const response = await fetch(`${adminUrl}/admin/oauth2/introspect`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({ token: value }).toString(),
  })
  return { status: response.status, text: await response.text() }
}

const GUIDE_CLIENT = { client_id: 'my-client', client_secret: 'secret', grant_types: ['client_credentials'] }

t.test('creating the guide\'s client answers 201 with Hydra\'s JSON, a duplicate 409', async (t) => {
  const server = await start()
  const created = await createClient(server.adminUrl, GUIDE_CLIENT)
  t.equal(created.status, 201)
  t.match(created.json, {
    client_id: 'my-client',
    client_secret: 'secret',
    grant_types: ['client_credentials'],
    scope: 'offline_access offline openid',
    audience: [],
    token_endpoint_auth_method: 'client_secret_basic',
    subject_type: 'public',
  })
  const again = await createClient(server.adminUrl, GUIDE_CLIENT)
  t.equal(again.status, 409)
  t.type(again.json.error, 'string')

  const fetched = await fetch(`${server.adminUrl}/admin/clients/my-client`)
  t.equal(fetched.status, 200)
  const body = await fetched.json() as Record<string, unknown>
  t.equal(body.client_id, 'my-client')
  t.notOk('client_secret' in body, 'Hydra v2 never returns the secret after creation')
})

t.test('bad client JSON answers 400; a missing id and secret are generated', async (t) => {
  const server = await start()
  for (const bad of ['{not json', [], { grant_types: 'client_credentials' }, { grant_types: ['authorization_code'] },
    { client_secret: 'short' }, { scope: 'no-such-scope' }, { token_endpoint_auth_method: 'none' }, { client_id: 7 }]) {
    const answer = await createClient(server.adminUrl, bad)
    t.equal(answer.status, 400, JSON.stringify(bad))
    t.type(answer.json.error_description, 'string')
  }
  const generated = await createClient(server.adminUrl, {})
  t.equal(generated.status, 201)
  t.match(generated.json.client_id, /^[0-9a-f-]{36}$/)
  t.ok(String(generated.json.client_secret).length >= 6)
})

t.test('a client_credentials token introspects in Hydra v2\'s exact shape', async (t) => {
  const server = await start()
  await createClient(server.adminUrl, GUIDE_CLIENT)
  const issued = await token(server.publicUrl, { grant_type: 'client_credentials' }, 'my-client:secret')
  t.equal(issued.status, 200)
  t.equal(issued.json.token_type, 'Bearer')
  const accessToken = String(issued.json.access_token)

  const answer = await introspect(server.adminUrl, accessToken)
  t.equal(answer.status, 200)
  const json = JSON.parse(answer.text) as Record<string, unknown>
  t.same(Object.keys(json).sort(), ['active', 'aud', 'client_id', 'exp', 'iat', 'iss', 'nbf', 'sub', 'token_type', 'token_use'],
    'an empty scope is omitted, as Hydra does (json:"scope,omitempty")')
  t.equal(json.active, true)
  t.equal(json.client_id, 'my-client')
  t.equal(json.sub, 'my-client', 'sub is the client id for client_credentials')
  t.same(json.aud, [], 'aud is an array, never null')
  t.equal(json.iss, server.issuer)
  t.equal(json.token_type, 'Bearer')
  t.equal(json.token_use, 'access_token')
  t.equal(json.nbf, json.iat)
  t.equal(Number(json.exp) - Number(json.iat), 3600, 'one hour, Hydra\'s default lifespan')
})

t.test('unknown, bad and revoked tokens are exactly {"active":false}', async (t) => {
  const server = await start()
  await createClient(server.adminUrl, GUIDE_CLIENT)
  const issued = await token(server.publicUrl, { grant_type: 'client_credentials' }, 'my-client:secret')
  for (const value of ['qwertyuio23456789', `${String(issued.json.access_token)}x`]) {
    const answer = await introspect(server.adminUrl, value)
    t.equal(answer.status, 200)
    t.equal(answer.text, '{"active":false}')
  }
  const deleted = await fetch(`${server.adminUrl}/admin/clients/my-client`, { method: 'DELETE' })
  t.equal(deleted.status, 204)
  t.equal((await introspect(server.adminUrl, String(issued.json.access_token))).text, '{"active":false}',
    'deleting the client ends its tokens')
  t.equal((await fetch(`${server.adminUrl}/admin/clients/my-client`)).status, 404)
})

t.test('scopes, audience, client_secret_post and a wrong secret', async (t) => {
  const server = await start()
  await createClient(server.adminUrl, {
    client_id: 'svc', client_secret: 'secret-svc', scope: 'ratings:read', audience: ['https://ratings'],
    token_endpoint_auth_method: 'client_secret_post',
  })
  const issued = await token(server.publicUrl, {
    grant_type: 'client_credentials', client_id: 'svc', client_secret: 'secret-svc', scope: 'ratings:read', audience: 'https://ratings',
  })
  t.equal(issued.status, 200)
  t.equal(issued.json.scope, 'ratings:read')
  const json = JSON.parse((await introspect(server.adminUrl, String(issued.json.access_token))).text) as Record<string, unknown>
  t.equal(json.scope, 'ratings:read')
  t.same(json.aud, ['https://ratings'])

  const refusedScope = await token(server.publicUrl, { grant_type: 'client_credentials', client_id: 'svc', client_secret: 'secret-svc', scope: 'ratings:write' })
  t.equal(refusedScope.status, 400)
  t.equal(refusedScope.json.error, 'invalid_scope')
  const refusedAudience = await token(server.publicUrl, { grant_type: 'client_credentials', client_id: 'svc', client_secret: 'secret-svc', audience: 'https://other' })
  t.equal(refusedAudience.status, 400)
  t.equal(refusedAudience.json.error, 'invalid_request')
  const wrong = await token(server.publicUrl, { grant_type: 'client_credentials', client_id: 'svc', client_secret: 'wrong-secret' })
  t.equal(wrong.status, 401)
  t.equal(wrong.json.error, 'invalid_client')
})

t.test('public endpoints: discovery, JWKS and health on both ports', async (t) => {
  const server = await start()
  const discovery = await (await fetch(`${server.publicUrl}/.well-known/openid-configuration`)).json() as Record<string, unknown>
  t.equal(discovery.issuer, server.issuer)
  t.match(discovery.token_endpoint, /\/oauth2\/token$/)
  t.match(discovery.jwks_uri, /\/\.well-known\/jwks\.json$/)
  t.ok((discovery.grant_types_supported as string[]).includes('client_credentials'))
  const jwks = await (await fetch(`${server.publicUrl}/.well-known/jwks.json`)).json() as { keys: Record<string, unknown>[] }
  t.ok(jwks.keys.length >= 1)
  t.notOk(jwks.keys.some((key) => 'd' in key), 'no private key material')
  for (const base of [server.publicUrl, server.adminUrl]) {
    for (const path of ['/health/ready', '/health/alive']) {
      const response = await fetch(`${base}${path}`)
      t.equal(response.status, 200, `${base}${path}`)
      t.same(await response.json(), { status: 'ok' })
    }
  }
  t.equal(server.issuer, `${server.publicUrl}/`, 'the default issuer names the public port')
})

t.test('a port in use is one readable sentence naming the variable', async (t) => {
  const blocker: Server = createServer()
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => blocker.close(() => resolve())))
  const port = (blocker.address() as { port: number }).port
  const error = await startDevAuthServer({ publicPort: 0, adminPort: port, host: '127.0.0.1', log: quiet }).catch((e: unknown) => e)
  t.type(error, PortInUseError)
  t.equal((error as Error).message, `port ${port} is already in use: stop what uses it or set HYDRA_ADMIN_PORT`)
})

t.test('an expired token is inactive (admin handler with a provider whose token has expired)', async (t) => {
  const parsed = parseClient(GUIDE_CLIENT, new Date(0), () => 'id', () => 'secret')
  if (!parsed.ok) throw new Error(parsed.description)
  const expired: ClientCredentialsToken = {
    jti: 'tok', clientId: 'my-client', iat: 1, exp: 2, isExpired: true, tokenType: 'Bearer',
  }
  const provider = {
    issuer: 'http://issuer/',
    ClientCredentials: { find: async () => expired },
  } as unknown as OidcProvider
  const handler = createAdminHandler({
    provider: () => provider,
    store: new MemoryStore(),
    clients: new Map<string, HydraClient>([['my-client', parsed.client]]),
    knownScopes: new Set(),
    issuer: () => provider.issuer,
    now: () => new Date(0),
  })
  const server = createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const port = (server.address() as { port: number }).port
  t.equal((await introspect(`http://127.0.0.1:${port}`, 'tok')).text, '{"active":false}')
})

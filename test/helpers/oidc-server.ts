// A real OAuth 2.0 authorization server for tests: oidc-provider v9 on 127.0.0.1, port 0, with
// Hydra's paths (`/oauth2/token`, `/admin/oauth2/introspect`) and one `client_credentials` client.
// Issue 3 asks for a real server so the introspection client's wire format (form body, HTTP Basic
// client authentication, RFC 7662 answer) is proven against someone else's implementation.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { IncomingMessage, ServerResponse } from 'node:http'
import Provider from 'oidc-provider'

export interface OidcServerOptions {
  /** Custom scopes; they must be listed in the provider's top-level `scopes` or they are dropped. */
  readonly scopes?: readonly string[]
  readonly clientId?: string
  readonly clientSecret?: string
  /** Lifetime of issued access tokens. */
  readonly accessTokenTtlSeconds?: number
}

export interface OidcServer {
  readonly url: string
  readonly tokenUrl: string
  readonly introspectionUrl: string
  readonly clientId: string
  readonly clientSecret: string
  /** A fresh opaque access token from the client_credentials grant. */
  issueToken(scope?: string): Promise<string>
  close(): Promise<void>
}

export async function startOidcServer(options: OidcServerOptions = {}): Promise<OidcServer> {
  const scopes = options.scopes ?? ['ratings:read', 'ratings:write']
  const clientId = options.clientId ?? 'my-client'
  const clientSecret = options.clientSecret ?? 'secret'
  const ttlSeconds = options.accessTokenTtlSeconds ?? 3600

  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
    res.statusCode = 503
    res.end()
  }
  const server = createServer((req, res) => handler(req, res))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const url = `http://127.0.0.1:${port}`

  const provider = new Provider(url, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        scope: scopes.join(' '),
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    scopes: [...scopes],
    routes: { token: '/oauth2/token', introspection: '/admin/oauth2/introspect' },
    features: {
      clientCredentials: { enabled: true },
      // Default policy is fine (authenticated clients may introspect any token); set to silence
      // the "shouldChange" warning.
      introspection: { enabled: true, allowedPolicy: async () => true },
      devInteractions: { enabled: false },
    },
    ttl: { ClientCredentials: ttlSeconds },
    cookies: { keys: ['test-only-cookie-key'] },
  })
  handler = provider.callback()

  return {
    url,
    tokenUrl: `${url}/oauth2/token`,
    introspectionUrl: `${url}/admin/oauth2/introspect`,
    clientId,
    clientSecret,
    async issueToken(scope?: string): Promise<string> {
      const form = new URLSearchParams({ grant_type: 'client_credentials' })
      if (scope !== undefined) form.set('scope', scope)
      const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')
      const res = await fetch(`${url}/oauth2/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
      })
      const body = (await res.json()) as { access_token?: unknown }
      if (res.status !== 200 || typeof body.access_token !== 'string') {
        throw new Error(`token endpoint answered ${res.status}: ${JSON.stringify(body)}`)
      }
      return body.access_token
    },
    close(): Promise<void> {
      server.closeAllConnections()
      return new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())))
    },
  }
}

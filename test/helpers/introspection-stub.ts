// An RFC 7662 endpoint that answers exactly as ORY Hydra v2 does (`sub`, `aud` always an array,
// `nbf`, `token_use`, inactive is exactly `{"active":false}`), plus every fault issue 3 and
// issue 7 ask tokengate to survive. A node:http server on 127.0.0.1, port 0; it counts calls.
import { createServer } from 'node:http'
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** What Hydra knows about one token; omitted fields get Hydra-like defaults. */
export interface StubToken {
  readonly scope?: string
  readonly sub?: string
  readonly clientId?: string
  /** Seconds since the epoch. Default: now + 1 h. */
  readonly exp?: number
  readonly nbf?: number
  readonly iat?: number
  readonly aud?: readonly string[]
  readonly iss?: string
  readonly tokenUse?: 'access_token' | 'refresh_token'
  /** Hydra's session extras. */
  readonly ext?: Record<string, unknown>
  /** Extra top-level members, merged last (e.g. `{ active: 'true' }` for a lying server). */
  readonly raw?: Record<string, unknown>
}

export type StubMode =
  | 'hydra' // answer per token, as Hydra v2
  | 'status-500'
  | 'non-json' // 200, application/json, body that is not JSON
  | 'wrong-content-type' // 200, valid JSON, text/html
  | 'huge-body' // 200, 10 MB of JSON string
  | 'huge-declared' // 200 declaring 10 MB, then a few bytes and silence: refused on the header alone
  | 'deep-json' // 200, 50 000 nested arrays
  | 'hang' // never answers
  | 'slow-drip' // headers at once, then one byte every 100 ms, forever
  | 'redirect' // 302 to another URL of this stub
  | 'active-string' // {"active":"true", …}
  | 'active-number' // {"active":1, …}
  | 'exp-string' // {"active":true,"exp":"…"}

export interface RecordedCall {
  readonly headers: IncomingHttpHeaders
  readonly form: URLSearchParams
}

export interface IntrospectionStub {
  readonly url: string
  /** Introspection calls received, in order. */
  readonly calls: readonly RecordedCall[]
  /** Introspection calls received (the redirect target is not counted). */
  readonly callCount: number
  mode: StubMode
  setToken(token: string, info?: StubToken): void
  deleteToken(token: string): void
  /** Hold every answer until `release()`: lets tests line concurrent requests up on one call. */
  hold(): void
  release(): void
  close(): Promise<void>
}

const HYDRA_ISSUER = 'http://127.0.0.1:4444/'

export async function startIntrospectionStub(
  opts: { requireBasic?: { clientId: string; clientSecret: string }; nowSeconds?: () => number } = {},
): Promise<IntrospectionStub> {
  const tokens = new Map<string, StubToken>()
  const calls: RecordedCall[] = []
  const timers = new Set<NodeJS.Timeout>()
  let held: Array<() => void> | undefined
  const nowSeconds = opts.nowSeconds ?? (() => Math.floor(Date.now() / 1000))

  const server = createServer((req, res) => {
    if (req.url === '/redirected') {
      send(res, 200, { active: true, scope: 'ratings:read' })
      return
    }
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => (body += chunk))
    req.on('end', () => {
      const form = new URLSearchParams(body)
      calls.push({ headers: req.headers, form })
      const answer = (): void => respond(req, res, form)
      if (held === undefined) answer()
      else held.push(answer)
    })
  })

  function respond(req: IncomingMessage, res: ServerResponse, form: URLSearchParams): void {
    if (opts.requireBasic !== undefined) {
      const expected = `Basic ${Buffer.from(`${opts.requireBasic.clientId}:${opts.requireBasic.clientSecret}`).toString('base64')}`
      if (req.headers.authorization !== expected) {
        send(res, 401, { error: 'invalid_client', error_description: 'Client authentication failed' })
        return
      }
    }
    const token = tokens.get(form.get('token') ?? '')
    switch (stub.mode) {
      case 'hydra':
        send(res, 200, token === undefined ? { active: false } : hydraAnswer(token))
        return
      case 'status-500':
        send(res, 500, { error: 'server_error' })
        return
      case 'non-json':
        res.writeHead(200, { 'content-type': 'application/json' }).end('<html>oops</html>')
        return
      case 'wrong-content-type':
        res.writeHead(200, { 'content-type': 'text/html' }).end(JSON.stringify({ active: true }))
        return
      case 'huge-body':
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(`{"active":true,"pad":"${'x'.repeat(10 * 1024 * 1024)}"}`)
        return
      case 'huge-declared':
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(10 * 1024 * 1024) })
        res.write('{"active":true')
        return
      case 'deep-json':
        res.writeHead(200, { 'content-type': 'application/json' }).end(`${'['.repeat(50_000)}${']'.repeat(50_000)}`)
        return
      case 'hang':
        return
      case 'slow-drip': {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.write('{"active":true,"pad":"')
        const timer = setInterval(() => res.write('x'), 100)
        timers.add(timer)
        res.on('close', () => {
          clearInterval(timer)
          timers.delete(timer)
        })
        return
      }
      case 'redirect':
        res.writeHead(302, { location: '/redirected' }).end()
        return
      case 'active-string':
        send(res, 200, { ...hydraAnswer(token ?? {}), active: 'true' })
        return
      case 'active-number':
        send(res, 200, { ...hydraAnswer(token ?? {}), active: 1 })
        return
      case 'exp-string':
        send(res, 200, { ...hydraAnswer(token ?? {}), exp: String(nowSeconds() + 3600) })
        return
    }
  }

  function hydraAnswer(t: StubToken): Record<string, unknown> {
    const now = nowSeconds()
    const clientId = t.clientId ?? 'my-client'
    return {
      active: true,
      scope: t.scope ?? '',
      client_id: clientId,
      sub: t.sub ?? clientId,
      exp: t.exp ?? now + 3600,
      iat: t.iat ?? now,
      nbf: t.nbf ?? now,
      aud: t.aud ?? [],
      iss: t.iss ?? HYDRA_ISSUER,
      token_type: 'Bearer',
      token_use: t.tokenUse ?? 'access_token',
      ...(t.ext === undefined ? {} : { ext: t.ext }),
      ...t.raw,
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  const stub: IntrospectionStub = {
    url: `http://127.0.0.1:${port}/admin/oauth2/introspect`,
    calls,
    get callCount() {
      return calls.length
    },
    mode: 'hydra',
    setToken: (token, info = {}) => void tokens.set(token, info),
    deleteToken: (token) => void tokens.delete(token),
    hold: () => {
      held ??= []
    },
    release: () => {
      const waiting = held ?? []
      held = undefined
      for (const answer of waiting) answer()
    },
    close: () => {
      for (const timer of timers) clearInterval(timer)
      server.closeAllConnections()
      return new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())))
    },
  }
  return stub
}

function send(res: ServerResponse, status: number, body: unknown): void {
  // Hydra v2 answers `application/json; charset=utf-8`.
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body))
}

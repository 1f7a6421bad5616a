// What the upstream receives in place of the client's headers, and what the client receives of
// the upstream's. Pure: the same input always gives the same output, and tests drive it with
// tables. Both run on every request, so each is one pass that builds a fresh object: `delete` on
// a header object turns it into a slow dictionary for the rest of its life.
import type { IncomingHttpHeaders } from 'node:http'

/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) and proxy credentials, which are meant for us and must
 * not travel on. Names listed in `Connection` are removed by reply-from before we run.
 */
const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade',
  'proxy-authorization', 'proxy-authenticate',
])

/** `Connection` values that name only hop-by-hop headers, as sent. */
const PLAIN_CONNECTION: ReadonlySet<string> = new Set(['keep-alive', 'close', 'Keep-Alive', 'Close'])

/** Set by the gateway itself below, whatever the client sent. */
const OURS: ReadonlySet<string> = new Set(['x-forwarded-proto', 'x-forwarded-host', 'x-request-id', 'host'])

export interface UpstreamHeaderContext {
  /** `host[:port]` of the upstream, used unless the route preserves the client's Host. */
  readonly upstreamHost: string
  readonly preserveHost: boolean
  readonly clientHost: string | undefined
  readonly clientIp: string | undefined
  readonly proto: 'http' | 'https'
  readonly requestId: string
  readonly hasBody: boolean
  /** Identity headers the gateway owns: removed from the client's request, then set from claims. */
  readonly removeHeaders: readonly string[]
  readonly setHeaders: readonly (readonly [string, string])[]
  readonly stripAuthorization: boolean
}

export function upstreamHeaders(headers: IncomingHttpHeaders, ctx: UpstreamHeaderContext): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {}
  for (const name in headers) {
    if (HOP_BY_HOP.has(name) || OURS.has(name)) continue
    if (ctx.removeHeaders.length > 0 && ctx.removeHeaders.includes(name)) continue
    if (name === 'authorization' && ctx.stripAuthorization) continue
    // A body the client sent with GET/HEAD is not forwarded, so its length must not be either.
    if (name === 'content-length' && !ctx.hasBody) continue
    out[name] = headers[name]
  }

  for (const [name, value] of ctx.setHeaders) {
    const previous = out[name]
    out[name] = previous === undefined ? value : `${String(previous)}, ${value}`
  }

  if (ctx.clientIp !== undefined) {
    const forwardedFor = out['x-forwarded-for']
    out['x-forwarded-for'] = forwardedFor === undefined ? ctx.clientIp : `${String(forwardedFor)}, ${ctx.clientIp}`
  }
  out['x-forwarded-proto'] = ctx.proto
  if (ctx.clientHost !== undefined) out['x-forwarded-host'] = ctx.clientHost
  out['x-request-id'] = ctx.requestId
  out.host = ctx.preserveHost && ctx.clientHost !== undefined ? ctx.clientHost : ctx.upstreamHost
  return out
}

/**
 * The upstream's hop-by-hop response headers describe its connection to us, not ours to the
 * client: forwarding `Connection: keep-alive` would, for one, override a client's
 * `Connection: close` and leave its socket open.
 */
export function clientResponseHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const connection = headers.connection
  // Nearly every upstream sends one of these, which lists no header beyond the hop-by-hop ones:
  // parsing it would cost more than the rest of this function (~400 ns a response).
  const listed = typeof connection === 'string' && !PLAIN_CONNECTION.has(connection) ? connection.toLowerCase().split(',').map((n) => n.trim()) : undefined
  const out: IncomingHttpHeaders = {}
  for (const name in headers) {
    if (HOP_BY_HOP.has(name) || (listed !== undefined && listed.includes(name))) continue
    out[name] = headers[name]
  }
  return out
}

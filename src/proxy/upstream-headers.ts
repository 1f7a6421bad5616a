// What the upstream receives in place of the client's headers. Pure: the same input always
// gives the same output, and tests drive it with tables.
import type { IncomingHttpHeaders } from 'node:http'

/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) and proxy credentials, which are meant for us and must
 * not travel on. Names listed in `Connection` are removed by reply-from before we run.
 */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-authorization', 'proxy-authenticate'] as const

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
  for (const name of HOP_BY_HOP) delete headers[name]
  for (const name of ctx.removeHeaders) delete headers[name]
  if (ctx.stripAuthorization) delete headers.authorization
  if (!ctx.hasBody) {
    // A body the client sent with GET/HEAD is not forwarded, so its length must not be either.
    delete headers['content-length']
  }

  for (const [name, value] of ctx.setHeaders) {
    const previous = headers[name]
    headers[name] = previous === undefined ? value : `${String(previous)}, ${value}`
  }

  const forwardedFor = headers['x-forwarded-for']
  if (ctx.clientIp !== undefined) {
    headers['x-forwarded-for'] = forwardedFor === undefined ? ctx.clientIp : `${String(forwardedFor)}, ${ctx.clientIp}`
  }
  headers['x-forwarded-proto'] = ctx.proto
  if (ctx.clientHost !== undefined) headers['x-forwarded-host'] = ctx.clientHost
  else delete headers['x-forwarded-host']
  headers['x-request-id'] = ctx.requestId
  headers.host = ctx.preserveHost && ctx.clientHost !== undefined ? ctx.clientHost : ctx.upstreamHost
  return headers
}

/**
 * The upstream's hop-by-hop response headers describe its connection to us, not ours to the
 * client: forwarding `Connection: keep-alive` would, for one, override a client's
 * `Connection: close` and leave its socket open.
 */
export function clientResponseHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const listed = headers.connection
  if (typeof listed === 'string') {
    for (const name of listed.split(',')) delete headers[name.trim().toLowerCase()]
  }
  for (const name of HOP_BY_HOP) delete headers[name]
  return headers
}

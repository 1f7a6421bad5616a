// One access line per request, with the auth decision as data. Never the query string, the
// token, or any header value: the path is the normalised one, without its query.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { RequestContext } from './request-context.js'

export function accessLogFields(req: IncomingMessage, res: ServerResponse, ctx: RequestContext, durationMs: number): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    reqId: ctx.requestId,
    method: req.method,
    path: ctx.target?.path,
    route: ctx.route,
    upstream: ctx.upstream,
    status: res.statusCode,
    durationMs: Math.round(durationMs * 100) / 100,
  }
  if (ctx.upstreamMs !== undefined) fields.upstreamMs = Math.round(ctx.upstreamMs * 100) / 100
  if (ctx.policy !== undefined) {
    fields.policy = ctx.policy
    fields.granted = ctx.granted
    fields.reason = ctx.reason
    if (ctx.cache !== undefined) fields.cache = ctx.cache
    if (ctx.clientId !== undefined) fields.client_id = ctx.clientId
    if (ctx.sub !== undefined) fields.sub = ctx.sub
  }
  if (ctx.errorCode !== undefined) fields.code = ctx.errorCode
  return fields
}

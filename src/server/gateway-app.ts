// The traffic listener: one catch-all route whose handler reads like the spec —
// normalise the target → match a route → authenticate when a policy protects it → forward.
// Built without `listen`, so the CLI decides where it binds. (`inject` would bypass the
// ServerResponse class that writes the access line and the metrics: see response-end.ts.)
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import { Readable } from 'node:stream'
import fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import replyFrom from '@fastify/reply-from'
import { TokengateError, isTokengateError } from '../errors.js'
import type { Logger } from '../observability/logger.js'
import type { Metrics } from '../observability/metrics.js'
import { normalizeRequestTarget } from '../routing/request-target.js'
import type { RouteMatch } from '../routing/route-table.js'
import type { UpstreamConfig } from '../config/types.js'
import type { AuthOutcome } from '../auth/authenticator.js'
import { clientResponseHeaders, upstreamHeaders } from '../proxy/upstream-headers.js'
import { upstreamError } from '../proxy/upstream-errors.js'
import { clientHost, type ClientHost } from './client-host.js'
import { requestIdFor } from './request-id.js'
import { kContext, newRequestContext, type RequestContext, type WithContext } from './request-context.js'
import { sendError, sendPrepared } from './responses.js'
import { limitBody } from './body-limit.js'
import type { Runtime } from './runtime.js'
import { accessLogFields } from './access-log.js'
import { responseClassNotifying } from './response-end.js'
import { giveClientSocketsOneShape } from './socket-shape.js'

export interface GatewayAppOptions {
  readonly getRuntime: () => Runtime
  readonly logger: Logger
  readonly metrics?: Metrics
  readonly maxHeaderBytes?: number
  readonly headersTimeoutMs?: number
  readonly bodyLimitBytes: number
  readonly keepAliveTimeoutMs?: number
  readonly requestTimeoutMs?: number
}

type AllowOutcome = Extract<AuthOutcome, { kind: 'allow' }>

const ROUTE_PATH = '/'
const NO_RETRY = (): null => null

export function buildGatewayApp(opts: GatewayAppOptions): FastifyInstance {
  const { getRuntime, metrics, logger } = opts

  /** The access line and the request metrics, once per response (see response-end.ts). */
  function onResponseEnd(req: IncomingMessage, res: ServerResponse): void {
    const ctx = (req as WithContext)[kContext]
    if (ctx === undefined) return
    const durationMs = performance.now() - ctx.startMs
    if (logger.isLevelEnabled('info')) logger.info(accessLogFields(req, res, ctx, durationMs), 'request')
    metrics?.observeRequest(ctx.route ?? 'none', res.statusCode, durationMs / 1000)
    if (ctx.upstreamMs !== undefined) metrics?.observeUpstream(ctx.route ?? 'none', ctx.upstreamMs / 1000)
  }

  const forwardOptions = forwardOptionsCache((reply, failure) => onUpstreamError(logger, reply, failure))

  // Fastify gets no logger: with one, it builds a child logger and puts two listeners on every
  // response (see response-end.ts). Our lines go to `logger` and carry `reqId` themselves.
  const app = fastify({
    genReqId(req) {
      const id = requestIdFor(req)
      rawContext(req).requestId = id
      return id
    },
    return503OnClosing: true,
    // Fastify passes `http` to http.createServer: the limits Node enforces before we see a byte.
    http: {
      ServerResponse: responseClassNotifying(onResponseEnd, (err) => logger.error({ err }, 'access line or request metrics failed')),
      ...(opts.maxHeaderBytes === undefined ? {} : { maxHeaderSize: opts.maxHeaderBytes }),
      ...(opts.headersTimeoutMs === undefined ? {} : { headersTimeout: opts.headersTimeoutMs }),
      // Node enforces headersTimeout/requestTimeout only when it sweeps its connections, every
      // 30 s by default: a 1 s headersTimeout would let a slow-loris client hold a socket ~30 s.
      // Sweeping every ≤ 1 s keeps the timeouts what the config says (issue 7 §4).
      ...(opts.headersTimeoutMs === undefined ? {} : { connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(opts.headersTimeoutMs / 2))) }),
    },
    ...(opts.keepAliveTimeoutMs === undefined ? {} : { keepAliveTimeout: opts.keepAliveTimeoutMs }),
    ...(opts.requestTimeoutMs === undefined ? {} : { requestTimeout: opts.requestTimeoutMs }),
    // Routing is ours (first match in file order, on the normalised path): Fastify's router only
    // ever sees one constant URL, so it can neither reject nor reinterpret the client's target.
    rewriteUrl(req) {
      const context = newRequestContext()
      ;(req as WithContext)[kContext] = context
      try {
        context.target = normalizeRequestTarget(req.url ?? '')
      } catch (err) {
        context.targetError = isTokengateError(err) ? err : new TokengateError('TG_ERR_PATH_INVALID', undefined, { cause: err })
      }
      return ROUTE_PATH
    },
  })

  giveClientSocketsOneShape(app.server)

  // Bodies are streamed to the upstream untouched, never parsed.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', (request, payload, done) => {
    try {
      done(null, limitBody(request.headers, payload, opts.bodyLimitBytes))
    } catch (err) {
      done(err as Error, undefined)
    }
  })

  void app.register(replyFrom, { undici: { request: (o: never, cb: never) => getRuntime().pools.request(o, cb) } as never, disableRequestLogging: true })

  // The handlers return nothing. Given a reply, or a promise, Fastify calls its `then`, and a
  // reply's `then` puts six end-of-stream listeners on the response to learn when it has ended:
  // ~9.6k instructions per request (issue 6), for an answer nothing here waits for.
  app.all(ROUTE_PATH, (request, reply) => {
    handle(request, reply)
  })
  app.setNotFoundHandler((request, reply) => {
    sendError(reply, new TokengateError('TG_ERR_ROUTE_NOT_FOUND'))
  })
  app.setErrorHandler((err, request, reply) => {
    const known = isTokengateError(err) ? err : undefined
    const status = known?.statusCode ?? (typeof (err as { statusCode?: unknown }).statusCode === 'number' ? (err as { statusCode: number }).statusCode : 500)
    if (status >= 500) logger.error({ reqId: request.id, err }, 'request failed')
    const answer = known ?? new TokengateError(status === 413 ? 'TG_ERR_BODY_TOO_LARGE' : 'TG_ERR_INTERNAL', status < 500 ? 'Bad request' : undefined, { cause: err, statusCode: status })
    contextOf(request).errorCode = answer.code
    sendError(reply, answer)
  })

  // Not `async`: the unprotected route and a cached token are answered without a promise, as
  // the plain proxy is; only a token that must be introspected or verified costs one, and its
  // failures are sent to the error handler here, since Fastify is not given that promise.
  function handle(request: FastifyRequest, reply: FastifyReply): FastifyReply | undefined {
    const runtime = getRuntime()
    const ctx = contextOf(request)
    if (ctx.targetError !== undefined || ctx.target === undefined) {
      return fail(reply, ctx, ctx.targetError ?? new TokengateError('TG_ERR_PATH_INVALID'))
    }
    const target = ctx.target
    let host: ClientHost
    try {
      host = clientHost(target.authority, request.raw.rawHeaders)
    } catch (err) {
      return fail(reply, ctx, err as TokengateError)
    }

    const match = runtime.table.match({
      method: request.raw.method ?? 'GET',
      hostname: host.hostname,
      port: host.port,
      path: target.path,
      query: target.query,
      headers: request.headers,
    })
    if (match === undefined) return fail(reply, ctx, new TokengateError('TG_ERR_ROUTE_NOT_FOUND'))
    ctx.route = match.route.name
    ctx.upstream = match.route.upstream

    const policy = match.route.policy
    if (policy === undefined) return forward(request, reply, runtime, match, host, undefined)
    const authenticator = runtime.authenticators.get(policy)
    // A route names a policy the runtime lacks only through a bug; never proxy it unchecked.
    if (authenticator === undefined) return fail(reply, ctx, new TokengateError('TG_ERR_INTERNAL'))
    const outcome = authenticator.authenticate({
      headers: request.headers,
      rawHeaders: request.raw.rawHeaders,
      query: target.query,
      requestId: request.id,
    })
    if (outcome instanceof Promise) {
      outcome.then((o) => {
        try {
          afterVerdict(request, reply, runtime, match, host, policy, o)
        } catch (err) {
          sendFailure(reply, err)
        }
      }, (err: unknown) => sendFailure(reply, err))
      return undefined
    }
    return afterVerdict(request, reply, runtime, match, host, policy, outcome)
  }

  /** The policy's verdict recorded, then the request forwarded or the prepared answer sent. */
  function afterVerdict(request: FastifyRequest, reply: FastifyReply, runtime: Runtime, match: RouteMatch, host: ClientHost, policy: string, outcome: AuthOutcome): FastifyReply {
    recordDecision(contextOf(request), policy, outcome)
    if (outcome.kind !== 'allow') return sendPrepared(reply, outcome.response)
    return forward(request, reply, runtime, match, host, outcome)
  }

  function recordDecision(ctx: RequestContext, policy: string, outcome: AuthOutcome): void {
    const granted = outcome.kind === 'allow'
    const reason = outcome.kind === 'error' ? 'error' : outcome.kind === 'allow' ? 'granted' : outcome.reason
    ctx.policy = policy
    ctx.granted = granted
    ctx.reason = reason
    if (outcome.kind === 'error') {
      ctx.errorCode = outcome.code
    } else {
      if (outcome.cache !== undefined) ctx.cache = outcome.cache
      if (outcome.clientId !== undefined) ctx.clientId = outcome.clientId
      if (outcome.sub !== undefined) ctx.sub = outcome.sub
    }
    metrics?.countDecision(policy, granted, reason)
    if (ctx.cache !== undefined) metrics?.countCache(policy, ctx.cache)
  }

  function forward(request: FastifyRequest, reply: FastifyReply, runtime: Runtime, match: RouteMatch, host: ClientHost, allowed: AllowOutcome | undefined): FastifyReply {
    const ctx = contextOf(request)
    const upstream = runtime.config.upstreams.get(match.route.upstream)
    if (upstream === undefined) return fail(reply, ctx, new TokengateError('TG_ERR_INTERNAL'))
    ctx.upstreamHeaders = {
      upstreamHost: hostOfOrigin(upstream.origin),
      preserveHost: match.route.preserveHost,
      clientHost: host.value,
      clientIp: request.ip,
      proto: 'http',
      requestId: request.id,
      hasBody: request.body instanceof Readable,
      removeHeaders: allowed?.removeHeaders ?? NONE,
      setHeaders: allowed?.setHeaders ?? NONE,
      stripAuthorization: allowed?.stripAuthorization ?? false,
    }
    ctx.upstreamStartMs = performance.now()
    try {
      return reply.from(upstream.origin + upstream.basePath + match.forwardPath, forwardOptions(upstream))
    } catch (err) {
      // reply-from refuses, synchronously, a path it cannot decode as UTF-8 or that still looks
      // like traversal to it: the path is the only client input it checks there.
      return fail(reply, ctx, new TokengateError('TG_ERR_PATH_INVALID', 'The request path cannot be forwarded as it is', { cause: err }))
    }
  }

  return app
}

const NONE: readonly never[] = []

type UpstreamErrorHandler = (reply: FastifyReply, failure: { error: unknown }) => void

/**
 * reply-from's hooks are given the request or the reply, so they are built once and read the
 * request's context: per-request closures would cost five function objects and their scope on
 * every forwarded request. The options object is per upstream only for its timeout.
 */
function forwardOptionsCache(onError: UpstreamErrorHandler): (upstream: UpstreamConfig) => object {
  const byUpstream = new WeakMap<UpstreamConfig, object>()
  return (upstream) => {
    let options = byUpstream.get(upstream)
    if (options === undefined) {
      options = {
        timeout: upstream.timeoutMs,
        retryDelay: NO_RETRY,
        queryString: forwardedQuery,
        rewriteRequestHeaders: requestHeadersForUpstream,
        rewriteHeaders: responseHeadersForClient,
        onError,
      }
      byUpstream.set(upstream, options)
    }
    return options
  }
}

function forwardedQuery(_search: string, _url: string, request: FastifyRequest): string {
  return contextOf(request).target?.query ?? ''
}

function requestHeadersForUpstream(request: FastifyRequest, headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const forwarding = contextOf(request).upstreamHeaders
  // Set before reply.from is called; without it there is nothing safe to send.
  if (forwarding === undefined) throw new TokengateError('TG_ERR_INTERNAL')
  return upstreamHeaders(headers, forwarding)
}

function responseHeadersForClient(headers: IncomingHttpHeaders, request: FastifyRequest): IncomingHttpHeaders {
  markUpstreamDone(contextOf(request))
  return clientResponseHeaders(headers)
}

function onUpstreamError(logger: Logger, reply: FastifyReply, { error }: { error: unknown }): void {
  const request = reply.request
  const ctx = contextOf(request)
  markUpstreamDone(ctx)
  const err = upstreamError(error)
  logger.warn({ reqId: request.id, err: { code: err.code, cause: causeCode(error) }, upstream: ctx.upstream }, 'upstream failed')
  fail(reply, ctx, err)
}

/** What an exception from the asynchronous verdict path gets: the error handler, as a synchronous one would. */
function sendFailure(reply: FastifyReply, err: unknown): void {
  reply.send(err instanceof Error ? err : new TokengateError('TG_ERR_INTERNAL', undefined, { cause: err }))
}

function fail(reply: FastifyReply, ctx: RequestContext, err: TokengateError): FastifyReply {
  ctx.errorCode = err.code
  return sendError(reply, err)
}

function markUpstreamDone(ctx: RequestContext): void {
  if (ctx.upstreamStartMs !== undefined && ctx.upstreamMs === undefined) {
    ctx.upstreamMs = performance.now() - ctx.upstreamStartMs
  }
}

/** `http://a:1` → `a:1`; URL origins omit default ports, as Host must (RFC 9110 §7.2). */
function hostOfOrigin(origin: string): string {
  return origin.slice(origin.indexOf('//') + 2)
}

function causeCode(err: unknown): string | undefined {
  const cause = (err as { cause?: { code?: unknown } } | undefined)?.cause
  return typeof cause?.code === 'string' ? cause.code : undefined
}

function contextOf(request: FastifyRequest): RequestContext {
  return rawContext(request.raw)
}

function rawContext(req: IncomingMessage): RequestContext {
  const raw = req as WithContext
  let ctx = raw[kContext]
  if (ctx === undefined) {
    ctx = newRequestContext()
    raw[kContext] = ctx
  }
  return ctx
}

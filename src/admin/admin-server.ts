// The admin listener: health, readiness, Prometheus metrics and cache purge, on its own Fastify
// instance and port — never reachable through the proxy, as Envoy's and Oathkeeper's admin ports.
// Built without `listen` so that tests can `inject` and the caller decides where it binds.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { MetricsText } from '../observability/metrics.js'

export interface IntrospectionCheck {
  readonly policy: string
  readonly ok: boolean
  readonly detail?: string
}

export interface AdminDeps {
  /** A process's own metrics, or in cluster mode the primary's aggregate of its workers'. */
  readonly metrics: MetricsText
  /** Config loaded and traffic listener up, and not shutting down. */
  readonly isReady: () => boolean
  /** Probes each policy's introspection endpoint; run only for `/readyz?verbose=1`. */
  readonly checkIntrospection?: () => Promise<readonly IntrospectionCheck[]>
  /** Removes one token's cached introspection answers, or all of them; returns how many went. */
  readonly purgeCache: (token?: string) => number | Promise<number>
  readonly logger?: FastifyBaseLogger
}

/** Generous upper bound on a token in a purge body; policies accept at most 65536 characters. */
const MAX_PURGE_BODY_BYTES = 128 * 1024

const purgeBodySchema = {
  type: 'object',
  additionalProperties: false,
  properties: { token: { type: 'string', minLength: 1, maxLength: 65536 } },
} as const

interface PurgeBody {
  token?: string
}

function wantsIntrospection(query: Record<string, string | undefined>): boolean {
  const on = (v: string | undefined): boolean => v === '1' || v === 'true'
  return on(query.verbose) || on(query.introspection)
}

export function buildAdminApp(deps: AdminDeps): FastifyInstance {
  const app = Fastify({
    ...(deps.logger === undefined ? { logger: false } : { loggerInstance: deps.logger }),
    // Probes and scrapes arrive every few seconds; a log line each would drown the useful ones.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: MAX_PURGE_BODY_BYTES,
    exposeHeadRoutes: true,
    // Fastify coerces types and drops unknown keys by default; a purge request should say exactly
    // what it means or be refused.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false } },
  })

  // An empty body means "purge everything"; and JSON.parse's message quotes the input, which
  // may be a token, so a parse failure is reported without it.
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8')
    if (text.trim() === '') return done(null, {})
    try {
      done(null, JSON.parse(text))
    } catch {
      done(Object.assign(new Error('The request body is not valid JSON'), { statusCode: 400 }), undefined)
    }
  })

  app.get('/healthz', async () => ({ status: 'ok' }))

  app.get<{ Querystring: Record<string, string | undefined> }>('/readyz', async (request, reply) => {
    if (!deps.isReady()) return reply.code(503).send({ status: 'not ready' })
    if (!wantsIntrospection(request.query) || deps.checkIntrospection === undefined) return { status: 'ready' }
    let introspection: readonly IntrospectionCheck[]
    try {
      introspection = await deps.checkIntrospection()
    } catch (err) {
      request.log.warn({ err }, 'introspection readiness check failed')
      return reply.code(503).send({ status: 'not ready', introspection: [] })
    }
    const ok = introspection.every((c) => c.ok)
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not ready', introspection })
  })

  app.get('/metrics', async (_request, reply) => {
    const text = await deps.metrics.metricsText()
    return reply.type(deps.metrics.contentType).send(text)
  })

  app.post<{ Body: PurgeBody }>('/cache/purge', {
    schema: { body: purgeBodySchema },
    // No body at all (no content type) is as valid as `{}`: purge everything.
    preValidation: async (request) => {
      request.body ??= {}
    },
  }, async (request) => {
    const token = request.body.token
    const purged = await deps.purgeCache(token)
    // Which kind of purge, and how much went — never the token itself.
    request.log.info({ scope: token === undefined ? 'all' : 'token', purged }, 'introspection cache purged')
    return { purged }
  })

  return app
}

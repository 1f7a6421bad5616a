import t from 'tap'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { buildAdminApp, type AdminDeps, type IntrospectionCheck } from '../../src/admin/admin-server.js'
import { createMetrics } from '../../src/observability/metrics.js'

const SECRET_TOKEN = 'tg-secret-token-value-8f3a9c'

/** A pino logger at trace level whose every line is kept, as pino's own tests do with sink(). */
function logSink() {
  const lines: string[] = []
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter((l) => l !== ''))
      done()
    },
  })
  return { logger: pino({ level: 'trace' }, stream), lines }
}

function build(overrides: Partial<AdminDeps> = {}) {
  const purges: Array<string | undefined> = []
  const sink = logSink()
  const app = buildAdminApp({
    metrics: createMetrics({ processMetrics: false }),
    isReady: () => true,
    purgeCache: (token) => {
      purges.push(token)
      return token === undefined ? 42 : 2
    },
    logger: sink.logger,
    ...overrides,
  })
  return { app, purges, lines: sink.lines }
}

t.test('GET /healthz answers 200 ok', async (t) => {
  const { app } = build({ isReady: () => false })
  const res = await app.inject({ method: 'GET', url: '/healthz' })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { status: 'ok' })
})

t.test('GET /readyz follows isReady', async (t) => {
  let ready = true
  const { app } = build({ isReady: () => ready })
  let res = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { status: 'ready' })
  ready = false
  res = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(res.statusCode, 503)
  t.same(res.json(), { status: 'not ready' })
})

t.test('GET /readyz?verbose=1 runs the introspection checks', async (t) => {
  let checks: IntrospectionCheck[] = [{ policy: 'a', ok: true }, { policy: 'b', ok: true }]
  let calls = 0
  let ready = true
  const { app } = build({
    isReady: () => ready,
    checkIntrospection: async () => {
      calls++
      return checks
    },
  })
  let res = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(calls, 0, 'plain /readyz does not call out')
  res = await app.inject({ method: 'GET', url: '/readyz?verbose=1' })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { status: 'ready', introspection: checks })
  checks = [{ policy: 'a', ok: true }, { policy: 'b', ok: false, detail: 'connection refused' }]
  res = await app.inject({ method: 'GET', url: '/readyz?introspection=1' })
  t.equal(res.statusCode, 503)
  t.same(res.json(), { status: 'not ready', introspection: checks })
  t.equal(calls, 2)
  ready = false
  res = await app.inject({ method: 'GET', url: '/readyz?verbose=1' })
  t.equal(res.statusCode, 503)
  t.equal(calls, 2, 'not ready answers at once, without probing')
})

t.test('GET /readyz?verbose=1 answers 503 when the check itself throws', async (t) => {
  const { app } = build({ checkIntrospection: async () => { throw new Error('boom') } })
  const res = await app.inject({ method: 'GET', url: '/readyz?verbose=1' })
  t.equal(res.statusCode, 503)
  t.same(res.json(), { status: 'not ready', introspection: [] })
})

t.test('GET /metrics answers Prometheus text with its content type', async (t) => {
  const metrics = createMetrics({ processMetrics: false })
  metrics.observeRequest('ratings', 200, 0.01)
  const { app } = build({ metrics })
  const res = await app.inject({ method: 'GET', url: '/metrics' })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], metrics.contentType)
  t.match(res.body, /^tokengate_requests_total\{route="ratings",status="200"\} 1$/m)
})

t.test('POST /cache/purge without a token purges everything', async (t) => {
  const { app, purges } = build()
  for (const req of [
    {},
    { headers: { 'content-type': 'application/json' }, payload: '' },
    { payload: {} },
  ]) {
    const res = await app.inject({ method: 'POST', url: '/cache/purge', ...req })
    t.equal(res.statusCode, 200, JSON.stringify(req))
    t.same(res.json(), { purged: 42 })
  }
  t.same(purges, [undefined, undefined, undefined])
})

t.test('POST /cache/purge with a token purges that token, and never logs it', async (t) => {
  const { app, purges, lines } = build({ purgeCache: async () => 1 })
  const res = await app.inject({ method: 'POST', url: '/cache/purge', payload: { token: SECRET_TOKEN } })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { purged: 1 })
  t.same(purges, [], 'the overriding purgeCache was used')
  const purgeLog = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'introspection cache purged')
  t.match(purgeLog, { scope: 'token', purged: 1 })
  t.notOk(lines.some((l) => l.includes(SECRET_TOKEN)), 'no log line holds the token')
})

t.test('POST /cache/purge rejects bad bodies without echoing or logging them', async (t) => {
  const { app, purges, lines } = build()
  const bad = [
    { headers: { 'content-type': 'application/json' }, payload: `{"token": ${SECRET_TOKEN}` },
    { payload: { token: 42 } },
    { payload: { token: '' } },
    { payload: { token: SECRET_TOKEN, extra: true } },
  ]
  for (const req of bad) {
    const res = await app.inject({ method: 'POST', url: '/cache/purge', ...req })
    t.equal(res.statusCode, 400, JSON.stringify(req.payload))
    t.notMatch(res.body, SECRET_TOKEN)
  }
  t.same(purges, [], 'nothing purged')
  t.notOk(lines.some((l) => l.includes(SECRET_TOKEN)), 'no log line holds the token')
})

t.test('everything else is 404', async (t) => {
  const { app } = build()
  for (const [method, url] of [['GET', '/'], ['GET', '/cache/purge'], ['POST', '/healthz'], ['GET', '/ratings']] as const) {
    const res = await app.inject({ method, url })
    t.equal(res.statusCode, 404, `${method} ${url}`)
  }
})

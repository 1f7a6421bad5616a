// The traffic listener in process, against a real OAuth 2.0 server and a real upstream: what its
// handlers give back to Fastify, and where a failure on the asynchronous verdict path goes.
import t, { type Test } from 'tap'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { request } from 'undici'
import { loadConfigText } from '../../src/config/load.js'
import { createLogger } from '../../src/observability/logger.js'
import { createMetrics, type Metrics } from '../../src/observability/metrics.js'
import { buildGatewayApp } from '../../src/server/gateway-app.js'
import { buildRuntime, retireRuntime, type Runtime } from '../../src/server/runtime.js'
import type { Authenticator } from '../../src/auth/authenticator.js'
import { ratingsAndOpenYaml } from '../helpers/gateway-yaml.js'
import { startOidcServer } from '../helpers/oidc-server.js'
import { startRecordingUpstream } from '../helpers/recording-upstream.js'

const oidc = await startOidcServer({ scopes: ['ratings:read'] })
const upstream = await startRecordingUpstream()
t.teardown(async () => {
  await oidc.close()
  await upstream.close()
})

interface ListenOptions {
  readonly metrics?: Metrics
  /** Runs before the listener starts, when hooks can still be added. */
  readonly prepare?: (app: FastifyInstance) => void
  /** What to close afterwards, when `runtime` has parts of its own. */
  readonly owned?: Runtime
}

async function listen(t: Test, runtime: Runtime, opts: ListenOptions = {}): Promise<string> {
  const app = buildGatewayApp({ getRuntime: () => runtime, logger: createLogger({ level: 'silent' }), bodyLimitBytes: 1024 * 1024, ...(opts.metrics === undefined ? {} : { metrics: opts.metrics }) })
  opts.prepare?.(app)
  await app.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(async () => {
    await app.close()
    await retireRuntime(opts.owned ?? runtime)
  })
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
}

async function get(origin: string, path: string, token?: string): Promise<{ status: number; body: string }> {
  const res = await request(`${origin}${path}`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } })
  return { status: res.statusCode, body: await res.body.text() }
}

const runtimeFor = (): Runtime => buildRuntime(loadConfigText(ratingsAndOpenYaml(oidc, upstream.url), 'gateway.yaml', {}).config)

t.test("no answer waits on the reply's then: every kind of request is answered without it", async (t) => {
  // A reply's `then` (which Fastify calls on whatever a handler returns) puts end-of-stream
  // listeners on the response; counted on each reply, as Fastify would call it.
  let thenCalls = 0
  const origin = await listen(t, runtimeFor(), {
    prepare: (app) =>
      app.addHook('onRequest', (_request, reply: FastifyReply & { then: FastifyReply['then'] }, done) => {
        const then = reply.then
        reply.then = function (this: FastifyReply, ...args: Parameters<FastifyReply['then']>) {
          thenCalls++
          return then.apply(this, args)
        }
        done()
      }),
  })
  const token = await oidc.issueToken('ratings:read')
  const before = upstream.received.length

  t.equal((await get(origin, '/open/ratings/1')).status, 200, 'unprotected route')
  t.equal((await get(origin, '/ratings/1', token)).status, 200, 'a new token: introspected, then forwarded')
  t.equal((await get(origin, '/ratings/1', token)).status, 200, 'the same token: cached')
  t.equal((await get(origin, '/ratings/1')).status, 403, 'no token')
  t.equal((await get(origin, '/ratings/1', 'not-a-token')).status, 403, 'a token the server does not know')
  t.equal((await get(origin, '/nowhere')).status, 404, 'no route')
  t.equal((await get(origin, '/ratings%2F1')).status, 400, 'an encoded slash')
  t.equal(upstream.received.length - before, 3, 'the three allowed requests reached the upstream')
  t.equal(thenCalls, 0)
})

async function assertInternalErrorNothingForwarded(t: Test, origin: string, token: string): Promise<void> {
  const before = upstream.received.length
  const res = await get(origin, '/ratings/1', token)
  t.equal(res.status, 500)
  t.match(JSON.parse(res.body), { code: 'TG_ERR_INTERNAL' })
  t.equal(upstream.received.length, before, 'nothing reached the upstream')
  t.equal((await get(origin, '/open/ratings/1')).status, 200, 'and the gateway still serves')
}

t.test('a failure on the asynchronous verdict path goes to the error handler; nothing is forwarded', async (t) => {
  const token = await oidc.issueToken('ratings:read')

  await t.test('the verdict promise rejects', async (t) => {
    const real = runtimeFor()
    const rejecting = { authenticate: () => Promise.reject(new Error('introspection client bug')) } as unknown as Authenticator
    const origin = await listen(t, { ...real, authenticators: new Map([['ratings', rejecting]]) }, { owned: real })
    await assertInternalErrorNothingForwarded(t, origin, token)
  })

  await t.test('recording the verdict throws after the promise resolved', async (t) => {
    const metrics = createMetrics({ processMetrics: false })
    metrics.countDecision = () => {
      throw new Error('metrics bug')
    }
    const origin = await listen(t, runtimeFor(), { metrics })
    await assertInternalErrorNothingForwarded(t, origin, token)
  })
})

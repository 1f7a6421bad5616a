// The whole pipeline for one policy against a Hydra-like stub and a real oidc-provider:
// read → introspect (cached) → decide → identity headers. No path ends in 'allow' by accident.
import t from 'tap'
import type { Test } from 'tap'
import { Authenticator } from '../../src/auth/authenticator.js'
import type { AuthRequest } from '../../src/auth/authenticator.js'
import { IntrospectionCache } from '../../src/auth/introspection-cache.js'
import type { AccessTokenPolicy } from '../../src/config/types.js'
import { startIntrospectionStub } from '../helpers/introspection-stub.js'
import type { IntrospectionStub } from '../helpers/introspection-stub.js'
import { startOidcServer } from '../helpers/oidc-server.js'
import { testPolicy } from './fixtures/policy.js'

function bearer(token: string, extra: string[] = []): AuthRequest {
  const rawHeaders = ['Authorization', `Bearer ${token}`, ...extra]
  const headers: Record<string, string> = {}
  for (let i = 0; i < rawHeaders.length; i += 2) headers[rawHeaders[i]!.toLowerCase()] ??= rawHeaders[i + 1]!
  return { headers, rawHeaders, query: '' }
}

async function setup(
  t: Test,
  over: Partial<AccessTokenPolicy> = {},
): Promise<{ stub: IntrospectionStub; auth: Authenticator; policy: AccessTokenPolicy }> {
  const stub = await startIntrospectionStub()
  const policy = testPolicy({ introspection: { url: stub.url, timeoutMs: 1000 }, ...over })
  const auth = new Authenticator(policy)
  t.teardown(async () => {
    await auth.close()
    await stub.close()
  })
  return { stub, auth, policy }
}

t.test('no token: deny without an error code in the challenge, no introspection', async (t) => {
  const { stub, auth } = await setup(t)
  const out = await auth.authenticate({ headers: {}, rawHeaders: [], query: '' })
  t.match(out, { kind: 'deny', reason: 'token_missing', response: { statusCode: 403 } })
  if (out.kind === 'deny') t.equal(out.response.headers['www-authenticate'], 'Bearer realm="tokengate"')
  t.equal(stub.callCount, 0)
})

t.test('a malformed header: invalid_request, no introspection', async (t) => {
  const { stub, auth } = await setup(t)
  const out = await auth.authenticate(bearer('a b'))
  t.match(out, { kind: 'deny', reason: 'token_malformed' })
  if (out.kind === 'deny') t.match(out.response.headers['www-authenticate'], /error="invalid_request"/)
  t.equal(stub.callCount, 0)
})

t.test('an active token is allowed, then served from the cache and re-decided', async (t) => {
  const { stub, auth } = await setup(t, { requiredScopes: ['ratings:read'] })
  stub.setToken('good', { scope: 'ratings:read', sub: 'alice' })
  t.match(await auth.authenticate(bearer('good')), { kind: 'allow', cache: 'miss', clientId: 'my-client', sub: 'alice', stripAuthorization: false })
  t.match(await auth.authenticate(bearer('good')), { kind: 'allow', cache: 'hit' })
  t.equal(stub.callCount, 1)
})

t.test('a cached token and a missing one are judged without a promise; a new token needs one', async (t) => {
  const { stub, auth } = await setup(t, { requiredScopes: ['ratings:read'] })
  stub.setToken('good', { scope: 'ratings:read' })
  const first = auth.authenticate(bearer('good'))
  t.ok(first instanceof Promise, 'an uncached token is introspected')
  t.match(await first, { kind: 'allow', cache: 'miss' })
  const again = auth.authenticate(bearer('good'))
  t.notOk(again instanceof Promise, 'the cached answer is judged at once')
  t.match(again, { kind: 'allow', cache: 'hit' })
  t.match(auth.authenticate({ headers: {}, rawHeaders: [], query: '' }), { kind: 'deny', reason: 'token_missing' })
  t.equal(stub.callCount, 1)
})

t.test('each request hashes its token once, whether its answer is cached or fetched', async (t) => {
  let hashed = 0
  class CountingCache extends IntrospectionCache {
    override keyOf(token: string): ReturnType<IntrospectionCache['keyOf']> {
      hashed++
      return super.keyOf(token)
    }
  }
  const stub = await startIntrospectionStub()
  const auth = new Authenticator(testPolicy({ introspection: { url: stub.url, timeoutMs: 1000 } }), {
    cache: new CountingCache({ cacheTimeoutMs: 60_000, inactiveCacheTimeoutMs: 5_000, maxEntries: 10 }),
  })
  t.teardown(async () => {
    await auth.close()
    await stub.close()
  })
  stub.setToken('good', { scope: 'ratings:read' })
  t.match(await auth.authenticate(bearer('good')), { kind: 'allow', cache: 'miss' })
  t.equal(hashed, 1, 'a miss: looked up, then fetched and stored under the same key')
  t.match(auth.authenticate(bearer('good')), { kind: 'allow', cache: 'hit' })
  t.equal(hashed, 2, 'a hit')
  t.match(await auth.authenticate(bearer('unknown')), { kind: 'deny', reason: 'inactive', cache: 'miss' })
  t.equal(hashed, 3, 'an inactive answer')
  t.equal(stub.callCount, 2)
})

t.test('inactive, refresh and under-scoped tokens are denied', async (t) => {
  const { stub, auth } = await setup(t, { requiredScopes: ['ratings:write'] })
  stub.setToken('refresh', { scope: 'ratings:write', tokenUse: 'refresh_token' })
  stub.setToken('reader', { scope: 'ratings:read' })
  t.match(await auth.authenticate(bearer('unknown')), { kind: 'deny', reason: 'inactive', response: { statusCode: 403 } })
  t.match(await auth.authenticate(bearer('refresh')), { kind: 'deny', reason: 'refresh_token' })
  const scoped = await auth.authenticate(bearer('reader'))
  t.match(scoped, { kind: 'deny', reason: 'scope', response: { statusCode: 403 } })
  if (scoped.kind === 'deny') t.match(scoped.response.headers['www-authenticate'], /error="insufficient_scope".*scope="ratings:write"/)
})

t.test('an endpoint failure is an error with statusOnError, never allow, never cached', async (t) => {
  const { stub, auth } = await setup(t)
  stub.setToken('good', { scope: 'x' })
  for (const mode of ['status-500', 'active-string', 'non-json'] as const) {
    stub.mode = mode
    const out = await auth.authenticate(bearer('good'))
    t.match(out, { kind: 'error', response: { statusCode: 503 } }, mode)
  }
  stub.mode = 'hydra'
  t.match(await auth.authenticate(bearer('good')), { kind: 'allow', cache: 'miss' }, 'the failures were not cached')
})

t.test('50 concurrent requests with one uncached token make one introspection call', async (t) => {
  const { stub, auth } = await setup(t)
  stub.setToken('good', { scope: 'x' })
  stub.hold()
  const pending = Array.from({ length: 50 }, () => auth.authenticate(bearer('good')))
  // Wait until the one call has reached the stub, then let it answer.
  while (stub.callCount === 0) await new Promise((resolve) => setImmediate(resolve))
  stub.release()
  const outcomes = await Promise.all(pending)
  t.equal(stub.callCount, 1)
  t.ok(outcomes.every((o) => o.kind === 'allow'))
  t.equal(outcomes.filter((o) => o.kind === 'allow' && o.cache === 'coalesced').length, 49)
})

t.test('a cached answer still meets each route policy (CVE-2021-32701)', async (t) => {
  const stub = await startIntrospectionStub()
  t.teardown(() => stub.close())
  stub.setToken('reader', { scope: 'ratings:read' })
  const cache = new IntrospectionCache({ cacheTimeoutMs: 60_000, inactiveCacheTimeoutMs: 0, maxEntries: 10 })
  const introspection = { url: stub.url, timeoutMs: 1000 }
  const read = new Authenticator(testPolicy({ introspection, requiredScopes: ['ratings:read'] }), { cache })
  const write = new Authenticator(testPolicy({ introspection, requiredScopes: ['ratings:write'] }), { cache })
  t.teardown(async () => {
    await read.close()
    await write.close()
  })
  t.match(await read.authenticate(bearer('reader')), { kind: 'allow', cache: 'miss' })
  t.match(await write.authenticate(bearer('reader')), { kind: 'deny', reason: 'scope', cache: 'hit' })
})

t.test('identity headers: every client spelling removed, values set from claims', async (t) => {
  const { stub, auth } = await setup(t, {
    claimsToHeaders: [{ claim: 'email', header: 'x-user-email', append: false }],
    userIdHeader: 'x-user-id',
    stripAuthorization: true,
  })
  stub.setToken('good', { sub: 'alice', ext: { email: 'alice@example.com' } })
  const out = await auth.authenticate(bearer('good', ['X-User-Id', 'mallory', 'x_user-id', 'mallory', 'X-User-Email', 'm@x']))
  t.equal(out.kind, 'allow')
  if (out.kind !== 'allow') return
  t.same([...out.removeHeaders].sort(), ['x-user-email', 'x-user-id', 'x_user-id', 'x_user_email', 'x_user_id'])
  t.same(Object.fromEntries(out.setHeaders), { 'x-user-email': 'alice@example.com', 'x-user-id': 'alice' })
  t.equal(out.stripAuthorization, true)
})

t.test('the token appears in no outcome', async (t) => {
  const { stub, auth } = await setup(t, { requiredScopes: ['s'] })
  const token = 'tok-3f9a7c0d1e2b4a5968778695a4b3c2d1'
  stub.setToken(token, { scope: 'other' })
  for (const mode of ['hydra', 'status-500'] as const) {
    stub.mode = mode
    t.notMatch(JSON.stringify(await auth.authenticate(bearer(token))), token.slice(4))
  }
  auth.purge(token)
  stub.mode = 'hydra'
  t.notMatch(JSON.stringify(await auth.authenticate(bearer(token))), token.slice(4))
})

t.test('against oidc-provider with client authentication', async (t) => {
  const oidc = await startOidcServer()
  t.teardown(() => oidc.close())
  const policy = testPolicy({
    introspection: { url: oidc.introspectionUrl, clientId: oidc.clientId, clientSecret: oidc.clientSecret, timeoutMs: 5000 },
    requiredScopes: ['ratings:read'],
  })
  const auth = new Authenticator(policy)
  t.teardown(() => auth.close())
  const reader = await oidc.issueToken('ratings:read')
  const writer = await oidc.issueToken('ratings:write')
  t.match(await auth.authenticate(bearer(reader)), { kind: 'allow', cache: 'miss', clientId: 'my-client' })
  t.match(await auth.authenticate(bearer(writer)), { kind: 'deny', reason: 'scope' })
  t.match(await auth.authenticate(bearer('forged-token')), { kind: 'deny', reason: 'inactive' })
})

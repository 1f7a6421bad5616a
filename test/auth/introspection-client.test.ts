// The introspection call against a real authorization server (oidc-provider) and against a stub
// for every way an endpoint can fail. Every failure must be a coded TokengateError.
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { IntrospectionClient } from '../../src/auth/introspection-client.js'
import { TokengateError } from '../../src/errors.js'
import { startIntrospectionStub } from '../helpers/introspection-stub.js'
import type { StubMode } from '../helpers/introspection-stub.js'
import { startOidcServer } from '../helpers/oidc-server.js'

t.test('against oidc-provider', async (t) => {
  const oidc = await startOidcServer()
  t.teardown(() => oidc.close())
  const client = new IntrospectionClient({
    url: oidc.introspectionUrl,
    clientId: oidc.clientId,
    clientSecret: oidc.clientSecret,
    timeoutMs: 5000,
  })
  t.teardown(() => client.close())

  t.test('an issued token is active, with its scope and client', async (t) => {
    const token = await oidc.issueToken('ratings:read')
    const r = await client.introspect(token)
    t.equal(r.active, true)
    t.equal(r.scope, 'ratings:read')
    t.equal(r.clientId, 'my-client')
    t.type(r.exp, 'number')
    t.ok(r.exp! * 1000 > Date.now())
  })

  t.test('an unknown token is inactive', async (t) => {
    t.same(await client.introspect('not-a-token'), { active: false })
  })

  t.test('without client authentication the server refuses: a status error, never an answer', async (t) => {
    const anonymous = new IntrospectionClient({ url: oidc.introspectionUrl, timeoutMs: 5000 })
    t.teardown(() => anonymous.close())
    const token = await oidc.issueToken('ratings:read')
    await t.rejects(anonymous.introspect(token), { code: 'TG_ERR_INTROSPECTION_STATUS' })
  })

  t.test('a wrong secret is refused', async (t) => {
    const wrong = new IntrospectionClient({ url: oidc.introspectionUrl, clientId: 'my-client', clientSecret: 'nope', timeoutMs: 5000 })
    t.teardown(() => wrong.close())
    await t.rejects(wrong.introspect('x'), { code: 'TG_ERR_INTROSPECTION_STATUS' })
  })
})

t.test('the wire format: form body, Accept, Basic with form-encoded credentials, x-request-id', async (t) => {
  const stub = await startIntrospectionStub()
  t.teardown(() => stub.close())
  stub.setToken('tok', { scope: 'ratings:read', sub: 'alice', aud: ['ratings'], ext: { email: 'a@example.com' } })
  const client = new IntrospectionClient({
    url: stub.url,
    clientId: 'my client',
    clientSecret: 'p@ss:word',
    timeoutMs: 5000,
    keepClaims: ['email', 'sub', 'absent'],
  })
  t.teardown(() => client.close())
  const r = await client.introspect('tok', { requestId: 'req-1' })
  const call = stub.calls[0]!
  t.equal(call.headers['content-type'], 'application/x-www-form-urlencoded')
  t.equal(call.headers['accept'], 'application/json')
  t.equal(call.headers['x-request-id'], 'req-1')
  t.equal(call.form.get('token'), 'tok')
  t.equal(call.form.get('token_type_hint'), 'access_token')
  // RFC 6749 §2.3.1: form-urlencode, then join, then base64.
  const decoded = Buffer.from(call.headers.authorization!.replace(/^Basic /, ''), 'base64').toString()
  t.equal(decoded, 'my+client:p%40ss%3Aword')
  t.match(r, { active: true, scope: 'ratings:read', sub: 'alice', clientId: 'my-client', tokenUse: 'access_token' })
  t.same(r.aud, ['ratings'])
  t.same({ ...r.claims }, { email: 'a@example.com', sub: 'alice' }, 'only the kept claims, from ext too')
  t.notOk('iat' in r, 'trimmed')
})

t.test('a public client sends client_id in the form and no Authorization', async (t) => {
  const stub = await startIntrospectionStub()
  t.teardown(() => stub.close())
  const client = new IntrospectionClient({ url: stub.url, clientId: 'pub', timeoutMs: 5000 })
  t.teardown(() => client.close())
  await client.introspect('x')
  t.equal(stub.calls[0]!.form.get('client_id'), 'pub')
  t.equal(stub.calls[0]!.headers.authorization, undefined)
})

t.test('Hydra answers', async (t) => {
  const stub = await startIntrospectionStub()
  t.teardown(() => stub.close())
  const client = new IntrospectionClient({ url: stub.url, timeoutMs: 5000 })
  t.teardown(() => client.close())
  t.same(await client.introspect('unknown'), { active: false })
  stub.setToken('rt', { tokenUse: 'refresh_token' })
  t.match(await client.introspect('rt'), { active: true, tokenUse: 'refresh_token' })
})

const faults: Array<[StubMode, string]> = [
  ['status-500', 'TG_ERR_INTROSPECTION_STATUS'],
  ['redirect', 'TG_ERR_INTROSPECTION_STATUS'],
  ['non-json', 'TG_ERR_INTROSPECTION_RESPONSE'],
  ['wrong-content-type', 'TG_ERR_INTROSPECTION_RESPONSE'],
  ['huge-body', 'TG_ERR_INTROSPECTION_RESPONSE'],
  // A timeout here would mean the client waited for a body it should have refused by its length.
  ['huge-declared', 'TG_ERR_INTROSPECTION_RESPONSE'],
  ['deep-json', 'TG_ERR_INTROSPECTION_RESPONSE'],
  ['active-string', 'TG_ERR_INTROSPECTION_RESPONSE'],
  ['active-number', 'TG_ERR_INTROSPECTION_RESPONSE'],
  ['exp-string', 'TG_ERR_INTROSPECTION_RESPONSE'],
  ['hang', 'TG_ERR_INTROSPECTION_TIMEOUT'],
  ['slow-drip', 'TG_ERR_INTROSPECTION_TIMEOUT'],
]

t.test('faults', async (t) => {
  const stub = await startIntrospectionStub()
  t.teardown(() => stub.close())
  stub.setToken('tok', { scope: 'a' })
  for (const [mode, code] of faults) {
    t.test(mode, async (t) => {
      stub.mode = mode
      const client = new IntrospectionClient({ url: stub.url, timeoutMs: 300 })
      t.teardown(() => client.close())
      const err = await client.introspect('tok').then(
        () => undefined,
        (e: unknown) => e,
      )
      t.type(err, TokengateError)
      t.equal((err as TokengateError).code, code)
    })
  }
  t.test('the redirect target is never asked', async (t) => {
    stub.mode = 'redirect'
    const before = stub.callCount
    const client = new IntrospectionClient({ url: stub.url, timeoutMs: 1000 })
    t.teardown(() => client.close())
    await t.rejects(client.introspect('tok'))
    t.equal(stub.callCount, before + 1)
  })
})

t.test('a refused port is unavailable', async (t) => {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as AddressInfo
  await new Promise((resolve) => probe.close(resolve))
  const client = new IntrospectionClient({ url: `http://127.0.0.1:${port}/introspect`, timeoutMs: 2000 })
  t.teardown(() => client.close())
  const err = (await client.introspect('tok').catch((e: unknown) => e)) as TokengateError
  t.equal(err.code, 'TG_ERR_INTROSPECTION_UNAVAILABLE')
  t.ok(err.cause, 'the transport error is kept as the cause')
})

t.test('a non-http URL is a config error', async (t) => {
  t.throws(() => new IntrospectionClient({ url: 'file:///etc/passwd', timeoutMs: 1 }), { code: 'TG_ERR_CONFIG_INVALID' })
})

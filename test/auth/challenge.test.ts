// The deny and unavailable answers: status, WWW-Authenticate (RFC 6750 §3) and body agree.
import t from 'tap'
import { denial, unavailable } from '../../src/auth/challenge.js'
import { testPolicy } from './fixtures/policy.js'

t.test('missing credentials: realm only, no error attributes (RFC 6750 §3.1)', async (t) => {
  const r = denial(testPolicy(), { description: 'no Authorization header' })
  t.equal(r.statusCode, 403)
  t.equal(r.headers['www-authenticate'], 'Bearer realm="tokengate"')
  t.same(JSON.parse(r.body), { error: 'invalid_request', error_description: 'no Authorization header' })
  t.equal(r.headers['content-type'], 'application/json; charset=utf-8')
  t.equal(r.headers['cache-control'], 'no-store')
})

t.test('invalid_token', async (t) => {
  const r = denial(testPolicy({ realm: 'api' }), { error: 'invalid_token', description: 'the access token is not active' })
  t.equal(r.statusCode, 403)
  t.equal(r.headers['www-authenticate'], 'Bearer realm="api", error="invalid_token", error_description="the access token is not active"')
  t.same(JSON.parse(r.body), { error: 'invalid_token', error_description: 'the access token is not active' })
})

t.test('insufficient_scope names the scopes and is 403 in both modes', async (t) => {
  for (const deniedStatus of [401, 403] as const) {
    const r = denial(testPolicy({ deniedStatus, requiredScopes: ['ratings:read', 'ratings:write'] }), {
      error: 'insufficient_scope',
      description: 'lacks a scope',
    })
    t.equal(r.statusCode, 403)
    t.equal(
      r.headers['www-authenticate'],
      'Bearer realm="tokengate", error="insufficient_scope", error_description="lacks a scope", scope="ratings:read ratings:write"',
    )
  }
})

t.test('strict RFC 6750 statuses with deniedStatus 401', async (t) => {
  const policy = testPolicy({ deniedStatus: 401 })
  t.equal(denial(policy, { description: 'none' }).statusCode, 401)
  t.equal(denial(policy, { error: 'invalid_token', description: 'x' }).statusCode, 401)
  t.equal(denial(policy, { error: 'invalid_request', description: 'x' }).statusCode, 400)
  t.equal(denial(testPolicy(), { error: 'invalid_request', description: 'x' }).statusCode, 403)
})

t.test('quotes, backslashes and controls cannot break out of the header', async (t) => {
  const r = denial(testPolicy({ realm: 'a"b\\c' }), { error: 'invalid_request', description: 'say "hi"\\\r\nx: y' })
  t.equal(r.headers['www-authenticate'], 'Bearer realm="a\\"b\\\\c", error="invalid_request", error_description="say hix: y"')
  t.notMatch(r.headers['www-authenticate']!, /[\r\n]/)
})

t.test('unavailable uses statusOnError and names the code', async (t) => {
  const r = unavailable(testPolicy({ statusOnError: 502 }), 'TG_ERR_INTROSPECTION_TIMEOUT')
  t.equal(r.statusCode, 502)
  t.same(JSON.parse(r.body), { error: 'temporarily_unavailable', code: 'TG_ERR_INTROSPECTION_TIMEOUT' })
  t.equal(r.headers['www-authenticate'], undefined)
})

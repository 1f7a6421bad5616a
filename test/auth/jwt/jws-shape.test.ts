// Which tokens a mixed policy verifies locally: JWS compact serialisations with an `alg` only.
import t from 'tap'
import { looksLikeJws } from '../../../src/auth/jwt/jws-shape.js'
import { typAccepted, scopeOf } from '../../../src/auth/jwt/claims.js'

const b64 = (v: unknown): string => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url')

t.test('JWS-shaped tokens', async (t) => {
  const cases: Array<[string, boolean]> = [
    [`${b64({ alg: 'RS256', kid: 'k' })}.${b64({ sub: 'a' })}.c2ln`, true],
    [`${b64({ alg: 'none' })}.${b64({ sub: 'a' })}.`, true],
    ['ory_at_abcdef.ghijkl', false],
    ['opaque-token', false],
    [`${b64({ typ: 'JWT' })}.${b64({})}.c2ln`, false],
    [`${b64('not json')}.${b64({})}.c2ln`, false],
    [`${b64({ alg: 5 })}.${b64({})}.c2ln`, false],
    [`${b64({ alg: 'RS256' })}..c2ln`, false],
    [`${b64({ alg: 'RS256' })}.${b64({})}.c2ln.x`, false],
    [`${b64({ alg: 'RS256' })}.${b64({})}.c2+n`, false],
    [`.${b64({})}.c2ln`, false],
  ]
  for (const [token, expected] of cases) t.equal(looksLikeJws(token), expected, token)
})

t.test('typ (RFC 9068 §4)', async (t) => {
  t.ok(typAccepted({ typ: 'at+jwt' }, true))
  t.ok(typAccepted({ typ: 'Application/AT+JWT' }, true))
  t.notOk(typAccepted({}, true))
  t.notOk(typAccepted({ typ: 'JWT' }, true))
  t.ok(typAccepted({}, false))
  t.ok(typAccepted({ typ: 'JWT' }, false))
  t.notOk(typAccepted({ typ: 'dpop+jwt' }, false))
})

t.test('scope or scp', async (t) => {
  t.equal(scopeOf({ scope: 'a b', scp: ['c'] }), 'a b')
  t.equal(scopeOf({ scp: ['c', 'd'] }), 'c d')
  t.equal(scopeOf({ scp: [1] }), undefined)
  t.equal(scopeOf({}), undefined)
})

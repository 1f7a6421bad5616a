// The compactor: what the cache stores is the same answer, sharing repeated values, within a
// bounded pool.
import t from 'tap'
import { AnswerCompactor, MAX_POOLED_VALUES } from '../../src/auth/answer-compactor.js'
import { parseIntrospectionResponse, type IntrospectionResponse } from '../../src/auth/introspection-response.js'

const hydraAnswer = (sub: string, exp: number): unknown => ({
  active: true,
  scope: 'ratings:read',
  client_id: 'bookinfo',
  sub,
  exp,
  nbf: exp - 3600,
  aud: ['ratings', 'reviews'],
  iss: 'http://hydra:4444/',
  token_use: 'access_token',
  ext: { tenant: 'acme' },
})

t.test('an equal, frozen answer with the same fields in the same order', async (t) => {
  const parsed = parseIntrospectionResponse(hydraAnswer('u1', 1_800_000_000), ['tenant', 'sub'])
  const compact = new AnswerCompactor().compact(parsed)
  t.same(compact, parsed)
  t.same(Object.keys(compact), Object.keys(parsed), 'one hidden class for every cached answer')
  t.ok(Object.isFrozen(compact))
  t.ok(Object.isFrozen(compact.aud))
  t.ok(Object.isFrozen(compact.claims))
  t.equal(Object.getPrototypeOf(compact.claims), null)
})

t.test('absent fields stay absent, and a claim named __proto__ stays a plain key', async (t) => {
  const bare = new AnswerCompactor().compact(parseIntrospectionResponse({ active: true }, []))
  t.same(Object.keys(bare), ['active'])
  const odd = parseIntrospectionResponse(JSON.parse('{"active":true,"__proto__":"x"}'), ['__proto__'])
  const compact = new AnswerCompactor().compact(odd)
  t.equal(Object.hasOwn(compact.claims!, '__proto__'), true)
  t.equal(compact.claims!['__proto__'], 'x')
})

t.test('inactive answers pass through: they are one shared object already', async (t) => {
  const inactive = parseIntrospectionResponse({ active: false }, [])
  t.equal(new AnswerCompactor().compact(inactive), inactive)
})

t.test('answers for different tokens share their audience list', async (t) => {
  const compactor = new AnswerCompactor()
  const a = compactor.compact(parseIntrospectionResponse(hydraAnswer('u1', 1_800_000_000), []))
  const b = compactor.compact(parseIntrospectionResponse(hydraAnswer('u2', 1_800_000_600), []))
  t.equal(a.aud, b.aud)
  t.equal(a.sub, 'u1')
  t.equal(b.sub, 'u2')
  t.equal(b.exp, 1_800_000_600)
  const split = compactor.compact(parseIntrospectionResponse({ active: true, aud: ['ratings,reviews'] }, []))
  t.same(split.aud, ['ratings,reviews'], 'list boundaries are part of the key')
  const none = compactor.compact(parseIntrospectionResponse({ active: true, aud: [] }, []))
  t.same(none.aud, [])
})

t.test('the pool stays bounded however many distinct values the server sends', async (t) => {
  const compactor = new AnswerCompactor()
  let last: IntrospectionResponse | undefined
  let most = 0
  for (let i = 0; i < 3 * MAX_POOLED_VALUES; i++) {
    last = compactor.compact(parseIntrospectionResponse({ active: true, sub: `user-${i}`, aud: [`aud-${i}`] }, []))
    most = Math.max(most, compactor.pooled)
  }
  t.equal(most, 2 * MAX_POOLED_VALUES, 'strings and audience lists, each pool at its bound')
  t.equal(last?.sub, `user-${3 * MAX_POOLED_VALUES - 1}`, 'values after a reset are still right')
})

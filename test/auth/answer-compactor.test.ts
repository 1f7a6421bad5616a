// The compactor: what the cache stores is the answer minus what its TTL already enforces,
// sharing repeated values and whole answers, within bounded pools.
import t from 'tap'
import { AnswerCompactor, MAX_POOLED_VALUES } from '../../src/auth/answer-compactor.js'
import { decide } from '../../src/auth/decide.js'
import { parseIntrospectionResponse, type IntrospectionResponse } from '../../src/auth/introspection-response.js'
import type { AccessTokenPolicy } from '../../src/config/types.js'

const NOW_MS = 1_800_000_000_000
const NOW_S = NOW_MS / 1000

const hydraAnswer = (sub: string, exp: number, nbf = exp - 3600): unknown => ({
  active: true,
  scope: 'ratings:read',
  client_id: 'bookinfo',
  sub,
  exp,
  nbf,
  aud: ['ratings', 'reviews'],
  iss: 'http://hydra:4444/',
  token_use: 'access_token',
  ext: { tenant: 'acme' },
})

const withoutTimes = ({ exp: _exp, nbf: _nbf, ...rest }: IntrospectionResponse): IntrospectionResponse => rest

t.test('the answer without exp and a past nbf, frozen, its fields in the same order', async (t) => {
  const parsed = parseIntrospectionResponse(hydraAnswer('u1', NOW_S + 600), ['tenant', 'sub'])
  const compact = new AnswerCompactor().compact(parsed, NOW_MS)
  t.same(compact, withoutTimes(parsed))
  t.same(Object.keys(compact), ['active', 'scope', 'clientId', 'sub', 'iss', 'tokenUse', 'aud', 'claims'], 'one hidden class for every such answer')
  t.ok(Object.isFrozen(compact))
  t.ok(Object.isFrozen(compact.aud))
  t.ok(Object.isFrozen(compact.claims))
  t.equal(Object.getPrototypeOf(compact.claims), null)
})

t.test('absent fields stay absent, and a claim named __proto__ stays a plain key', async (t) => {
  const bare = new AnswerCompactor().compact(parseIntrospectionResponse({ active: true }, []), NOW_MS)
  t.same(Object.keys(bare), ['active'])
  const odd = parseIntrospectionResponse(JSON.parse('{"active":true,"__proto__":"x"}'), ['__proto__'])
  const compact = new AnswerCompactor().compact(odd, NOW_MS)
  t.equal(Object.hasOwn(compact.claims!, '__proto__'), true)
  t.equal(compact.claims!['__proto__'], 'x')
})

t.test('inactive answers pass through: they are one shared object already', async (t) => {
  const inactive = parseIntrospectionResponse({ active: false }, [])
  t.equal(new AnswerCompactor().compact(inactive, NOW_MS), inactive)
})

t.test('answers that differ only in exp and a past nbf are one object', async (t) => {
  const compactor = new AnswerCompactor()
  const a = compactor.compact(parseIntrospectionResponse(hydraAnswer('u1', NOW_S + 600), []), NOW_MS)
  const b = compactor.compact(parseIntrospectionResponse(hydraAnswer('u1', NOW_S + 1200), []), NOW_MS)
  t.equal(a, b, 'two tokens of one user')
  const other = compactor.compact(parseIntrospectionResponse(hydraAnswer('u2', NOW_S + 600), []), NOW_MS)
  t.not(other, a, 'another user')
  t.equal(other.sub, 'u2')
  t.equal(other.aud, a.aud, 'sharing the audience list')
  t.not(compactor.compact(parseIntrospectionResponse(hydraAnswer('u1', NOW_S + 600), ['tenant']), NOW_MS), a, 'kept claims are part of the key')
  const narrower = compactor.compact(parseIntrospectionResponse({ ...(hydraAnswer('u1', NOW_S + 600) as object), scope: 'ratings' }, []), NOW_MS)
  t.not(narrower, a, 'another scope')
  t.equal(narrower.scope, 'ratings')
  const split = compactor.compact(parseIntrospectionResponse({ active: true, aud: ['ratings,reviews'] }, []), NOW_MS)
  t.same(split.aud, ['ratings,reviews'], 'list boundaries are part of the key')
  const none = compactor.compact(parseIntrospectionResponse({ active: true, aud: [] }, []), NOW_MS)
  t.same(none.aud, [])
})

t.test('an nbf still ahead when stored is kept, with exp, so decide still checks it', async (t) => {
  const compactor = new AnswerCompactor()
  const early = parseIntrospectionResponse(hydraAnswer('u1', NOW_S + 600, NOW_S + 5), [])
  const compact = compactor.compact(early, NOW_MS)
  t.same(compact, early)
  t.not(compactor.compact(early, NOW_MS), compact, 'not shared: its times are its own')
  const policy = { clockSkewMs: 0, trustedIssuers: [], requiredAudiences: [], requiredScopes: [] } as unknown as AccessTokenPolicy
  t.same(decide(compact, policy, NOW_MS), decide(early, policy, NOW_MS))
  t.equal(decide(compact, policy, NOW_MS).granted, false, 'not valid yet')
  t.equal(decide(compact, policy, NOW_MS + 5_000).granted, true)
  const atNow = compactor.compact(parseIntrospectionResponse(hydraAnswer('u1', NOW_S + 600, NOW_S), []), NOW_MS)
  t.equal(atNow.nbf, undefined, 'an nbf equal to the clock is already behind it')
})

t.test('the pools stay bounded however many distinct values the server sends', async (t) => {
  const compactor = new AnswerCompactor()
  let last: IntrospectionResponse | undefined
  let most = 0
  for (let i = 0; i < 3 * MAX_POOLED_VALUES; i++) {
    last = compactor.compact(parseIntrospectionResponse({ active: true, sub: `user-${i}`, aud: [`aud-${i}`] }, []), NOW_MS)
    most = Math.max(most, compactor.pooled)
  }
  t.equal(most, 3 * MAX_POOLED_VALUES, 'strings, audience lists and answers, each pool at its bound')
  t.equal(last?.sub, `user-${3 * MAX_POOLED_VALUES - 1}`, 'values after a reset are still right')
})

// decide() as a table: every reason a token is refused, and the near misses that must pass.
import t from 'tap'
import { decide } from '../../src/auth/decide.js'
import type { IntrospectionResponse } from '../../src/auth/introspection-response.js'
import type { AccessTokenPolicy } from '../../src/config/types.js'
import { testPolicy } from './fixtures/policy.js'

const NOW_MS = 1_700_000_000_000
const NOW_S = NOW_MS / 1000

const cases: Array<[name: string, response: IntrospectionResponse, policy: Partial<AccessTokenPolicy>, expected: string]> = [
  ['active, no requirements', { active: true }, {}, 'granted'],
  ['inactive', { active: false }, {}, 'inactive'],
  ['exp in the past', { active: true, exp: NOW_S - 1 }, {}, 'expired'],
  ['exp exactly now (RFC 7519: on or after)', { active: true, exp: NOW_S }, {}, 'expired'],
  ['exp in the future', { active: true, exp: NOW_S + 1 }, {}, 'granted'],
  ['nbf within the skew', { active: true, nbf: NOW_S + 5 }, { clockSkewMs: 10_000 }, 'granted'],
  ['nbf beyond the skew', { active: true, nbf: NOW_S + 11 }, { clockSkewMs: 10_000 }, 'not_yet_valid'],
  ['nbf future, no skew', { active: true, nbf: NOW_S + 1 }, { clockSkewMs: 0 }, 'not_yet_valid'],
  ['refresh token', { active: true, tokenUse: 'refresh_token' }, {}, 'refresh_token'],
  ['access token use', { active: true, tokenUse: 'access_token' }, {}, 'granted'],
  ['scope: all required present', { active: true, scope: 'a b c' }, { requiredScopes: ['a', 'c'] }, 'granted'],
  ['scope: one missing', { active: true, scope: 'a b' }, { requiredScopes: ['a', 'c'] }, 'scope'],
  ['scope: no scope at all', { active: true }, { requiredScopes: ['a'] }, 'scope'],
  ['scope: case-sensitive', { active: true, scope: 'A' }, { requiredScopes: ['a'] }, 'scope'],
  ['scope: a prefix is not the scope', { active: true, scope: 'ratings:readwrite' }, { requiredScopes: ['ratings:read'] }, 'scope'],
  ['aud: array contains it', { active: true, aud: ['x', 'ratings'] }, { requiredAudiences: ['ratings'] }, 'granted'],
  ['aud: from a string', { active: true, aud: ['ratings'] }, { requiredAudiences: ['ratings'] }, 'granted'],
  ['aud: missing', { active: true }, { requiredAudiences: ['ratings'] }, 'audience'],
  ['aud: other', { active: true, aud: ['other'] }, { requiredAudiences: ['ratings'] }, 'audience'],
  ['aud: all required must be present', { active: true, aud: ['a'] }, { requiredAudiences: ['a', 'b'] }, 'audience'],
  ['issuer trusted', { active: true, iss: 'https://hydra/' }, { trustedIssuers: ['https://hydra/'] }, 'granted'],
  ['issuer untrusted', { active: true, iss: 'https://evil/' }, { trustedIssuers: ['https://hydra/'] }, 'issuer'],
  ['issuer absent', { active: true }, { trustedIssuers: ['https://hydra/'] }, 'issuer'],
  [
    'user id present',
    { active: true, claims: { email: 'a@x' } },
    { introspection: { url: 'http://x', timeoutMs: 1, userIdAttributeName: 'email' } },
    'granted',
  ],
  [
    'user id missing',
    { active: true, sub: 'alice' },
    { introspection: { url: 'http://x', timeoutMs: 1, userIdAttributeName: 'email' } },
    'user_id_missing',
  ],
  ['inactive wins over everything', { active: false, scope: 'a' }, { requiredScopes: ['b'] }, 'inactive'],
  ['an invalid token is not reported as a scope problem', { active: true, exp: NOW_S - 1 }, { requiredScopes: ['b'] }, 'expired'],
]

for (const [name, response, policy, expected] of cases) {
  t.test(name, async (t) => {
    const d = decide(response, testPolicy(policy), NOW_MS)
    t.equal(d.granted ? 'granted' : d.reason, expected)
    if (!d.granted) {
      t.equal(d.error, d.reason === 'scope' ? 'insufficient_scope' : 'invalid_token')
      t.ok(d.description.length > 0)
    }
  })
}

t.test('a cached answer is re-judged against each policy (CVE-2021-32701)', async (t) => {
  const cached: IntrospectionResponse = { active: true, scope: 'ratings:read' }
  t.equal(decide(cached, testPolicy({ requiredScopes: ['ratings:read'] }), NOW_MS).granted, true)
  t.equal(decide(cached, testPolicy({ requiredScopes: ['ratings:write'] }), NOW_MS).granted, false)
})

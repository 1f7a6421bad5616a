// Identity headers: every spelling of what we set is stripped; unsafe values are never set.
import t from 'tap'
import { claimsNeeded, identityHeaderMatcher, identityHeaderNames, identityHeaderValues } from '../../src/auth/identity-headers.js'
import { testPolicy } from './fixtures/policy.js'

const policy = testPolicy({
  claimsToHeaders: [
    { claim: 'email', header: 'x-user-email', append: false },
    { claim: 'groups', header: 'x-groups', append: false },
    { claim: 'team', header: 'x-groups', append: true },
  ],
  userIdHeader: 'x-user-id',
})

t.test('names to remove include the underscore twins (CVE-2025-64484)', async (t) => {
  t.same([...identityHeaderNames(policy)].sort(), ['x-groups', 'x-user-email', 'x-user-id', 'x_groups', 'x_user_email', 'x_user_id'])
})

t.test('the matcher catches mixed spellings and case', async (t) => {
  const is = identityHeaderMatcher(policy)
  for (const name of ['x-user-id', 'X_User-Id', 'x-user_id', 'X-USER-ID']) t.ok(is(name), name)
  for (const name of ['x-user-idx', 'x-userid', 'authorization']) t.notOk(is(name), name)
})

t.test('claims needed: mapped claims and the user id claim', async (t) => {
  t.same([...claimsNeeded(policy)].sort(), ['email', 'groups', 'sub', 'team'])
  t.same(claimsNeeded(testPolicy()), [])
})

t.test('values from claims and sub; append joins', async (t) => {
  const values = identityHeaderValues({ active: true, sub: 'alice', claims: { email: 'a@x', groups: 'g1,g2', team: 't' } }, policy)
  t.same(Object.fromEntries(values), { 'x-user-email': 'a@x', 'x-groups': 'g1,g2, t', 'x-user-id': 'alice' })
})

t.test('CR, LF, NUL and non-Latin-1 values are dropped, never set', async (t) => {
  for (const bad of ['a\r\nx-admin: 1', 'a\nb', 'a\0b', 'a\x7fb', '名前']) {
    const values = identityHeaderValues({ active: true, sub: 'ok', claims: { email: bad } }, policy)
    t.notOk(values.some(([name]) => name === 'x-user-email'), JSON.stringify(bad))
  }
})

t.test('absent claims set nothing', async (t) => {
  t.same(identityHeaderValues({ active: true }, policy), [])
})

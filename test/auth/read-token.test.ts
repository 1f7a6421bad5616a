import t from 'tap'
import { readToken } from '../../src/auth/read-token.js'
import type { TokenSource } from '../../src/config/types.js'

const AUTH: TokenSource = { kind: 'authorization' }

/** A request as Node would parse it: `headers` keeps the first duplicate, `rawHeaders` all of them. */
function req(raw: string[], query = ''): Parameters<typeof readToken>[0] {
  const headers: Record<string, string> = {}
  for (let i = 0; i < raw.length; i += 2) headers[raw[i]!.toLowerCase()] ??= raw[i + 1]!
  return { headers, rawHeaders: raw, query }
}

const cases: Array<[name: string, raw: string[], expected: string]> = [
  ['no Authorization header', [], 'missing'],
  ['Basic scheme (unsupported method, RFC 6750 §3.1)', ['Authorization', 'Basic dXNlcjpwYXNz'], 'missing'],
  ['empty value', ['Authorization', ''], 'invalid_request'],
  ['Bearer alone', ['Authorization', 'Bearer'], 'invalid_request'],
  ['Bearer with two spaces', ['Authorization', 'Bearer  abc'], 'invalid_request'],
  ['Bearer and a tab', ['Authorization', 'Bearer\tabc'], 'invalid_request'],
  ['Bearer glued to the token', ['Authorization', 'Bearerabc'], 'invalid_request'],
  ['token with a space inside', ['Authorization', 'Bearer abc def'], 'invalid_request'],
  ['non-ASCII token', ['Authorization', 'Bearer abcé'], 'invalid_request'],
  ['= in the middle', ['Authorization', 'Bearer ab=cd'], 'invalid_request'],
  ['only padding', ['Authorization', 'Bearer ==='], 'invalid_request'],
  ['5000-char token', ['Authorization', `Bearer ${'a'.repeat(5000)}`], 'invalid_request'],
  ['a longer name that starts with Authorization', ['Authorization-Extra', 'Bearer abc'], 'missing'],
  ['a name of the same length, one letter off', ['Authorizatiom', 'Bearer abc'], 'missing'],
  ['duplicate Authorization', ['Authorization', 'Bearer abc', 'authorization', 'Bearer def'], 'invalid_request'],
  ['duplicate Authorization, second one odd', ['Authorization', 'Bearer abc', 'AUTHORIZATION', 'Basic x'], 'invalid_request'],
  ['token68 with = padding', ['Authorization', 'Bearer abc=='], 'token:abc=='],
  ['lower-case scheme', ['authorization', 'bearer abc'], 'token:abc'],
  ['upper-case scheme', ['Authorization', 'BEARER abc'], 'token:abc'],
  ['all token68 characters', ['Authorization', 'Bearer AZaz09-._~+/='], 'token:AZaz09-._~+/='],
  ['4096-char token is the limit', ['Authorization', `Bearer ${'a'.repeat(4096)}`], `token:${'a'.repeat(4096)}`],
]

for (const [name, raw, expected] of cases) {
  t.test(name, async (t) => {
    const result = readToken(req(raw), AUTH, 4096)
    t.equal(result.ok ? `token:${result.token}` : result.error, expected)
    if (!result.ok) t.ok(result.description.length > 0, 'has a description')
  })
}

t.test('a named header carries a raw token68, once', async (t) => {
  const source: TokenSource = { kind: 'header', name: 'x-access-token' }
  t.same(readToken(req(['X-Access-Token', 'abc']), source, 4096), { ok: true, token: 'abc' })
  t.equal(readToken(req([]), source, 4096).ok, false)
  t.match(readToken(req([]), source, 4096), { error: 'missing' })
  t.match(readToken(req(['x-access-token', 'a', 'X-ACCESS-TOKEN', 'b']), source, 4096), { error: 'invalid_request' })
  t.match(readToken(req(['x-access-token', 'Bearer abc']), source, 4096), { error: 'invalid_request' })
  t.match(readToken(req(['x-access-token', '']), source, 4096), { error: 'invalid_request' })
})

t.test('the access_token query parameter (RFC 6750 §2.3)', async (t) => {
  const source: TokenSource = { kind: 'query', name: 'access_token' }
  t.same(readToken(req([], '?access_token=abc%2B%2F&x=1'), source, 4096), { ok: true, token: 'abc+/' })
  t.same(readToken(req([], 'access_token=abc'), source, 4096), { ok: true, token: 'abc' })
  t.match(readToken(req([], 'x=1'), source, 4096), { error: 'missing' })
  t.match(readToken(req([], 'access_token=a&access_token=b'), source, 4096), { error: 'invalid_request' })
  // Form encoding: a literal `+` is a space, which no token contains.
  t.match(readToken(req([], 'access_token=a+b'), source, 4096), { error: 'invalid_request' })
  t.match(readToken(req([], 'access_token='), source, 4096), { error: 'invalid_request' })
})

t.test('a cookie by name (RFC 6265 §5.4)', async (t) => {
  const source: TokenSource = { kind: 'cookie', name: 'at' }
  t.same(readToken(req(['Cookie', 'a=1; at=abc; b=2']), source, 4096), { ok: true, token: 'abc' })
  t.same(readToken(req(['Cookie', 'at="abc"']), source, 4096), { ok: true, token: 'abc' })
  t.match(readToken(req(['Cookie', 'AT=abc']), source, 4096), { error: 'missing' }, 'names are case-sensitive')
  t.match(readToken(req(['Cookie', 'xat=abc']), source, 4096), { error: 'missing' })
  t.match(readToken(req([]), source, 4096), { error: 'missing' })
  t.match(readToken(req(['Cookie', 'at=a; at=b']), source, 4096), { error: 'invalid_request' })
  t.match(readToken(req(['Cookie', 'at=a b']), source, 4096), { error: 'invalid_request' })
})

t.test('the length limit is the one given', async (t) => {
  t.match(readToken(req(['Authorization', 'Bearer abcdef']), AUTH, 5), { error: 'invalid_request' })
  t.match(readToken(req(['Authorization', 'Bearer abcde']), AUTH, 5), { ok: true })
})

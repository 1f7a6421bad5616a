// Path normalisation: the bypasses other proxies fell for, and RFC 3986 §6.2.2 / §5.2.4.
import t from 'tap'
import { normalizeRequestTarget } from '../../src/routing/request-target.js'
import { isTokengateError } from '../../src/errors.js'

const normalised: Array<[raw: string, path: string, query?: string, authority?: string]> = [
  ['/', '/'],
  ['/ratings/1', '/ratings/1'],
  ['/ratings/', '/ratings/'],
  // Known bypasses (issue 2 §4).
  ['/public/../ratings/1', '/ratings/1'], // CVE-2019-9901 class
  ['//ratings/1', '/ratings/1'],
  ['/%72atings/1', '/ratings/1'],
  ['/ratings/./1', '/ratings/1'],
  ['/ratings/1#frag', '/ratings/1'], // CVE-2021-32779 class
  ['/ratings/1#/../admin', '/ratings/1'],
  ['/ratings?x=1#frag', '/ratings', 'x=1'],
  ['/%2e%2e/ratings', '/ratings'],
  ['/%2E%2E/ratings', '/ratings'],
  ['/a/%2E./b', '/b'],
  ['/a/.%2e/b', '/b'],
  ['/..', '/'],
  ['/../..', '/'],
  ['/a/..', '/'],
  ['/a/b/..', '/a/'],
  ['/a/.', '/a/'],
  ['/a//b///c', '/a/b/c'],
  ['/a/b/../../../../c', '/c'],
  ['/...', '/...'],
  ['/.well-known/openid-configuration', '/.well-known/openid-configuration'],
  ['/a.b/c..d', '/a.b/c..d'],
  // The query is validated and forwarded untouched; it never influences the path (CVE-2025-54576 class).
  ['/ratings?x=/../admin', '/ratings', 'x=/../admin'],
  ['/ratings?a=1&b=%2F?c', '/ratings', 'a=1&b=%2F?c'],
  ['/ratings?', '/ratings', ''],
  // RFC 3986 §6.2.2.2 / §6.2.2.1.
  ['/%7Euser', '/~user'],
  ['/%7euser', '/~user'],
  ['/%41%5a%61%7a%30%39%2D%5F', '/AZaz09-_'],
  ['/a%20b', '/a%20b'],
  ['/a%c3%a9', '/a%C3%A9'],
  ['/a%3b', '/a%3B'],
  ['/a%25', '/a%25'],
  ['/a%252F', '/a%252F'],
  ["/!$&'()*+,=:@-._~", "/!$&'()*+,=:@-._~"],
  // Absolute form (RFC 9112 §3.2.2).
  ['http://Example.com:8080/x?y=1', '/x', 'y=1', 'example.com:8080'],
  ['HTTPS://api.example.com', '/', '', 'api.example.com'],
  ['http://api.example.com?q', '/', 'q', 'api.example.com'],
  ['/items?filter[name]=a|b', '/items', 'filter[name]=a|b'],
  ['http://[::1]:8080//a/../b', '/b', '', '[::1]:8080'],
]

for (const [raw, path, query = '', authority] of normalised) {
  t.test(`normalises ${JSON.stringify(raw)}`, async (t) => {
    const got = normalizeRequestTarget(raw)
    t.equal(got.path, path)
    t.equal(got.query, query)
    t.equal(got.authority, authority)
  })
}

const rejected: string[] = [
  '',
  '*',
  'example.com:443',
  'ratings/1',
  'ftp://example.com/x',
  'http:///x',
  'http://user@example.com/x',
  'http://exa mple.com/x',
  'http://example.com:99999/x',
  '/ratings%2F1', // CVE-2021-29492 class
  '/ratings%2f1',
  '/ratings%5C1',
  '/%5c',
  '/ratings;x/1',
  '/public/..;/ratings', // Tomcat reads `..;` as `..`
  '/ratings;',
  '/;/ratings',
  '/%',
  '/%2',
  '/%zz',
  '/%g0',
  '/%00',
  '/a b',
  '/a"b',
  '/a<b',
  '/a>b',
  '/a\\b',
  '/a{b',
  '/a}b',
  '/a|b',
  '/a^b',
  '/a`b',
  '/a[b',
  '/a\tb',
  '/a\x00b',
  '/a\x7fb',
  '/a\r\nb',
  '/caf\u00e9',
  '/\u{1F600}',
  '/ratings?a b',
  '/ratings?a=%zz',
  '/ratings?a=%',
  '/ratings?a="b"',
  '/ratings?a\\b',
]

for (const raw of rejected) {
  t.test(`rejects ${JSON.stringify(raw)}`, async (t) => {
    t.throws(() => normalizeRequestTarget(raw), { code: 'TG_ERR_PATH_INVALID', statusCode: 400 })
  })
}

t.test('the error is a TokengateError with a reason', async (t) => {
  try {
    normalizeRequestTarget('/ratings;x/1')
    t.fail('should throw')
  } catch (err) {
    t.ok(isTokengateError(err))
    t.match((err as Error).message, /;/)
  }
})

t.test('the fast path returns the input slices unchanged', async (t) => {
  const got = normalizeRequestTarget('/ratings/1?x=1')
  t.same(got, { path: '/ratings/1', query: 'x=1' })
  t.notOk('authority' in got)
})

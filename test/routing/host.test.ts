// Host header parsing (RFC 9110 §7.2) and route host patterns (exact, `*.suffix`, `*`, `:port`).
import t from 'tap'
import { hostMatches, parseHost } from '../../src/routing/host.js'

const parsed: Array<[value: string, hostname: string, port?: string]> = [
  ['example.com', 'example.com'],
  ['API.Example.COM', 'api.example.com'],
  ['api.example.com:8080', 'api.example.com', '8080'],
  ['api.example.com:080', 'api.example.com', '80'],
  ['api.example.com:', 'api.example.com'],
  ['api.example.com.', 'api.example.com'],
  ['api.example.com.:443', 'api.example.com', '443'],
  ['127.0.0.1:9080', '127.0.0.1', '9080'],
  ['localhost', 'localhost'],
  ['my_host', 'my_host'],
  ['[::1]', '[::1]'],
  ['[::1]:8080', '[::1]', '8080'],
  ['[2001:DB8::1]:443', '[2001:db8::1]', '443'],
]

for (const [value, hostname, port] of parsed) {
  t.test(`parses ${JSON.stringify(value)}`, async (t) => {
    t.same(parseHost(value), port === undefined ? { hostname } : { hostname, port })
  })
}

const refused: Array<string | undefined> = [
  undefined,
  '',
  ' ',
  'example.com ',
  ' example.com',
  'exa mple.com',
  'a.com,b.com', // two Host headers joined
  'a.com, b.com',
  'user@example.com',
  'user:pw@example.com',
  'example.com:http',
  'example.com:65536',
  'example.com:123456',
  'example.com:-1',
  'example.com:80:80',
  'a..b',
  '.example.com',
  '.',
  'example.com..',
  'ex*ample.com',
  'ex%41mple.com',
  'caf\u00e9.com',
  'a\tb',
  '[::1',
  '[::1]x',
  '[::1]:x',
  '[zz::1]',
  '[fe80::1%25eth0]',
  '[127.0.0.1]',
  'a'.repeat(254),
]

for (const value of refused) {
  t.test(`refuses ${JSON.stringify(value)}`, async (t) => {
    t.equal(parseHost(value), undefined)
  })
}

const matches: Array<[pattern: string, hostname: string, port: string | undefined, expected: boolean]> = [
  ['*', 'anything.example', undefined, true],
  ['*', 'anything.example', '8080', true],
  ['api.example.com', 'api.example.com', undefined, true],
  ['api.example.com', 'api.example.com', '8080', true], // port ignored unless the pattern names one
  ['API.example.com', 'api.example.com', undefined, true],
  ['api.example.com', 'www.example.com', undefined, false],
  ['api.example.com', 'api.example.com.evil', undefined, false],
  ['api.example.com', 'xapi.example.com', undefined, false],
  ['*.example.com', 'a.example.com', undefined, true],
  ['*.example.com', 'a.b.example.com', undefined, true],
  ['*.example.com', 'example.com', undefined, false],
  ['*.example.com', 'aexample.com', undefined, false],
  ['*.example.com', 'a.example.com.evil', undefined, false],
  ['*.example.com', 'a.example.org', undefined, false],
  ['api.example.com:8080', 'api.example.com', '8080', true],
  ['api.example.com:8080', 'api.example.com', '80', false],
  ['api.example.com:8080', 'api.example.com', undefined, false],
  ['*.example.com:8443', 'a.example.com', '8443', true],
  ['*.example.com:8443', 'a.example.com', '443', false],
  ['*:8080', 'x', '8080', true],
  ['*:8080', 'x', undefined, false],
  ['[::1]', '[::1]', '8080', true],
  ['[::1]:8080', '[::1]', '8080', true],
  ['[::1]:8080', '[::1]', '9090', false],
]

for (const [pattern, hostname, port, expected] of matches) {
  t.test(`${pattern} ${expected ? 'matches' : 'does not match'} ${hostname}${port === undefined ? '' : `:${port}`}`, async (t) => {
    t.equal(hostMatches(pattern, hostname, port), expected)
  })
}

t.test('a parsed Host feeds hostMatches', async (t) => {
  const host = parseHost('A.Example.com:8443')
  t.ok(host)
  t.ok(hostMatches('*.example.com:8443', host!.hostname, host!.port))
})

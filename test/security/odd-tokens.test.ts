// Tokens of every odd shape, sent as raw bytes to the protected route. None may crash the gateway
// or reach the upstream; malformed ones are refused without an introspection call; the two
// spellings RFC 7235 §2.1 allows for the scheme (`bearer`, `BEARER`) work with the valid token.
import t from 'tap'
import { rawRequest } from '../helpers/raw-http.js'
import { VALID, VALID_SUB, startProtectedGateway } from './fixtures/protected-gateway.js'

const pg = await startProtectedGateway(t)
const host = new URL(pg.gw.url).host
const line0 = (head: string): string => head.split('\r\n')[0] ?? ''

function withAuthorization(value: string): string {
  return `GET /ratings/1 HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\nAuthorization: ${value}\r\n\r\n`
}

/** Refused before any introspection call: the reader rejects the shape. */
const malformed: Array<[string, string]> = [
  ['empty value', ''],
  ['scheme alone', 'Bearer'],
  ['scheme and a space', 'Bearer '],
  ['two spaces (RFC 6750 allows 1*SP; two readers could disagree on the token)', `Bearer  ${VALID}`],
  ['a tab instead of the space', `Bearer\t${VALID}`],
  ['scheme glued to the token', `Bearer${VALID}`],
  ['two tokens', `Bearer ${VALID} ${VALID}`],
  ['a comma list', `Bearer ${VALID}, Bearer other`],
  ['quoted token', `Bearer "${VALID}"`],
  ['padding in the middle', 'Bearer abc=def'],
  ['padding only', 'Bearer =='],
  ['auth-param syntax', 'Bearer token="abc"'],
  ['non-ASCII (Latin-1 bytes)', 'Bearer t\u00f6k\u00e9n'],
  ['non-ASCII (UTF-8 bytes as Latin-1)', 'Bearer t\u00c3\u00b6ken'],
  ['percent-encoded token', 'Bearer abc%3D'],
  ['a NUL-free control byte', 'Bearer abc\u0001def'],
  ['DEL', 'Bearer abc\u007f'],
  ['4097 characters (past maxTokenLength)', `Bearer ${'a'.repeat(4097)}`],
]

for (const [name, value] of malformed) {
  t.test(`malformed: ${name}`, async (t) => {
    const calls = pg.stub.callCount
    const mark = pg.mark()
    const res = await rawRequest(pg.gw.url, withAuthorization(value))
    t.ok(res.status === 403 || res.status === 400, line0(res.head))
    t.same(pg.since(mark), [], 'nothing reached the protected upstream')
    t.equal(pg.stub.callCount, calls, 'no introspection call')
  })
}

/** Well-formed but unknown: introspected, inactive, denied. */
for (const [name, value] of [
  ['token68 with padding', 'Bearer abc=='],
  ['every b64token character', 'Bearer AZaz09-._~+/='],
  ['exactly maxTokenLength characters', `Bearer ${'a'.repeat(4096)}`],
  ['lower-case scheme, unknown token', 'bearer unknown'],
  ['a base64url JWT-looking token', 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.'],
] as const) {
  t.test(`well-formed, unknown: ${name}`, async (t) => {
    const mark = pg.mark()
    const res = await rawRequest(pg.gw.url, withAuthorization(value))
    t.equal(res.status, 403, line0(res.head))
    t.match(res.head, /error="invalid_token"/)
    t.same(pg.since(mark), [])
  })
}

t.test('other schemes are not bearer attempts', async (t) => {
  for (const value of ['Basic YWxhZGRpbjpvcGVuc2VzYW1l', `Token ${VALID}`, `Bearer: ${VALID}`, `MAC ${VALID}`]) {
    const mark = pg.mark()
    const res = await rawRequest(pg.gw.url, withAuthorization(value))
    t.equal(res.status, 403, `${value.slice(0, 12)}…: ${line0(res.head)}`)
    t.same(pg.since(mark), [])
  }
})

t.test('a 1 MB token is refused (431 or 403), never a crash', async (t) => {
  const mark = pg.mark()
  const calls = pg.stub.callCount
  const res = await rawRequest(pg.gw.url, withAuthorization(`Bearer ${'a'.repeat(1024 * 1024)}`), 5000)
  t.ok(res.status === 431 || res.status === 403 || res.status === 400 || res.status === 0, `status ${res.status}`)
  t.same(pg.since(mark), [])
  t.equal(pg.stub.callCount, calls, 'no introspection call')
})

t.test('the scheme is case-insensitive (RFC 7235 §2.1): bearer and BEARER with the valid token are proxied', async (t) => {
  for (const scheme of ['bearer', 'BEARER', 'bEaReR']) {
    const mark = pg.mark()
    const res = await rawRequest(pg.gw.url, withAuthorization(`${scheme} ${VALID}`))
    t.equal(res.status, 200, `${scheme}: ${line0(res.head)}`)
    t.equal(pg.since(mark).length, 1)
  }
})

t.test('trailing whitespace is not part of the value (RFC 9110 §5.5 OWS), so the valid token still works', async (t) => {
  const res = await rawRequest(pg.gw.url, withAuthorization(`Bearer ${VALID} \t`))
  t.equal(res.status, 200, line0(res.head))
})

t.test('the protected upstream only ever saw authenticated requests', async (t) => {
  const bad = pg.ratings.received.filter((r) => r.headers['x-user-id'] !== VALID_SUB || !/^bearer /i.test(String(r.headers.authorization)) || !String(r.headers.authorization).endsWith(` ${VALID}`))
  t.same(bad.map((r) => r.headers.authorization), [])
})
t.test('the gateway is still alive', (t) => pg.assertAlive(t))

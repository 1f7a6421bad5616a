// Header abuse against the protected route, sent as raw bytes: two Authorization headers,
// Authorization named in Connection, spoofed identity headers in every spelling a WSGI/CGI-style
// upstream would fold onto ours (oauth2-proxy CVE-2025-64484), oversized header sets, CR/LF.
import t from 'tap'
import { get, rawRequest } from '../helpers/raw-http.js'
import { VALID, VALID_SUB, assertOnlyAuthenticated, startProtectedGateway } from './fixtures/protected-gateway.js'

const pg = await startProtectedGateway(t)
const host = new URL(pg.gw.url).host
const line0 = (head: string): string => head.split('\r\n')[0] ?? ''

function requestWith(headerLines: readonly string[], target = '/ratings/1'): string {
  return [`GET ${target} HTTP/1.1`, `Host: ${host}`, 'Connection: close', ...headerLines].join('\r\n') + '\r\n\r\n'
}

t.test('two Authorization headers are refused, whichever comes first and even when both are valid', async (t) => {
  const calls = pg.stub.callCount
  for (const pair of [
    [`Authorization: Bearer ${VALID}`, 'Authorization: Bearer other'],
    ['Authorization: Bearer other', `Authorization: Bearer ${VALID}`],
    [`Authorization: Bearer ${VALID}`, `Authorization: Bearer ${VALID}`],
    [`Authorization: Bearer ${VALID}`, 'authorization: Basic YTpi'],
    [`authorization: Bearer ${VALID}`, 'AUTHORIZATION: '],
  ]) {
    const mark = pg.mark()
    const res = await rawRequest(pg.gw.url, requestWith(pair))
    t.equal(res.status, 403, `${pair.join(' + ')}: ${line0(res.head)}`)
    t.match(res.head, /error="invalid_request"/)
    t.same(pg.since(mark), [], 'nothing reached the protected upstream')
  }
  t.equal(pg.stub.callCount, calls, 'and no introspection call was made for them')
})

t.test('Authorization listed in Connection: still authenticated; it is hop-by-hop, so it is not forwarded', async (t) => {
  const denied = await rawRequest(pg.gw.url, requestWith(['Authorization: Bearer not-a-known-token', 'Connection: close, authorization']).replace('Connection: close\r\n', ''))
  t.equal(denied.status, 403, 'an invalid token listed in Connection is still checked')
  const mark = pg.mark()
  const res = await rawRequest(pg.gw.url, [`GET /ratings/1 HTTP/1.1`, `Host: ${host}`, 'Connection: close, authorization', `Authorization: Bearer ${VALID}`].join('\r\n') + '\r\n\r\n')
  t.equal(res.status, 200, line0(res.head))
  const got = pg.since(mark)
  t.equal(got.length, 1)
  t.equal(got[0]?.headers.authorization, undefined, 'RFC 9110 §7.6.1: a header named in Connection does not travel on')
  t.equal(got[0]?.headers['x-user-id'], VALID_SUB, 'the identity the gateway set does')
  const none = await rawRequest(pg.gw.url, requestWith(['Connection: close, authorization']).replace('Connection: close\r\n', ''))
  t.equal(none.status, 403, 'no token at all, with Connection: authorization')
})

t.test('Connection naming the identity header cannot remove or replace what the gateway sets', async (t) => {
  const mark = pg.mark()
  const res = await rawRequest(pg.gw.url, requestWith([`Authorization: Bearer ${VALID}`, 'X-User-Id: mallory', 'Connection: close, x-user-id']).replace('Connection: close\r\n', ''))
  t.equal(res.status, 200)
  t.equal(pg.since(mark)[0]?.headers['x-user-id'], VALID_SUB)
})

t.test('CVE-2025-64484: every spelling of the identity header is removed; only the gateway\'s arrives', async (t) => {
  const spoofs = ['x-user-id: mallory', 'X-User-Id: mallory', 'x_user_id: mallory', 'X-User_Id: mallory', 'X_USER_ID: mallory', 'x-USER_id: mallory', 'x_user-id: mallory']
  const mark = pg.mark()
  const res = await rawRequest(pg.gw.url, requestWith([`Authorization: Bearer ${VALID}`, ...spoofs]))
  t.equal(res.status, 200, line0(res.head))
  const got = pg.since(mark)[0]
  const identityLike = Object.entries(got?.headers ?? {}).filter(([name]) => name.replaceAll('_', '-') === 'x-user-id')
  t.same(identityLike, [['x-user-id', VALID_SUB]], 'one identity header, ours, in its canonical spelling')
  t.notOk(JSON.stringify(got?.rawHeaders).includes('mallory'), 'no spoofed value reached the upstream at all')

  const before = pg.mark()
  const none = await rawRequest(pg.gw.url, requestWith(spoofs))
  t.equal(none.status, 403, 'without a token the spoofed identity gets nowhere')
  t.same(pg.since(before), [])
})

t.test('oversized header sets are refused with 431 before any authentication work', async (t) => {
  const calls = pg.stub.callCount
  const mark = pg.mark()
  const many = Array.from({ length: 2000 }, (_, i) => `X-Filler-${i}: ${'v'.repeat(8)}`)
  const big = await rawRequest(pg.gw.url, requestWith([`Authorization: Bearer ${VALID}`, ...many]))
  t.equal(big.status, 431, `2000 headers: ${line0(big.head)}`)
  const one = await rawRequest(pg.gw.url, requestWith([`Authorization: Bearer ${VALID}`, `X-Big: ${'a'.repeat(64 * 1024)}`]))
  t.equal(one.status, 431, `one 64 KB header: ${line0(one.head)}`)
  t.same(pg.since(mark), [])
  t.equal(pg.stub.callCount, calls)
})

t.test('CR or LF inside a header value never splits it into a header the upstream sees', async (t) => {
  const mark = pg.mark()
  for (const value of [`Bearer ${VALID}\rX-User-Id: mallory`, `Bearer ${VALID}\r X-User-Id: mallory`, 'x\rAuthorization: Bearer ' + VALID]) {
    const res = await rawRequest(pg.gw.url, requestWith([`X-Note: ${value}`]))
    t.ok(res.status === 400 || res.status === 403, `bare CR in a value: ${line0(res.head)}`)
  }
  const bareCrAuth = await rawRequest(pg.gw.url, requestWith([`Authorization: Bearer ${VALID}\rX-User-Id: mallory`]))
  t.ok(bareCrAuth.status === 400 || bareCrAuth.status === 403, `bare CR inside Authorization: ${line0(bareCrAuth.head)}`)
  const encoded = await get(pg.gw.url, '/ratings/1%0d%0aX-User-Id:%20mallory')
  t.ok(encoded.status === 400 || encoded.status === 403, `encoded CRLF in the path: ${line0(encoded.head)}`)
  t.same(pg.since(mark), [], 'nothing reached the protected upstream')
})

t.test('a claim carrying CR/LF from the authorization server is dropped, never turned into a header', async (t) => {
  const token = 'token-with-evil-sub'
  pg.stub.setToken(token, { sub: `bob\r\nX-Admin: true` })
  const mark = pg.mark()
  const res = await get(pg.gw.url, '/ratings/1', { Authorization: `Bearer ${token}` })
  t.ok(res.status === 200 || res.status === 503, line0(res.head))
  for (const got of pg.since(mark)) {
    t.equal(got.headers['x-admin'], undefined, 'no injected header')
    t.equal(got.headers['x-user-id'], undefined, 'the unsafe value was dropped')
  }
  assertOnlyAuthenticated(t, pg, [token])
})

t.test('the protected upstream only ever saw authenticated requests', async (t) => assertOnlyAuthenticated(t, pg, ['token-with-evil-sub']))
t.test('the gateway is still alive', (t) => pg.assertAlive(t))

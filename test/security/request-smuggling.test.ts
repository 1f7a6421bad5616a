// Request smuggling over raw sockets, aimed at the protected route: a request framed one way by
// the gateway and another by the upstream could carry an unauthenticated `GET /ratings/…` past
// the check. Each attack hides such a request in the body of one the gateway would allow.
import t from 'tap'
import { rawRequest } from '../helpers/raw-http.js'
import { VALID, assertOnlyAuthenticated, startProtectedGateway } from './fixtures/protected-gateway.js'

const pg = await startProtectedGateway(t)
const host = new URL(pg.gw.url).host
const smuggled = `GET /ratings/smuggled HTTP/1.1\r\nHost: ${host}\r\n\r\n`
const auth = `Authorization: Bearer ${VALID}`

const attacks: Array<[string, string]> = [
  ['CL.TE to the open route', `POST /open/a HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${smuggled}`],
  ['TE.CL to the open route', `POST /open/a HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\nContent-Length: ${smuggled.length + 5}\r\n\r\n0\r\n\r\n${smuggled}`],
  ['CL.TE to the protected route with a valid token', `POST /ratings/1 HTTP/1.1\r\nHost: ${host}\r\n${auth}\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${smuggled}`],
  ['two different Content-Length values', `POST /open/a HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 0\r\nContent-Length: ${smuggled.length}\r\n\r\n${smuggled}`],
  ['two Content-Length values, protected route, valid token', `POST /ratings/1 HTTP/1.1\r\nHost: ${host}\r\n${auth}\r\nContent-Length: ${smuggled.length}\r\nContent-Length: 0\r\n\r\n${smuggled}`],
  ['Content-Length with a list value', `POST /open/a HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 0, ${smuggled.length}\r\n\r\n${smuggled}`],
  ['obs-fold in Transfer-Encoding', `POST /open/a HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding:\r\n chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n${smuggled}`],
  ['obs-fold continuing Authorization', `GET /ratings/1 HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer\r\n ${VALID}\r\n\r\n`],
  ['obs-fold hiding a second Authorization', `GET /ratings/1 HTTP/1.1\r\nHost: ${host}\r\nX-A: a\r\n Authorization: Bearer ${VALID}\r\n\r\n`],
  ['Transfer-Encoding: chunked twice', `POST /open/a HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${smuggled}`],
  ['Transfer-Encoding with a tab before chunked', `POST /open/a HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding:\tchunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n${smuggled}`],
  ['Transfer-Encoding: xchunked', `POST /open/a HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: xchunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n${smuggled}`],
  ['space before the header colon', `POST /open/a HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding : chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n${smuggled}`],
  ['chunk size with an overflow', `POST /open/a HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFF1\r\nx\r\n0\r\n\r\n${smuggled}`],
  ['bare LF line endings with both framings', `POST /open/a HTTP/1.1\nHost: ${host}\nContent-Length: 0\nTransfer-Encoding: chunked\n\n0\n\n${smuggled}`],
]

for (const [name, bytes] of attacks) {
  t.test(name, async (t) => {
    const mark = pg.mark()
    const res = await rawRequest(pg.gw.url, bytes, 3000)
    const statuses = [...res.raw.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]))
    t.ok(statuses.every((s) => s === 400 || s === 403 || s === 413), `refused or denied (statuses ${JSON.stringify(statuses)})`)
    t.notOk(pg.ratings.received.some((r) => r.url === '/ratings/smuggled'), 'the smuggled request never reached the protected upstream')
    t.same(pg.since(mark), [], 'nothing reached the protected upstream')
  })
}

t.test('pipelining: an allowed request followed by an unauthenticated one on the same socket', async (t) => {
  const mark = pg.mark()
  const res = await rawRequest(
    pg.gw.url,
    `GET /ratings/1 HTTP/1.1\r\nHost: ${host}\r\n${auth}\r\n\r\nGET /ratings/2 HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
    3000,
  )
  const statuses = [...res.raw.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]))
  t.same(statuses, [200, 403], 'the first is proxied, the second denied: credentials do not carry over a connection')
  t.same(pg.since(mark).map((r) => r.url), ['/ratings/1'])
})

t.test('the protected upstream only ever saw authenticated requests', async (t) => assertOnlyAuthenticated(t, pg))
t.test('the gateway is still alive', (t) => pg.assertAlive(t))

// Issue 7 §4: the limits in `server.limits` reach Node's HTTP server. A slow-loris client that
// dribbles its headers is cut off after headersTimeout; a head past maxHeaderBytes is 431; a body
// past bodyLimitBytes is 413 and never reaches the protected upstream whole.
import t from 'tap'
import { connect } from 'node:net'
import { rawRequest } from '../helpers/raw-http.js'
import { VALID, assertOnlyAuthenticated, startProtectedGateway } from './fixtures/protected-gateway.js'

const BODY_LIMIT = 1024
const pg = await startProtectedGateway(t, {
  serverExtra: `limits: { headersTimeout: 1s, requestTimeout: 3s, keepAliveTimeout: 1s, maxHeaderBytes: 4096, bodyLimitBytes: ${BODY_LIMIT} }`,
})
const host = new URL(pg.gw.url).host
const { port } = new URL(pg.gw.url)
const line0 = (head: string): string => head.split('\r\n')[0] ?? ''

/** Opens a socket and writes `text` one byte per `everyMs` until the server closes it; resolves with what it answered. */
function dribble(text: string, everyMs: number): Promise<{ sentBytes: number; answer: string; closedBeforeDone: boolean }> {
  return new Promise((resolve) => {
    const socket = connect(Number(port), '127.0.0.1')
    let sent = 0
    let answer = ''
    socket.setEncoding('latin1')
    socket.on('data', (c: string) => (answer += c))
    const timer = setInterval(() => {
      if (sent >= text.length || socket.destroyed) return
      socket.write(text[sent]!)
      sent++
    }, everyMs)
    const finish = (): void => {
      clearInterval(timer)
      resolve({ sentBytes: sent, answer, closedBeforeDone: sent < text.length })
    }
    socket.on('close', finish)
    socket.on('error', () => {})
  })
}

t.test('slow loris: headers sent one byte per 200 ms are cut off after headersTimeout', async (t) => {
  const mark = pg.mark()
  // 300 bytes at 200 ms would take a minute; the server must give up long before.
  const head = `GET /ratings/1 HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${VALID}\r\nX-Pad: ${'p'.repeat(200)}\r\n\r\n`
  const result = await dribble(head, 200)
  t.ok(result.closedBeforeDone, `the server closed the socket after ${result.sentBytes} of ${head.length} bytes`)
  // 40 bytes at one per 200 ms is 8 s: a generous bound on a 1 s headersTimeout, yet far below
  // the ~30 s Node takes when its connection sweep runs at the default interval.
  t.ok(result.sentBytes < 40, 'cut off within a bounded wait, not at Node\'s 30 s sweep')
  t.ok(result.answer === '' || /^HTTP\/1\.1 408/.test(result.answer), `answered ${JSON.stringify(line0(result.answer))}`)
  t.same(pg.since(mark), [], 'the half-sent request never reached the upstream')
})

t.test('maxHeaderBytes from the config reaches Node: a 6 KB head is 431, a 2 KB head is fine', async (t) => {
  const mark = pg.mark()
  const big = await rawRequest(pg.gw.url, `GET /ratings/1 HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\nAuthorization: Bearer ${VALID}\r\nX-Pad: ${'p'.repeat(6 * 1024)}\r\n\r\n`)
  t.equal(big.status, 431, line0(big.head))
  t.same(pg.since(mark), [])
  const small = await rawRequest(pg.gw.url, `GET /ratings/1 HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\nAuthorization: Bearer ${VALID}\r\nX-Pad: ${'p'.repeat(2 * 1024)}\r\n\r\n`)
  t.equal(small.status, 200, line0(small.head))
})

t.test('a declared body over the limit: 413 before anything is forwarded', async (t) => {
  const mark = pg.mark()
  const body = 'b'.repeat(BODY_LIMIT + 1)
  const res = await rawRequest(pg.gw.url, `POST /ratings/1 HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\nAuthorization: Bearer ${VALID}\r\nContent-Length: ${body.length}\r\n\r\n${body}`)
  t.equal(res.status, 413, line0(res.head))
  t.same(pg.since(mark), [], 'the upstream received nothing')
})

t.test('a chunked body over the limit: 413, and the upstream never receives it complete', async (t) => {
  const mark = pg.mark()
  const chunk = 'c'.repeat(512)
  const chunks = Array.from({ length: 6 }, () => `${chunk.length.toString(16)}\r\n${chunk}\r\n`).join('')
  const res = await rawRequest(pg.gw.url, `POST /ratings/1 HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\nAuthorization: Bearer ${VALID}\r\nTransfer-Encoding: chunked\r\n\r\n${chunks}0\r\n\r\n`)
  t.ok(res.status === 413 || res.status === 0 || res.status === 502, `status ${res.status}`)
  // The recording upstream records a request only once its body ended: a truncated-then-aborted
  // body is never recorded, a complete one would be.
  t.notOk(pg.since(mark).some((r) => r.body.length > BODY_LIMIT), 'no body over the limit arrived whole')
})

t.test('a body within the limit is forwarded intact', async (t) => {
  const mark = pg.mark()
  const body = 'ok'.repeat(100)
  const res = await rawRequest(pg.gw.url, `POST /ratings/1 HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\nAuthorization: Bearer ${VALID}\r\nContent-Length: ${body.length}\r\n\r\n${body}`)
  t.equal(res.status, 200, line0(res.head))
  t.equal(pg.since(mark)[0]?.body, body)
})

t.test('an idle keep-alive connection is closed after keepAliveTimeout', async (t) => {
  const closed = await new Promise<boolean>((resolve) => {
    const socket = connect(Number(port), '127.0.0.1')
    socket.on('error', () => {})
    socket.write(`GET /open/x HTTP/1.1\r\nHost: ${host}\r\n\r\n`)
    const guard = setTimeout(() => {
      socket.destroy()
      resolve(false)
    }, 15_000)
    socket.on('close', () => {
      clearTimeout(guard)
      resolve(true)
    })
    socket.resume()
  })
  t.ok(closed, 'the server closed the idle connection')
})

t.test('the protected upstream only ever saw authenticated requests', async (t) => assertOnlyAuthenticated(t, pg))
t.test('the gateway is still alive', (t) => pg.assertAlive(t))

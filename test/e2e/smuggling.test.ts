// Request smuggling over raw sockets: a request the front end and the upstream could frame
// differently must never reach the upstream as two requests.
import t from 'tap'
import { startRecordingUpstream } from '../helpers/recording-upstream.js'
import { startGatewayProcess } from '../helpers/gateway-process.js'
import { rawRequest } from '../helpers/raw-http.js'

const upstream = await startRecordingUpstream()
const gw = await startGatewayProcess(`server: { host: 127.0.0.1, port: 0 }
admin: { enabled: false }
upstreams:
  app: { url: "${upstream.url}" }
routes:
  - name: all
    forwardTo: { upstream: app }
`)
t.teardown(async () => {
  await gw.stop()
  await upstream.close()
})

const smuggled = 'GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n'

const attacks: Array<[string, string]> = [
  ['Content-Length and Transfer-Encoding together', `POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${smuggled}`],
  ['two different Content-Length values', `POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: ${smuggled.length}\r\n\r\n${smuggled}`],
  ['obs-fold in Transfer-Encoding', `POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\r\n chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n${smuggled}`],
  ['Transfer-Encoding other than chunked', `POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, identity\r\n\r\n${smuggled}`],
  ['two Host headers', `GET /a HTTP/1.1\r\nHost: x\r\nHost: y\r\nConnection: close\r\n\r\n`],
  ['LF-only line endings with a body', `POST /a HTTP/1.1\nHost: x\nContent-Length: 0\nTransfer-Encoding: chunked\n\n0\n\n${smuggled}`],
]

for (const [name, bytes] of attacks) {
  t.test(name, async (t) => {
    const before = upstream.received.length
    const res = await rawRequest(gw.url, bytes, 3000)
    t.ok(res.status === 400 || res.status === 0, `refused (status ${res.status})`)
    t.notOk(upstream.received.slice(before).some((r) => r.url === '/smuggled'), 'the smuggled request never reached the upstream')
    t.equal(upstream.received.length, before, 'nothing reached the upstream')
  })
}

t.test('a GET with a body: the body is not forwarded and the connection stays in sync', async (t) => {
  const before = upstream.received.length
  const res = await rawRequest(gw.url, `GET /b HTTP/1.1\r\nHost: x\r\nContent-Length: ${smuggled.length}\r\n\r\n${smuggled}GET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 3000)
  t.match(res.raw, /^HTTP\/1\.1 200/)
  const urls = upstream.received.slice(before).map((r) => r.url)
  t.notOk(urls.includes('/smuggled'), 'the body was not parsed as a request')
  t.same(urls.filter((u) => u === '/b' || u === '/c'), ['/b', '/c'])
})

// The built CLI in front of a real upstream: what the upstream receives, and what the client gets
// back when the upstream misbehaves.
import t from 'tap'
import { request } from 'undici'
import { startRecordingUpstream } from '../helpers/recording-upstream.js'
import { startGatewayProcess } from '../helpers/gateway-process.js'
import { rawRequest } from '../helpers/raw-http.js'

const upstream = await startRecordingUpstream()
const slow = await startRecordingUpstream()
slow.respond(() => {
  /* never answers: the gateway's 2 s upstream timeout must fire */
})
const gw = await startGatewayProcess(
  `server: { host: 127.0.0.1, port: 0 }
admin: { enabled: false }
upstreams:
  app: { url: "${upstream.url}", timeout: 2s }
  based: { url: "${upstream.url}/base/", timeout: 2s }
  slow: { url: "${slow.url}", timeout: 1s }
  nowhere: { url: "http://127.0.0.1:1", timeout: 1s }
routes:
  - name: api-host
    hosts: ["api.example.com", "*.internal.test"]
    forwardTo: { upstream: app }
  - name: rewrite
    matchers: [ { uri: { prefix: /v1/ratings } } ]
    forwardTo: { upstream: app, pathRewrite: /ratings }
  - name: based
    matchers: [ { uri: { prefix: /based } } ]
    forwardTo: { upstream: based }
  - name: preserve
    matchers: [ { uri: { prefix: /keep-host } } ]
    forwardTo: { upstream: app, preserveHost: true }
  - name: slow
    matchers: [ { uri: { exact: /slow } } ]
    forwardTo: { upstream: slow }
  - name: dead
    matchers: [ { uri: { exact: /dead } } ]
    forwardTo: { upstream: nowhere }
  - name: only-post
    matchers: [ { uri: { exact: /submit }, methods: [POST] } ]
    forwardTo: { upstream: app }
  - name: ratings
    matchers: [ { uri: { prefix: /ratings } } ]
    forwardTo: { upstream: app }
`,
)
t.teardown(async () => {
  await gw.stop()
  await upstream.close()
  await slow.close()
})

const last = () => upstream.received[upstream.received.length - 1]!

t.test('method, path, query and headers pass through; hop-by-hop headers do not', async (t) => {
  const res = await rawRequest(
    gw.url,
    'GET /ratings/1?x=1&y=%20 HTTP/1.1\r\nHost: ' + new URL(gw.url).host + '\r\nX-Custom: kept\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\n' +
      'X-Drop-Me: gone\r\nConnection: close, X-Drop-Me\r\nProxy-Authorization: Basic abc\r\n\r\n',
  )
  t.equal(res.status, 200)
  t.same(JSON.parse(res.body), { ok: true, url: '/ratings/1?x=1&y=%20' })
  const got = last()
  t.equal(got.method, 'GET')
  t.equal(got.url, '/ratings/1?x=1&y=%20')
  t.equal(got.headers['x-custom'], 'kept')
  t.equal(got.headers['keep-alive'], undefined)
  t.equal(got.headers['te'], undefined)
  t.equal(got.headers['x-drop-me'], undefined, 'a header named in Connection is removed (RFC 9110 §7.6.1)')
  t.equal(got.headers['proxy-authorization'], undefined)
  t.equal(got.headers.host, new URL(upstream.url).host, 'Host is rewritten to the upstream')
  t.equal(got.headers['x-forwarded-proto'], 'http')
  t.equal(got.headers['x-forwarded-for'], '127.0.0.1')
  t.equal(got.headers['x-forwarded-host'], new URL(gw.url).host)
  t.match(got.headers['x-request-id'], /^[0-9a-f-]{36}$/)
})

t.test('a sane client x-request-id is kept, an odd one replaced', async (t) => {
  await (await request(`${gw.url}/ratings/1`, { headers: { 'x-request-id': 'abc-123' } })).body.dump()
  t.equal(last().headers['x-request-id'], 'abc-123')
  await (await request(`${gw.url}/ratings/1`, { headers: { 'x-request-id': 'a b<script>' } })).body.dump()
  t.not(last().headers['x-request-id'], 'a b<script>')
})

t.test('request bodies stream through unchanged', async (t) => {
  const body = JSON.stringify({ hello: 'world', n: [1, 2, 3] })
  const res = await request(`${gw.url}/ratings/1`, { method: 'POST', body, headers: { 'content-type': 'application/json' } })
  t.equal(res.statusCode, 200)
  await res.body.dump()
  t.equal(last().method, 'POST')
  t.equal(last().body, body)
  t.equal(last().headers['content-type'], 'application/json')

  const chunked = await rawRequest(gw.url, `PUT /ratings/2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n`)
  t.equal(chunked.status, 200)
  t.equal(last().body, 'hello world')
})

t.test('pathRewrite replaces the matched prefix; an upstream base path is prepended', async (t) => {
  await (await request(`${gw.url}/v1/ratings/7?q=1`)).body.dump()
  t.equal(last().url, '/ratings/7?q=1')
  await (await request(`${gw.url}/based/x`)).body.dump()
  t.equal(last().url, '/base/based/x')
})

t.test('preserveHost forwards the client Host', async (t) => {
  await (await request(`${gw.url}/keep-host`, { headers: { host: 'Front.Example.com' } })).body.dump()
  t.equal(last().headers.host, 'Front.Example.com')
})

t.test('host matching: exact and wildcard, case-insensitive, port ignored', async (t) => {
  await (await request(`${gw.url}/anything`, { headers: { host: 'API.example.com:8443' } })).body.dump()
  t.equal(last().url, '/anything')
  await (await request(`${gw.url}/other`, { headers: { host: 'a.b.internal.test' } })).body.dump()
  t.equal(last().url, '/other')
  const miss = await request(`${gw.url}/other`, { headers: { host: 'internal.test' } })
  t.equal(miss.statusCode, 404, '*.internal.test does not match internal.test')
  t.same(await miss.body.json(), { error: 'No route matches the request', code: 'TG_ERR_ROUTE_NOT_FOUND' })
})

t.test('methods restrict a matcher', async (t) => {
  const before = upstream.received.length
  const get = await request(`${gw.url}/submit`)
  t.equal(get.statusCode, 404)
  await get.body.dump()
  t.equal(upstream.received.length, before)
  const post = await request(`${gw.url}/submit`, { method: 'POST', body: 'x' })
  t.equal(post.statusCode, 200)
  await post.body.dump()
})

t.test('an upstream that refuses gives 502, one that is too slow 504, each with a code', async (t) => {
  const dead = await request(`${gw.url}/dead`)
  t.equal(dead.statusCode, 502)
  t.same(await dead.body.json(), { error: 'The upstream refused or reset the connection', code: 'TG_ERR_UPSTREAM_UNAVAILABLE' })
  const late = await request(`${gw.url}/slow`)
  t.equal(late.statusCode, 504)
  t.same(await late.body.json(), { error: 'The upstream did not answer in time', code: 'TG_ERR_UPSTREAM_TIMEOUT' })
  // The failure is logged with the upstream's name, and the access line still times the upstream.
  const failed = await gw.waitForLog((l) => l.msg === 'upstream failed' && l.upstream === 'nowhere')
  t.equal((failed.err as { code?: unknown }).code, 'TG_ERR_UPSTREAM_UNAVAILABLE')
  const access = await gw.waitForLog((l) => l.msg === 'request' && l.path === '/dead')
  t.equal(access.status, 502)
  t.type(access.upstreamMs, 'number')
})

t.test('upstream status, headers and body pass through', async (t) => {
  upstream.respond((_req, res) => {
    res.statusCode = 418
    res.setHeader('x-upstream', 'yes')
    res.end('teapot')
  })
  t.teardown(() =>
    upstream.respond((req, res) => {
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ ok: true, url: req.url }))
    }),
  )
  const res = await request(`${gw.url}/ratings/9`)
  t.equal(res.statusCode, 418)
  t.equal(res.headers['x-upstream'], 'yes')
  t.equal(await res.body.text(), 'teapot')
})

t.test('one access line per request, without query or credentials', async (t) => {
  await (await request(`${gw.url}/ratings/42?access_token=secret-in-query`, { headers: { authorization: 'Bearer secret-in-header', cookie: 'sid=secret-cookie' } })).body.dump()
  const line = await gw.waitForLog((l) => l.msg === 'request' && l.path === '/ratings/42')
  t.equal(line.route, 'ratings')
  t.equal(line.upstream, 'app')
  t.equal(line.status, 200)
  t.equal(line.method, 'GET')
  t.type(line.durationMs, 'number')
  t.type(line.reqId, 'string')
  const all = JSON.stringify(gw.logs)
  t.notMatch(all, /secret-in-query|secret-in-header|secret-cookie/)
})

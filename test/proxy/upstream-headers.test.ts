// What the upstream and the client receive in place of each other's headers.
import t from 'tap'
import { clientResponseHeaders, upstreamHeaders, type UpstreamHeaderContext } from '../../src/proxy/upstream-headers.js'

const ctx: UpstreamHeaderContext = {
  upstreamHost: 'ratings:9080',
  preserveHost: false,
  clientHost: 'api.example.com',
  clientIp: '10.0.0.9',
  proto: 'http',
  requestId: 'rid-1',
  hasBody: true,
  removeHeaders: [],
  setHeaders: [],
  stripAuthorization: false,
}

t.test('hop-by-hop and proxy credentials are dropped; the rest passes', async (t) => {
  const out = upstreamHeaders(
    { 'keep-alive': 'x', te: 'trailers', trailer: 'x', upgrade: 'websocket', 'proxy-authorization': 'Basic x', 'proxy-connection': 'x', 'x-app': 'kept', authorization: 'Bearer t' },
    ctx,
  )
  t.same(Object.keys(out).sort(), ['authorization', 'host', 'x-app', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-request-id'])
})

t.test('forwarding headers: ours replace the client\'s, X-Forwarded-For appends', async (t) => {
  const out = upstreamHeaders({ 'x-forwarded-for': '1.2.3.4', 'x-forwarded-host': 'evil', 'x-forwarded-proto': 'https', 'x-request-id': 'spoofed', host: 'api.example.com' }, ctx)
  t.equal(out['x-forwarded-for'], '1.2.3.4, 10.0.0.9')
  t.equal(out['x-forwarded-host'], 'api.example.com')
  t.equal(out['x-forwarded-proto'], 'http')
  t.equal(out['x-request-id'], 'rid-1')
  t.equal(out.host, 'ratings:9080')
  t.equal(upstreamHeaders({}, { ...ctx, preserveHost: true }).host, 'api.example.com')
  t.notOk('x-forwarded-host' in upstreamHeaders({ 'x-forwarded-host': 'evil' }, { ...ctx, clientHost: undefined }))
})

t.test('identity headers are removed, then set from claims; Authorization stripped on request', async (t) => {
  const out = upstreamHeaders(
    { 'x-user-id': 'admin', x_user_id: 'admin', authorization: 'Bearer t' },
    { ...ctx, removeHeaders: ['x-user-id', 'x_user_id'], setHeaders: [['x-user-id', 'alice'], ['x-groups', 'a'], ['x-groups', 'b']], stripAuthorization: true },
  )
  t.equal(out['x-user-id'], 'alice')
  t.notOk('x_user_id' in out)
  t.equal(out['x-groups'], 'a, b')
  t.notOk('authorization' in out)
})

t.test('a body-less forward carries no Content-Length', async (t) => {
  t.notOk('content-length' in upstreamHeaders({ 'content-length': '12' }, { ...ctx, hasBody: false }))
  t.equal(upstreamHeaders({ 'content-length': '12' }, ctx)['content-length'], '12')
})

t.test('the upstream\'s hop-by-hop response headers stop at the gateway', async (t) => {
  const out = clientResponseHeaders({ connection: 'keep-alive, X-Internal', 'keep-alive': 'timeout=5', 'x-internal': 'secret', 'content-type': 'text/plain', 'transfer-encoding': 'chunked' })
  t.same(out, { 'content-type': 'text/plain' })
})

t.test('a plain Connection value removes only the hop-by-hop headers, and every other value is still parsed', async (t) => {
  const upstream = { 'keep-alive': 'timeout=5', 'x-internal': 'kept', 'content-type': 'text/plain' }
  for (const connection of ['keep-alive', 'close', 'Keep-Alive', 'Close']) {
    t.same(clientResponseHeaders({ connection, ...upstream }), { 'x-internal': 'kept', 'content-type': 'text/plain' }, connection)
  }
  for (const connection of ['close, x-internal', 'X-Internal', 'keep-alive ,x-internal', 'KEEP-ALIVE, X-INTERNAL']) {
    t.same(clientResponseHeaders({ connection, ...upstream }), { 'content-type': 'text/plain' }, connection)
  }
})

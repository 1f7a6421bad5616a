import t, { type Test } from 'tap'
import { createServer, request as httpRequest, Agent, type IncomingMessage, type ServerResponse, type RequestListener } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import { once } from 'node:events'
import { responseClassNotifying } from '../../src/server/response-end.js'

interface Ended {
  readonly url: string | undefined
  readonly status: number
  readonly sameResponse: boolean
}

/** A real server whose responses report their end to `ended`. */
async function serve(t: Test, handler: RequestListener): Promise<{ origin: string; ended: Ended[] }> {
  const ended: Ended[] = []
  const responses = new WeakSet<ServerResponse>()
  const server = createServer(
    { ServerResponse: responseClassNotifying((req, res) => ended.push({ url: req.url, status: res.statusCode, sameResponse: responses.has(res) }), (err) => { throw err }) },
    (req, res) => {
      responses.add(res)
      handler(req, res)
    },
  )
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => {
    server.closeAllConnections()
    server.close()
  })
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, ended }
}

function get(url: string, agent?: Agent): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const req = httpRequest(url, { agent }, (res: IncomingMessage) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { body += chunk })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      res.on('error', (err) => resolve({ error: err.message }))
    })
    req.on('error', (err) => resolve({ error: err.message }))
    req.end()
  })
}

t.test('each end() form reports once, after the response is complete', async (t) => {
  let callbackRan = false
  const { origin, ended } = await serve(t, (req, res) => {
    if (req.url === '/plain') res.end()
    else if (req.url === '/chunk') { res.statusCode = 201; res.end('created') }
    else if (req.url === '/encoding') res.end('6869', 'hex')
    else res.end('with callback', () => { callbackRan = true })
  })
  t.same(await get(`${origin}/plain`), { status: 200, body: '' })
  t.same(await get(`${origin}/chunk`), { status: 201, body: 'created' })
  t.same(await get(`${origin}/encoding`), { status: 200, body: 'hi' })
  t.same(await get(`${origin}/callback`), { status: 200, body: 'with callback' })
  t.ok(callbackRan, "end()'s callback still runs")
  t.same(ended, [
    { url: '/plain', status: 200, sameResponse: true },
    { url: '/chunk', status: 201, sameResponse: true },
    { url: '/encoding', status: 200, sameResponse: true },
    { url: '/callback', status: 200, sameResponse: true },
  ])
})

t.test('a streamed body reports once, when the stream has ended', async (t) => {
  const { origin, ended } = await serve(t, (_req, res) => {
    Readable.from(['a', 'b', 'c']).pipe(res)
  })
  t.same(await get(`${origin}/stream`), { status: 200, body: 'abc' })
  t.same(ended, [{ url: '/stream', status: 200, sameResponse: true }])
})

t.test('a destroyed response reports once, with the status it had', async (t) => {
  const { origin, ended } = await serve(t, (req, res) => {
    res.statusCode = 502
    res.write('partial')
    res.destroy()
    if (req.url === '/cut-then-end') res.end()
  })
  t.ok('error' in (await get(`${origin}/cut`)), 'the client sees the connection cut')
  t.ok('error' in (await get(`${origin}/cut-then-end`)), 'the client sees the connection cut')
  t.same(ended, [
    { url: '/cut', status: 502, sameResponse: true },
    { url: '/cut-then-end', status: 502, sameResponse: true },
  ])
})

t.test('end() then destroy() reports once', async (t) => {
  const { origin, ended } = await serve(t, (_req, res) => {
    res.end('done')
    res.destroy()
  })
  await get(`${origin}/twice`)
  t.same(ended, [{ url: '/twice', status: 200, sameResponse: true }])
})

t.test('requests on one keep-alive connection report once each', async (t) => {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  t.teardown(() => agent.destroy())
  const { origin, ended } = await serve(t, (req, res) => res.end(req.url))
  const answers = []
  for (let i = 0; i < 20; i++) answers.push(await get(`${origin}/n${i}`, agent))
  t.same(answers.map((a) => ('body' in a ? a.body : a.error)), Array.from({ length: 20 }, (_, i) => `/n${i}`))
  t.same(ended.map((e) => e.url), Array.from({ length: 20 }, (_, i) => `/n${i}`))
})

t.test('a listener that throws does not break the response: its error goes to onError', async (t) => {
  const errors: unknown[] = []
  const server = createServer(
    { ServerResponse: responseClassNotifying(() => { throw new Error('accounting failed') }, (err) => errors.push(err)) },
    (req, res) => {
      if (req.url === '/stream') Readable.from(['x', 'y']).pipe(res)
      else res.end('ok')
    },
  )
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => {
    server.closeAllConnections()
    server.close()
  })
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  t.same(await get(`${origin}/plain`), { status: 200, body: 'ok' })
  t.same(await get(`${origin}/stream`), { status: 200, body: 'xy' })
  t.same(errors.map((e) => (e as Error).message), ['accounting failed', 'accounting failed'])
})

// dispatchBuffered against real loopback servers: what it resolves with, what refusing, capping,
// aborting and failing do to the exchange, and that an abandoned exchange never reaches the server.
import t, { type Test } from 'tap'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createTcpServer, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { Agent } from 'undici'
import { dispatchBuffered, type BufferedDispatchLimits, type ResponseHeaders } from '../../src/auth/buffered-dispatch.js'

class Refused extends Error {}
class TooLarge extends Error {}
class MidBody extends Error {}

interface Served {
  readonly origin: string
  /** Requests the server began to answer, by path. */
  readonly seen: string[]
  /** Resolves when the response to `path` is closed, with whether it had finished. */
  closed(path: string): Promise<boolean>
}

async function serve(t: Test, handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Served> {
  const seen: string[] = []
  const closes = new Map<string, Promise<boolean>>()
  const waiting = new Map<string, (finished: boolean) => void>()
  const closed = (path: string): Promise<boolean> => {
    let p = closes.get(path)
    if (p === undefined) {
      p = new Promise((resolve) => waiting.set(path, resolve))
      closes.set(path, p)
    }
    return p
  }
  const server = createServer((req, res) => {
    const path = req.url ?? ''
    seen.push(path)
    void closed(path)
    res.on('close', () => waiting.get(path)?.(res.writableFinished))
    handler(req, res)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => {
    server.closeAllConnections()
    server.close()
  })
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, closed }
}

function agent(t: Test, connections?: number): Agent {
  const a = new Agent(connections === undefined ? {} : { connections })
  t.teardown(() => a.close())
  return a
}

function limits(overrides: Partial<BufferedDispatchLimits> = {}): BufferedDispatchLimits & { heads: Array<{ status: number; headers: ResponseHeaders }> } {
  const heads: Array<{ status: number; headers: ResponseHeaders }> = []
  return {
    signal: new AbortController().signal,
    maxBytes: 64,
    accept: (status, headers) => {
      heads.push({ status, headers })
      return status === 200 ? undefined : new Refused(`status ${status}`)
    },
    tooLarge: () => new TooLarge('too large'),
    failedMidBody: (cause) => new MidBody('cut', { cause }),
    ...overrides,
    heads,
  }
}

function outcome(p: Promise<Buffer>): Promise<string | Error> {
  return p.then(
    (body) => body.toString('utf8'),
    (err: unknown) => err as Error,
  )
}

t.test('a 200 answer written in pieces resolves with the whole body', async (t) => {
  const s = await serve(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.write('{"active"')
    setTimeout(() => res.end(':true}'), 10)
  })
  const l = limits()
  t.equal(await outcome(dispatchBuffered(agent(t), { origin: s.origin, path: '/a', method: 'POST', body: 'x=1' }, l)), '{"active":true}')
  t.equal(l.heads.length, 1)
  t.equal(l.heads[0]!.headers['content-type'], 'application/json', 'accept sees the parsed headers')
})

t.test('a body of exactly maxBytes is accepted; one byte more is too large and closes the connection', async (t) => {
  const s = await serve(t, (req, res) => {
    res.writeHead(200)
    const size = req.url === '/at' ? 64 : 65
    // Chunked, in two writes, so the cap is met while reading, not from a declared length.
    res.write('x'.repeat(size - 1))
    setTimeout(() => res.end('x'), 10)
  })
  const a = agent(t)
  t.equal(await outcome(dispatchBuffered(a, { origin: s.origin, path: '/at', method: 'GET' }, limits())), 'x'.repeat(64))
  t.type(await outcome(dispatchBuffered(a, { origin: s.origin, path: '/over', method: 'GET' }, limits())), TooLarge)
})

t.test('a refused answer rejects with the refusal and its body is not drained: the connection closes', async (t) => {
  const s = await serve(t, (_req, res) => {
    res.writeHead(500)
    res.write('partial')
    // Keeps the body open: only the client closing the connection ends this response.
  })
  const l = limits()
  t.type(await outcome(dispatchBuffered(agent(t), { origin: s.origin, path: '/refused', method: 'GET' }, l)), Refused)
  t.equal(await s.closed('/refused'), false, 'the server saw the connection close before its answer finished')
  t.same(l.heads.map((h) => h.status), [500])
})

t.test('an informational 103 is skipped; accept sees only the final answer', async (t) => {
  const s = await serve(t, (_req, res) => {
    res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' })
    res.writeHead(200).end('ok')
  })
  const l = limits()
  t.equal(await outcome(dispatchBuffered(agent(t), { origin: s.origin, path: '/hints', method: 'GET' }, l)), 'ok')
  t.same(l.heads.map((h) => h.status), [200])
})

t.test('an abort while waiting for the answer rejects with its reason and closes the connection', async (t) => {
  const s = await serve(t, () => {})
  const controller = new AbortController()
  const pending = outcome(dispatchBuffered(agent(t), { origin: s.origin, path: '/hang', method: 'GET' }, limits({ signal: controller.signal })))
  while (!s.seen.includes('/hang')) await sleep(5)
  const reason = new Error('deadline')
  controller.abort(reason)
  t.equal(await pending, reason)
  t.equal(await s.closed('/hang'), false)
})

t.test('an already aborted signal rejects without sending anything', async (t) => {
  const s = await serve(t, (_req, res) => res.end('ok'))
  const reason = new Error('too late')
  const err = await outcome(dispatchBuffered(agent(t), { origin: s.origin, path: '/never', method: 'GET' }, limits({ signal: AbortSignal.abort(reason) })))
  t.equal(err, reason)
  await sleep(50)
  t.same(s.seen, [])
})

t.test('an exchange abandoned while queued for a connection is never sent', async (t) => {
  let release: (() => void) | undefined
  const s = await serve(t, (req, res) => {
    if (req.url === '/first') release = () => res.end('first')
    else res.end('second')
  })
  const a = agent(t, 1)
  const first = outcome(dispatchBuffered(a, { origin: s.origin, path: '/first', method: 'GET' }, limits()))
  while (release === undefined) await sleep(5)
  const controller = new AbortController()
  const second = outcome(dispatchBuffered(a, { origin: s.origin, path: '/second', method: 'POST', body: 'x' }, limits({ signal: controller.signal })))
  const reason = new Error('deadline')
  controller.abort(reason)
  t.equal(await second, reason, 'rejects at once, without waiting for the connection')
  release()
  t.equal(await first, 'first')
  await sleep(50)
  t.same(s.seen, ['/first'], 'the abandoned request never reached the server')
})

/** A raw TCP server that answers each connection per `behaviour`. */
async function rawServer(t: Test, behaviour: (socket: Socket) => void): Promise<string> {
  const sockets = new Set<Socket>()
  const server = createTcpServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => {})
    socket.once('data', () => behaviour(socket))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => {
    for (const s of sockets) s.destroy()
    server.close()
  })
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

t.test("a reset before any answer rejects with undici's own error, unwrapped", async (t) => {
  const origin = await rawServer(t, (socket) => socket.resetAndDestroy())
  const err = await outcome(dispatchBuffered(agent(t), { origin, path: '/', method: 'GET' }, limits()))
  t.type(err, Error)
  t.notOk(err instanceof MidBody)
  t.match((err as Error & { code?: string }).code, /^(UND_ERR_SOCKET|ECONNRESET)$/)
})

t.test('a reset after the answer began is wrapped by failedMidBody, with the cause kept', async (t) => {
  const origin = await rawServer(t, (socket) => {
    socket.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{"act')
    setImmediate(() => socket.resetAndDestroy())
  })
  const err = await outcome(dispatchBuffered(agent(t), { origin, path: '/', method: 'GET' }, limits()))
  t.type(err, MidBody)
  t.ok((err as Error).cause, 'the transport error is the cause')
})

t.test('a closed dispatcher rejects with its own error', async (t) => {
  const a = new Agent()
  await a.close()
  const err = await outcome(dispatchBuffered(a, { origin: 'http://127.0.0.1:9', path: '/', method: 'GET' }, limits()))
  t.equal((err as Error & { code?: string }).code, 'UND_ERR_DESTROYED')
})

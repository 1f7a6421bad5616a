// Issue 7 §3: at most one retry, and only for a connection reset before any response. Real
// sockets: a raw TCP server that drops connections at chosen moments and counts them.
import t from 'tap'
import { createServer, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import { IntrospectionClient } from '../../src/auth/introspection-client.js'

type Behaviour = 'reset' | 'answer' | 'headers-then-reset' | 'status-500'

/** Answers each request on a fresh connection per `script` (the last entry repeats). */
async function scriptedServer(script: Behaviour[]): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  let requests = 0
  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    let data = ''
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1')
      const end = data.indexOf('\r\n\r\n')
      if (end < 0) return
      const length = Number(/content-length: (\d+)/i.exec(data)?.[1] ?? 0)
      if (data.length < end + 4 + length) return
      data = ''
      const behaviour = script[Math.min(requests, script.length - 1)]!
      requests++
      const json = '{"active":false}'
      if (behaviour === 'reset') socket.resetAndDestroy()
      else if (behaviour === 'headers-then-reset') {
        socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"act')
        setImmediate(() => socket.resetAndDestroy())
      } else if (behaviour === 'status-500') socket.end('HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\nconnection: close\r\n\r\n')
      else socket.write(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${json.length}\r\n\r\n${json}`)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/admin/oauth2/introspect`,
    requests: () => requests,
    close: () => {
      for (const s of sockets) s.destroy()
      return new Promise((resolve) => server.close(() => resolve()))
    },
  }
}

async function withClient(script: Behaviour[], fn: (client: IntrospectionClient, requests: () => number) => Promise<void>): Promise<void> {
  const server = await scriptedServer(script)
  const client = new IntrospectionClient({ url: server.url, timeoutMs: 5000 })
  try {
    await fn(client, server.requests)
  } finally {
    await client.close()
    await server.close()
  }
}

t.test('a reset before any response is retried once, and the retry answers', async (t) => {
  await withClient(['reset', 'answer'], async (client, requests) => {
    t.same(await client.introspect('tok'), { active: false })
    t.equal(requests(), 2)
  })
})

t.test('two resets in a row: no second retry, a coded 503 error', async (t) => {
  await withClient(['reset'], async (client, requests) => {
    await t.rejects(client.introspect('tok'), { code: 'TG_ERR_INTROSPECTION_UNAVAILABLE' })
    t.equal(requests(), 2, 'exactly one retry')
  })
})

t.test('a reset after the response began is not retried', async (t) => {
  await withClient(['headers-then-reset', 'answer'], async (client, requests) => {
    await t.rejects(client.introspect('tok'), { code: 'TG_ERR_INTROSPECTION_UNAVAILABLE' })
    t.equal(requests(), 1)
  })
})

t.test('an error status is an answer, never retried', async (t) => {
  await withClient(['status-500', 'answer'], async (client, requests) => {
    await t.rejects(client.introspect('tok'), { code: 'TG_ERR_INTROSPECTION_STATUS' })
    t.equal(requests(), 1)
  })
})

t.test('a refused connection is not a reset: no retry against a server that is down', async (t) => {
  const server = await scriptedServer(['answer'])
  const url = server.url
  await server.close()
  const client = new IntrospectionClient({ url, timeoutMs: 2000 })
  await t.rejects(client.introspect('tok'), { code: 'TG_ERR_INTROSPECTION_UNAVAILABLE' })
  await client.close()
})

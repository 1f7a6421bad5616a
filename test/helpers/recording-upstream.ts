// A real upstream on loopback that records what reached it, so tests can assert on exactly what
// the gateway forwarded — and that nothing was forwarded when it must not be.
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Received {
  readonly method: string
  readonly url: string
  readonly headers: IncomingHttpHeaders
  readonly rawHeaders: readonly string[]
  readonly body: string
}

export interface RecordingUpstream {
  readonly url: string
  readonly port: number
  readonly received: Received[]
  /** Replaces the default 200 JSON answer. */
  respond(handler: (req: Received, res: ServerResponse) => void): void
  close(): Promise<void>
}

export async function startRecordingUpstream(): Promise<RecordingUpstream> {
  const received: Received[] = []
  let handler = (req: Received, res: ServerResponse): void => {
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ ok: true, url: req.url }))
  }
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const r: Received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders, body: Buffer.concat(chunks).toString() }
      received.push(r)
      handler(r, res)
    })
  })
  server.keepAliveTimeout = 1000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    respond(h) {
      handler = h
    },
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

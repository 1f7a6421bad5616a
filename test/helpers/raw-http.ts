// Sends bytes exactly as written over a TCP socket: clients such as fetch normalise paths and
// refuse malformed headers, which is precisely what security tests must get past.
import { connect } from 'node:net'

export interface RawResponse {
  readonly status: number
  readonly head: string
  readonly body: string
  readonly raw: string
}

export function rawRequest(url: string, request: string, timeoutMs = 5000): Promise<RawResponse> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname)
    let data = ''
    const timer = setTimeout(() => {
      socket.destroy()
      finish()
    }, timeoutMs)
    socket.setEncoding('latin1')
    socket.on('data', (c: string) => {
      data += c
    })
    socket.on('error', (err) => {
      clearTimeout(timer)
      if (data === '') reject(err)
      else finish()
    })
    socket.on('end', () => {
      clearTimeout(timer)
      finish()
    })
    socket.write(request)
    let done = false
    function finish(): void {
      if (done) return
      done = true
      const split = data.indexOf('\r\n\r\n')
      const head = split >= 0 ? data.slice(0, split) : data
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0)
      resolve({ status, head, body: split >= 0 ? data.slice(split + 4) : '', raw: data })
    }
  })
}

/** A GET for `target` with Connection: close, so the response ends the socket. */
export function get(url: string, target: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  const lines = [`GET ${target} HTTP/1.1`, `Host: ${new URL(url).host}`, 'Connection: close', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)]
  return rawRequest(url, lines.join('\r\n') + '\r\n\r\n')
}

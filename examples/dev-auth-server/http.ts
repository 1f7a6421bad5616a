// Tiny node:http helpers for the development server's two listeners.
import type { IncomingMessage, ServerResponse } from 'node:http'

const MAX_BODY_BYTES = 64 * 1024

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(json),
    'cache-control': 'no-store',
  })
  res.end(json)
}

/** Hydra's error body: `{"error": …, "error_description": …}`. */
export function sendError(res: ServerResponse, status: number, error: string, description: string): void {
  sendJson(res, status, { error, error_description: description })
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  let received = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    received += chunk.length
    if (received > MAX_BODY_BYTES) throw new Error(`request body larger than ${MAX_BODY_BYTES} bytes`)
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/** Hydra's liveness/readiness probes, served on both ports. */
export function isHealthPath(path: string): boolean {
  return path === '/health/ready' || path === '/health/alive'
}

// A mock of Istio Bookinfo's ratings service, the upstream of the Hydra walkthrough. node:http
// only: it runs from the production image, which has no dev dependencies.
//   GET /ratings/:id → 200 {"id":N,"ratings":{"Reviewer1":5,"Reviewer2":4}}
//   GET /health      → 200 {"status":"Ratings is healthy"}
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { pathToFileURL } from 'node:url'
import { close, listen, portFrom } from '../shared/listen.js'

export const DEFAULT_RATINGS_PORT = 9080

export interface RatingsOptions {
  port?: number
  host?: string
  /** Named in the "port in use" message; default PORT. */
  portEnvName?: string
}

export interface RunningRatings {
  url: string
  port: number
  close: () => Promise<void>
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) })
  res.end(json)
}

const RATINGS_PATH = /^\/ratings\/([^/]+)$/

export function handleRatings(req: IncomingMessage, res: ServerResponse): void {
  const path = new URL(req.url ?? '/', 'http://ratings').pathname
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return send(res, 405, { error: 'method not allowed' })
  }
  if (path === '/health') return send(res, 200, { status: 'Ratings is healthy' })
  const match = RATINGS_PATH.exec(path)
  if (match === null) return send(res, 404, { error: 'not found', path })
  const id = match[1] ?? ''
  if (!/^[0-9]+$/.test(id)) return send(res, 400, { error: 'please provide numeric product ID' })
  send(res, 200, { id: Number(id), ratings: { Reviewer1: 5, Reviewer2: 4 } })
}

export async function startRatings(options: RatingsOptions = {}): Promise<RunningRatings> {
  const host = options.host ?? '0.0.0.0'
  const server = createServer(handleRatings)
  const port = await listen(server, options.port ?? DEFAULT_RATINGS_PORT, host, options.portEnvName ?? 'PORT')
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host
  return { url: `http://${urlHost}:${port}`, port, close: () => close(server) }
}

async function main(): Promise<void> {
  try {
    const ratings = await startRatings({
      port: portFrom(process.env.PORT, DEFAULT_RATINGS_PORT, 'PORT'),
      host: process.env.HOST ?? '0.0.0.0',
    })
    console.log(`ratings: listening on ${ratings.url}`)
    const stop = (): void => { void ratings.close().then(() => process.exit(0)) }
    process.once('SIGTERM', stop)
    process.once('SIGINT', stop)
  } catch (error) {
    console.error(`ratings: ${(error as Error).message}`)
    process.exit(1)
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) void main()

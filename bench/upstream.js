// The upstream of every benchmark target: a bare node:http server answering a small JSON body,
// shaped like the ratings app of the Hydra walkthrough. Usage: node bench/upstream.js --port N
import http from 'node:http'
import process from 'node:process'
import console from 'node:console'
import { Buffer } from 'node:buffer'
import { parseArgs } from 'node:util'

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' } } })

const body = Buffer.from(JSON.stringify({ id: 1, ratings: { Reviewer1: 5, Reviewer2: 4 } }))
const headers = { 'content-type': 'application/json', 'content-length': String(body.length) }

const server = http.createServer((req, res) => {
  // Drain whatever the client sent so keep-alive connections stay usable.
  req.resume()
  res.writeHead(200, headers)
  res.end(body)
})
// Proxies keep pooled connections open between runs; an upstream that closes them after Node's
// default 5 s would turn the first requests of a run into connection errors.
server.keepAliveTimeout = 120_000
server.headersTimeout = 121_000

server.listen(Number(values.port), values.host, () => {
  console.log(JSON.stringify({ msg: 'listening', name: 'upstream', port: server.address().port }))
})
process.on('SIGTERM', () => server.close(() => process.exit(0)).closeAllConnections())

// A stand-in for Hydra's admin introspection endpoint (RFC 7662 §2), with a fixed latency.
//   POST <any path> token=…  → after 2 ms: {active:true,…} for tokens starting with "valid-",
//                              {"active":false} otherwise
//   GET  /calls              → {"calls": N}  (introspection calls since start or the last reset)
//   POST /calls/reset        → {"calls": 0}
// Usage: node bench/introspection-stub.js --port N [--delay-ms 2]
import http from 'node:http'
import process from 'node:process'
import console from 'node:console'
import { Buffer } from 'node:buffer'
import { parseArgs } from 'node:util'
import { URLSearchParams } from 'node:url'
import { setTimeout } from 'node:timers'

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    'delay-ms': { type: 'string', default: '2' },
  },
})
const delayMs = Number(values['delay-ms'])
const TOKEN_TTL_S = 3600

let calls = 0

function tokenFrom(form) {
  // The gateway sends token=…&token_type_hint=access_token (RFC 7662 §2.1).
  return new URLSearchParams(form).get('token') ?? ''
}

function hydraAnswer(token, nowS) {
  if (!token.startsWith('valid-')) return { active: false }
  // The fields Hydra returns for an access token.
  return {
    active: true,
    scope: 'ratings:read',
    client_id: 'bench-client',
    sub: 'bench-user',
    exp: nowS + TOKEN_TTL_S,
    iat: nowS,
    nbf: nowS,
    aud: [],
    iss: 'http://127.0.0.1:4444/',
    token_type: 'Bearer',
    token_use: 'access_token',
  }
}

function send(res, status, value) {
  const body = Buffer.from(JSON.stringify(value))
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(body.length) })
  res.end(body)
}

const server = http.createServer((req, res) => {
  const chunks = []
  req.on('data', (c) => chunks.push(c))
  req.on('end', () => {
    if (req.url === '/calls' && req.method === 'GET') return send(res, 200, { calls })
    if (req.url === '/calls/reset' && req.method === 'POST') {
      calls = 0
      return send(res, 200, { calls })
    }
    if (req.method !== 'POST') return send(res, 405, { error: 'method_not_allowed' })
    calls += 1
    const token = tokenFrom(Buffer.concat(chunks).toString('utf8'))
    setTimeout(() => send(res, 200, hydraAnswer(token, Math.floor(Date.now() / 1000))), delayMs)
  })
})
server.keepAliveTimeout = 120_000
server.headersTimeout = 121_000

server.listen(Number(values.port), values.host, () => {
  console.log(JSON.stringify({ msg: 'listening', name: 'introspection-stub', port: server.address().port }))
})
process.on('SIGTERM', () => server.close(() => process.exit(0)).closeAllConnections())

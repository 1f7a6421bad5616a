// Soak run (issue 7 §5), not part of `npm test`: `npm run soak -- [--duration 60] [--concurrency 64]`.
// On loopback, for a bounded time, the built gateway takes a mix of valid, invalid and token-less
// requests while a chaos schedule slows and restarts the introspection stub and the upstream.
// The upstream checks every request on the protected route for the marks only an authenticated
// request carries (a valid token and the identity header the gateway sets); anything else is a
// leak. Reports requests by outcome, leaks (must be 0), crashes (must be 0), and the gateway's RSS.
// Exit code 1 when a leak or a crash was seen.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { setTimeout as sleep } from 'node:timers/promises'
import process from 'node:process'
import console from 'node:console'
import { Pool } from 'undici'

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '60' },
    concurrency: { type: 'string', default: '64' },
    'valid-tokens': { type: 'string', default: '20000' },
    'cache-entries': { type: 'string', default: '5000' },
  },
})
const DURATION_S = Number(values.duration)
const CONCURRENCY = Number(values.concurrency)
const VALID_TOKENS = Number(values['valid-tokens'])
const CACHE_ENTRIES = Number(values['cache-entries'])
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url))
const USER = 'soak-user'
/** Each chaos phase lasts this long; the schedule cycles through PHASES. */
const PHASE_MS = 4000
const PHASES = ['normal', 'slow-introspection', 'restart-introspection', 'normal', 'slow-upstream', 'restart-upstream', 'hang-introspection']

/** A node:http server that can be stopped and started again on the same port. */
function restartable(name, handler) {
  let server
  let port = 0
  const start = () =>
    new Promise((resolve, reject) => {
      server = createServer(handler)
      server.keepAliveTimeout = 2000
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => {
        port = server.address().port
        resolve()
      })
    })
  const stop = () =>
    new Promise((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  return { name, start, stop, get port() { return port } }
}

const state = { introspectionDelayMs: 1, introspectionHang: false, upstreamDelayMs: 0 }
const counts = { introspectionCalls: 0, upstreamProtected: 0, upstreamOpen: 0, leaks: 0, leakSamples: [] }

const stub = restartable('introspection', (req, res) => {
  let body = ''
  req.setEncoding('utf8')
  req.on('data', (c) => (body += c))
  req.on('end', () => {
    counts.introspectionCalls++
    if (state.introspectionHang) return
    const token = new URLSearchParams(body).get('token') ?? ''
    const now = Math.floor(Date.now() / 1000)
    const answer = token.startsWith('valid-')
      ? { active: true, sub: USER, client_id: 'soak', scope: 'ratings:read', exp: now + 3600, iat: now, token_use: 'access_token' }
      : { active: false }
    setTimeout(() => {
      if (!res.destroyed) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer))
    }, state.introspectionDelayMs)
  })
})

const upstream = restartable('upstream', (req, res) => {
  if (req.url.startsWith('/ratings')) {
    counts.upstreamProtected++
    const auth = req.headers.authorization ?? ''
    if (!/^Bearer valid-\d+$/.test(auth) || req.headers['x-user-id'] !== USER) {
      counts.leaks++
      if (counts.leakSamples.length < 5) counts.leakSamples.push({ url: req.url, authorization: auth.slice(0, 40), xUserId: req.headers['x-user-id'] })
    }
  } else {
    counts.upstreamOpen++
  }
  req.resume()
  setTimeout(() => {
    if (!res.destroyed) res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
  }, state.upstreamDelayMs)
})

function rssKb(pid) {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN)
  } catch {
    return NaN
  }
}

async function startGateway() {
  const dir = mkdtempSync(join(tmpdir(), 'tokengate-soak-'))
  const file = join(dir, 'gateway.yaml')
  const port = await freePort()
  writeFileSync(file, `server: { host: 127.0.0.1, port: ${port} }
admin: { enabled: false }
log: { level: warn }
upstreams:
  app: { url: "http://127.0.0.1:${upstream.port}", timeout: 500ms, connectTimeout: 200ms }
routes:
  - name: ratings
    labels: { route: ratings }
    matchers: [ { uri: { prefix: /ratings } } ]
    forwardTo: { upstream: app }
  - name: open
    matchers: [ { uri: { prefix: /open } } ]
    forwardTo: { upstream: app }
policies:
  - name: ratings
    applyToRoutes: [ { route: { labels: { route: ratings } } } ]
    config:
      oauth2:
        accessTokenValidation:
          introspectionUrl: http://127.0.0.1:${stub.port}/admin/oauth2/introspect
          timeout: 250ms
          cacheMaxEntries: ${CACHE_ENTRIES}
          claimsToHeaders: [ { claim: sub, header: x-user-id } ]
          protection: { coolDown: 1s }
`)
  const child = spawn(process.execPath, [CLI, '--config', file], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn' } })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (c) => (stderr += c))
  child.stdout.resume()
  // At log level warn the "listening" line is not printed: wait until the port answers.
  const address = `http://127.0.0.1:${port}`
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`gateway exited (${child.exitCode}): ${stderr}`)
    try {
      await fetch(`${address}/open/ready`)
      break
    } catch {
      if (i > 100) throw new Error(`gateway did not listen: ${stderr}`)
      await sleep(100)
    }
  }
  return { child, address, stderr: () => stderr }
}

function freePort() {
  return new Promise((resolve) => {
    const probe = createServer()
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address()
      probe.close(() => resolve(port))
    })
  })
}

function pick(n) {
  return Math.floor(Math.random() * n)
}

async function main() {
  await stub.start()
  await upstream.start()
  const gw = await startGateway()
  let crashes = 0
  let stopping = false
  gw.child.on('exit', (code, signal) => {
    if (!stopping) {
      crashes++
      console.error(`gateway exited during the soak: code ${code} signal ${signal}\n${gw.stderr()}`)
    }
  })
  const rss = { atStartKb: rssKb(gw.child.pid), peakKb: 0, endKb: NaN }
  const outcomes = new Map()
  const count = (key) => outcomes.set(key, (outcomes.get(key) ?? 0) + 1)
  const pool = new Pool(gw.address, { connections: CONCURRENCY, pipelining: 1 })
  const endAt = Date.now() + DURATION_S * 1000
  let sent = 0
  let invalidSeq = 0

  async function worker() {
    while (Date.now() < endAt && crashes === 0) {
      const r = Math.random()
      const kind = r < 0.5 ? 'valid' : r < 0.8 ? 'invalid' : 'none'
      const path = Math.random() < 0.8 ? `/ratings/${pick(100)}` : `/open/${pick(100)}`
      const headers = kind === 'valid' ? { authorization: `Bearer valid-${pick(VALID_TOKENS)}` } : kind === 'invalid' ? { authorization: `Bearer invalid-${invalidSeq++}-${pick(1e9)}` } : {}
      sent++
      try {
        const res = await pool.request({ method: 'GET', path, headers, headersTimeout: 5000, bodyTimeout: 5000 })
        // 5xx bodies name the coded reason (overloaded, circuit open, timeout, upstream down).
        const code = res.statusCode >= 500 ? ` ${(await res.body.json().catch(() => ({}))).code ?? ''}`.trimEnd() : ''
        if (code === '') await res.body.dump()
        count(`${path.startsWith('/ratings') ? 'protected' : 'open'} ${kind} → ${res.statusCode}${code}`)
      } catch (err) {
        count(`client error ${err.code ?? err.name}`)
      }
    }
  }

  async function chaos() {
    for (let i = 0; Date.now() < endAt - PHASE_MS; i++) {
      const phase = PHASES[i % PHASES.length]
      state.introspectionDelayMs = phase === 'slow-introspection' ? 400 : 1 + pick(5)
      state.introspectionHang = phase === 'hang-introspection'
      state.upstreamDelayMs = phase === 'slow-upstream' ? 800 : 0
      if (phase === 'restart-introspection' || phase === 'restart-upstream') {
        const target = phase === 'restart-introspection' ? stub : upstream
        await target.stop()
        await sleep(PHASE_MS / 2)
        await target.start()
        await sleep(PHASE_MS / 2)
      } else {
        await sleep(PHASE_MS)
      }
      rss.peakKb = Math.max(rss.peakKb, rssKb(gw.child.pid))
    }
    Object.assign(state, { introspectionDelayMs: 1, introspectionHang: false, upstreamDelayMs: 0 })
  }

  const started = Date.now()
  await Promise.all([chaos(), ...Array.from({ length: CONCURRENCY }, worker)])
  const elapsedS = (Date.now() - started) / 1000
  rss.endKb = rssKb(gw.child.pid)
  rss.peakKb = Math.max(rss.peakKb, rss.endKb)
  stopping = true
  await pool.close()
  gw.child.kill('SIGTERM')
  await new Promise((resolve) => gw.child.once('exit', resolve))
  await stub.stop()
  await upstream.stop()

  const report = {
    durationS: Math.round(elapsedS),
    concurrency: CONCURRENCY,
    requests: sent,
    requestsPerSecond: Math.round(sent / elapsedS),
    outcomes: Object.fromEntries([...outcomes].sort((a, b) => b[1] - a[1])),
    introspectionCalls: counts.introspectionCalls,
    upstreamReceived: { protected: counts.upstreamProtected, open: counts.upstreamOpen },
    unauthenticatedReachedUpstream: counts.leaks,
    leakSamples: counts.leakSamples,
    crashes,
    rssMb: { atStart: mb(rss.atStartKb), peak: mb(rss.peakKb), atEnd: mb(rss.endKb) },
    cacheMaxEntries: CACHE_ENTRIES,
    distinctValidTokens: VALID_TOKENS,
  }
  console.log(JSON.stringify(report, null, 2))
  process.exitCode = counts.leaks === 0 && crashes === 0 ? 0 : 1
}

function mb(kb) {
  return Math.round((kb / 1024) * 10) / 10
}

await main()

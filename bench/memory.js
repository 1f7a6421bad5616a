// Memory per cached token (issue 6: ≤ 1 KB of RSS per token at 100 000 cached tokens).
// Starts its own upstream, introspection stub and tokengate with a cache large enough, warms the
// gateway up with one token, reads VmRSS, then caches N distinct valid tokens through HTTP with
// modest concurrency and reads VmRSS again. Before each reading a full GC runs in the gateway
// (through --inspect), so the figures count what is retained, not garbage waiting for collection.
//   node bench/memory.js [--tokens 100000] [--connections 16] [--no-pin]   (run npm run build first)
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { URL, fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { setTimeout as sleep } from 'node:timers/promises'
import os from 'node:os'
import process from 'node:process'
import console from 'node:console'
import { allowedCpus, cpuLayout, findExecutable, freePorts } from './lib/system.js'
import { installCleanup, isShuttingDown, onExit, stopAll, stopProcess } from './lib/procs.js'
import { startStub, startTokengate, startUpstream } from './lib/targets.js'
import { runLoad } from './lib/load.js'
import { scrapeGatewayMetrics } from './lib/gateway-metrics.js'
import { collectGarbage } from './lib/inspector-gc.js'
import { tokenLike, writeTokenFile } from './lib/tokens.js'

const WARMUP_S = 3
const SETTLE_MS = 2000
const FILL_CONNECTIONS = 16

/** Let in-flight work finish, then collect garbage twice (the second pass frees what the first finalised). */
async function settle(inspectPort) {
  await sleep(SETTLE_MS)
  await collectGarbage(inspectPort)
  await collectGarbage(inspectPort)
  await sleep(SETTLE_MS / 4)
}

/** Returns { tokens, connections, rssBeforeBytes, rssAfterBytes, bytesPerToken, introspectionCalls, fillS, fillRps, complete }. */
export async function measureMemory({ dir, layout, loadgen, tokens, threads = 1, connections = FILL_CONNECTIONS, log = () => {} }) {
  const [upstreamPort, stubPort, tokengatePort, adminPort, inspectPort] = await freePorts(5)
  const fillCapS = Math.max(60, Math.ceil(tokens / 500))
  const lifetimeS = 120 + WARMUP_S + fillCapS
  const started = []
  try {
    const upstream = await startUpstream({ port: upstreamPort, cpu: layout.aux, lifetimeS })
    started.push(upstream)
    const stub = await startStub({ port: stubPort, cpu: layout.aux, lifetimeS, delayMs: 2 })
    started.push(stub)
    const gateway = await startTokengate({
      dir, file: 'tokengate-memory.yaml', port: tokengatePort, upstreamPort, stubPort,
      cacheMaxEntries: Math.max(200_000, tokens * 2), cpu: layout.target, lifetimeS, adminPort,
      nodeArgs: [`--inspect=127.0.0.1:${inspectPort}`],
    })
    const heap = async () => (await scrapeGatewayMetrics(`http://127.0.0.1:${adminPort}/metrics`))?.heapUsedBytes ?? null
    started.push(gateway)
    const common = { loadgen, origin: gateway.origin, path: '/ratings/1', connections, threads: Math.min(threads, connections), cpu: layout.aux }

    // Steady state first: JIT, connection pools and V8's young generation all sized by load.
    await runLoad({ ...common, durationS: WARMUP_S, mode: { kind: 'fixed', token: tokenLike('memory-warm') } })
    await settle(inspectPort)
    const rssBeforeBytes = gateway.rssBytes()
    const heapBeforeBytes = await heap()
    const callsBefore = await stub.calls()
    const file = writeTokenFile(dir, 'tokens-memory.txt', tokens)
    const fill = await runLoad({
      ...common,
      durationS: fillCapS,
      mode: { kind: 'rotate', file },
      stopWhen: async () => (await stub.calls()) - callsBefore >= tokens,
    })
    const introspectionCalls = (await stub.calls()) - callsBefore
    await settle(inspectPort)
    const rssAfterBytes = gateway.rssBytes()
    const heapAfterBytes = await heap()
    const result = {
      tokens,
      connections,
      rssBeforeBytes,
      rssAfterBytes,
      bytesPerToken: (rssAfterBytes - rssBeforeBytes) / tokens,
      // V8's used heap from the admin /metrics (prom-client), when the gateway exposes it.
      heapUsedBeforeBytes: heapBeforeBytes,
      heapUsedAfterBytes: heapAfterBytes,
      heapBytesPerToken: heapBeforeBytes === null || heapAfterBytes === null ? null : (heapAfterBytes - heapBeforeBytes) / tokens,
      introspectionCalls,
      fillS: fill.durationS,
      fillRps: fill.rps,
      fillNon2xx: fill.non2xx,
      complete: introspectionCalls >= tokens && fill.non2xx === 0,
    }
    log(`memory: RSS ${(rssBeforeBytes / 2 ** 20).toFixed(1)} → ${(rssAfterBytes / 2 ** 20).toFixed(1)} MiB for ${tokens} tokens = ` +
      `${Math.round(result.bytesPerToken)} B/token` +
      `${result.heapBytesPerToken === null ? '' : `; V8 heap used ${Math.round(result.heapBytesPerToken)} B/token`} (${introspectionCalls} introspection calls, ${fill.rps.toFixed(0)} req/s while filling)`)
    return result
  } finally {
    for (const p of started.reverse()) await stopProcess(p.handle)
  }
}

async function main() {
  const { values } = parseArgs({
    options: {
      tokens: { type: 'string', default: '100000' },
      connections: { type: 'string', default: String(FILL_CONNECTIONS) },
      'no-pin': { type: 'boolean', default: false },
      loadgen: { type: 'string' },
    },
  })
  installCleanup((m) => console.error(m))
  const wrkPath = findExecutable('wrk')
  const kind = values.loadgen ?? (wrkPath !== null ? 'wrk' : 'autocannon')
  const layout = cpuLayout(allowedCpus(findExecutable('taskset')), !values['no-pin'])
  const dir = mkdtempSync(join(os.tmpdir(), 'tokengate-memory-'))
  onExit(() => rmSync(dir, { recursive: true, force: true }))
  try {
    const result = await measureMemory({
      dir, layout, loadgen: { kind, path: wrkPath }, tokens: Number(values.tokens), connections: Number(values.connections),
      log: (m) => console.error(m),
    })
    const out = fileURLToPath(new URL('./results/', import.meta.url))
    mkdirSync(out, { recursive: true })
    writeFileSync(join(out, 'memory.json'), `${JSON.stringify({ at: new Date().toISOString(), layout: layout.note, loadgen: kind, ...result }, null, 2)}\n`)
    console.log(JSON.stringify(result, null, 2))
    console.log(result.bytesPerToken <= 1024 && result.complete ? '✓ ≤ 1 KB per cached token' : '✗ above 1 KB per cached token (or the fill was incomplete)')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch(async (error) => {
    if (isShuttingDown()) return
    console.error(error)
    await stopAll()
    process.exit(1)
  })
}

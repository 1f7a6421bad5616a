// One load run against one URL, with wrk when installed (a C load generator: it leaves the CPU to
// the process under test) or autocannon otherwise. Both report the same normalised result.
import { URL, fileURLToPath } from 'node:url'
import process from 'node:process'
import { setTimeout as sleep } from 'node:timers/promises'
import { startProcess } from './procs.js'

const LUA = fileURLToPath(new URL('../wrk/tokens.lua', import.meta.url))
const AUTOCANNON_WORKER = fileURLToPath(new URL('./autocannon-worker.js', import.meta.url))
const REQUEST_TIMEOUT_S = 5
const STOP_POLL_MS = 100
// How long the result line may trail the load generator's exit before the run counts as failed.
const OUTPUT_GRACE_MS = 5_000

/**
 * mode: { kind: 'fixed', token: string|null } | { kind: 'rotate', file } | { kind: 'unique', prefix }
 * stopWhen: optional async predicate polled every 100 ms; when it holds the run ends early (SIGINT,
 * which both generators answer by reporting what they measured so far).
 * Returns { requests, durationS, rps, p50Ms, p99Ms, non2xx, socketErrors, timeouts, stoppedEarly }.
 */
export async function runLoad({ loadgen, origin, path, connections, threads, durationS, cpu, mode, stopWhen }) {
  const arg = mode.kind === 'fixed' ? (mode.token ?? '-') : mode.kind === 'rotate' ? mode.file : mode.prefix
  const spec = loadgen.kind === 'wrk'
    ? {
        cmd: loadgen.path,
        args: ['-t', String(threads), '-c', String(connections), '-d', `${durationS}s`, '--timeout', `${REQUEST_TIMEOUT_S}s`,
          '-s', LUA, `${origin}${path}`, '--', mode.kind, path, arg, String(threads)],
      }
    : {
        cmd: process.execPath,
        args: [AUTOCANNON_WORKER, JSON.stringify({ url: origin, path, connections, durationS, mode, timeoutS: REQUEST_TIMEOUT_S })],
      }
  let line = null
  const handle = startProcess({
    name: loadgen.kind,
    ...spec,
    cpu,
    lifetimeS: durationS + 30,
    onLine: (l) => {
      if (l.startsWith('BENCH_JSON ')) line = l.slice('BENCH_JSON '.length)
    },
  })
  let stoppedEarly = false
  if (stopWhen !== undefined) {
    void (async () => {
      while (!handle.done) {
        await sleep(STOP_POLL_MS)
        if (!handle.done && (await stopWhen().catch(() => false))) {
          stoppedEarly = true
          process.kill(handle.pid, 'SIGINT')
          return
        }
      }
    })()
  }
  const { code } = await handle.exited
  await Promise.race([handle.closed, sleep(OUTPUT_GRACE_MS)])
  if (line === null) throw new Error(`${loadgen.kind} produced no result (exit ${code}):\n${handle.tail()}`)
  return { ...normalise(loadgen.kind, JSON.parse(line)), stoppedEarly }
}

function normalise(kind, r) {
  if (kind === 'wrk') {
    const durationS = r.durationUs / 1e6
    return {
      requests: r.requests,
      durationS,
      rps: durationS > 0 ? r.requests / durationS : 0,
      p50Ms: r.p50Us / 1000,
      p99Ms: r.p99Us / 1000,
      // wrk counts statuses above 399; nothing in these scenarios answers 1xx or 3xx.
      non2xx: r.non2xx,
      socketErrors: r.connectErrors + r.readErrors + r.writeErrors,
      timeouts: r.timeouts,
    }
  }
  return r
}

// Child processes of the benchmark. Each one is
//   - bounded in lifetime: wrapped in coreutils `timeout`, so even if this harness is killed with
//     SIGKILL nothing outlives the plan (the wrapper makes itself a process-group leader and kills
//     the group when the time is up);
//   - pinned to a CPU with `taskset` when the layout says so;
//   - stopped on exit, on SIGINT and on SIGTERM (SIGTERM to the group, then SIGKILL).
import { spawn } from 'node:child_process'
import process from 'node:process'
import { setTimeout as sleep } from 'node:timers/promises'
import { childPids, findExecutable } from './system.js'

const TASKSET = findExecutable('taskset')
const TIMEOUT = findExecutable('timeout')
const TAIL_LINES = 40
const STOP_GRACE_MS = 3000

const live = new Set()

/**
 * Start `cmd args`. `lifetimeS` is the hard bound; `cpu` null means unpinned.
 * `onLine(line, stream)` sees every output line (stdout and stderr).
 */
export function startProcess({ name, cmd, args, cpu = null, lifetimeS, env = process.env, cwd, onLine }) {
  let argv = [cmd, ...args]
  if (cpu !== null && TASKSET !== null) argv = [TASKSET, '-c', String(cpu), ...argv]
  if (TIMEOUT !== null) argv = [TIMEOUT, '-k', '5', `${Math.ceil(lifetimeS)}s`, ...argv]
  // detached: the child leads its own process group, so one kill(-pid) reaches nginx's workers
  // and anything else it forks.
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env, cwd, detached: true })
  const tail = []
  const remember = (stream) => (chunk) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line === '') continue
      tail.push(`[${stream}] ${line}`)
      if (tail.length > TAIL_LINES) tail.shift()
      onLine?.(line, stream)
    }
  }
  child.stdout.on('data', remember('stdout'))
  child.stderr.on('data', remember('stderr'))
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }))
    child.once('error', (error) => resolve({ code: null, signal: null, error }))
  })
  // 'exit' can come before the last of the output has been read (on a busy machine, a load
  // generator's result line): 'close' comes once stdout and stderr have ended.
  const closed = new Promise((resolve) => {
    child.once('close', () => resolve())
    child.once('error', () => resolve())
  })
  const handle = {
    name,
    pid: child.pid,
    exited,
    /** Resolves once the process has exited and every line of its output has been seen. */
    closed,
    done: false,
    tail: () => tail.join('\n'),
    /** The pid of the command itself (under the timeout wrapper; taskset execs, so it keeps the pid). */
    commandPid: () => (TIMEOUT === null ? child.pid : childPids(child.pid)[0] ?? child.pid),
    stop: () => stopProcess(handle),
  }
  exited.then(() => {
    handle.done = true
    live.delete(handle)
  })
  live.add(handle)
  return handle
}

function signalGroup(handle, signal) {
  for (const target of [-handle.pid, handle.pid]) {
    try {
      process.kill(target, signal)
    } catch {
      // already gone
    }
  }
}

export async function stopProcess(handle) {
  if (handle.done) return
  signalGroup(handle, 'SIGTERM')
  const stopped = await Promise.race([handle.exited.then(() => true), sleep(STOP_GRACE_MS).then(() => false)])
  if (!stopped) {
    signalGroup(handle, 'SIGKILL')
    await Promise.race([handle.exited, sleep(STOP_GRACE_MS)])
  }
}

export async function stopAll() {
  await Promise.all([...live].map((h) => stopProcess(h)))
}

let installed = false
let shuttingDown = false
const exitHooks = []

/** True once SIGINT/SIGTERM arrived: failures of interrupted runs are expected then. */
export const isShuttingDown = () => shuttingDown

/** A synchronous clean-up (e.g. removing the temp dir) for every way out. */
export function onExit(hook) {
  exitHooks.push(hook)
}

/** Kill every child on SIGINT/SIGTERM and, as a last resort, on exit. */
export function installCleanup(log) {
  if (installed) return
  installed = true
  const onSignal = (signal, code) => {
    shuttingDown = true
    log(`\n${signal}: stopping ${live.size} child process(es)…`)
    stopAll().finally(() => process.exit(code))
  }
  process.once('SIGINT', () => onSignal('SIGINT', 130))
  process.once('SIGTERM', () => onSignal('SIGTERM', 143))
  process.once('exit', () => {
    for (const handle of live) signalGroup(handle, 'SIGKILL')
    for (const hook of exitHooks) {
      try {
        hook()
      } catch {
        // best effort on the way out
      }
    }
  })
}

/** Poll `probe()` every 100 ms until it resolves true; fail early if the process exits. */
export async function waitUntil(handle, probe, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (handle.done) throw new Error(`${handle.name} exited before ${what}:\n${handle.tail()}`)
    if (await probe().catch(() => false)) return
    await sleep(100)
  }
  throw new Error(`${handle.name}: no ${what} within ${timeoutMs} ms:\n${handle.tail()}`)
}

// Multi-core: one primary forks N workers that each run the whole gateway (own pools, own caches)
// and share the listening sockets through node:cluster. The primary serves no traffic; it keeps
// the workers alive and relays what arrives as process signals (bound by cli.ts, the only file
// that touches `process`) as IPC messages: reload, shutdown, and cache purge.
import cluster, { type Worker } from 'node:cluster'
import type { Logger } from 'pino'
import { TokengateError } from '../errors.js'
import {
  DEFAULT_MAX_RESTARTS,
  DEFAULT_PRIMARY_GRACE_MS,
  DEFAULT_PURGE_TIMEOUT_MS,
  DEFAULT_RESTART_INITIAL_DELAY_MS,
  DEFAULT_RESTART_MAX_DELAY_MS,
  DEFAULT_RESTART_WINDOW_MS,
} from '../defaults.js'
import { parseWorkerMessage, type PrimaryMessage } from './cluster-messages.js'

export { bindWorker, isClusterWorker, parsePrimaryMessage, type PrimaryMessage, type WorkerHandlers } from './cluster-messages.js'

export type ClusterLogger = Pick<Logger, 'info' | 'warn' | 'error'>

export interface PrimaryOptions {
  readonly workers: number
  readonly logger: ClusterLogger
  /** Script the workers run; default: the primary's own entry (cli.js) with its argv. */
  readonly exec?: string
  readonly args?: readonly string[]
  readonly execArgv?: readonly string[]
  /** Added to the workers' environment. */
  readonly env?: Readonly<Record<string, string>>
  /** After a shutdown message, how long workers get before they are killed. */
  readonly graceMs?: number
  readonly restart?: {
    readonly initialDelayMs?: number
    readonly maxDelayMs?: number
    readonly maxRestarts?: number
    readonly windowMs?: number
  }
  readonly purgeTimeoutMs?: number
  readonly now?: () => number
}

export interface WorkerExit {
  readonly workerId: number
  readonly code: number | null
  readonly signal: string | null
  /** Set when the primary will fork a replacement after this many milliseconds. */
  readonly restartInMs?: number
}

export interface PrimaryHandle {
  /** Resolves once every initial worker has started listening; rejects on give-up or shutdown before that. */
  readonly ready: Promise<void>
  /** Workers that are listening now (for the primary's `/readyz`). */
  listeningCount(): number
  /** Tells every worker to reload its configuration (what SIGHUP means). */
  reload(): void
  /** Purges every worker's cache; resolves with the total removed. */
  purge(token?: string): Promise<number>
  /** Tells every worker to drain and exit, kills stragglers after the grace period; idempotent. */
  shutdown(): Promise<void>
  onWorkerExit(listener: (exit: WorkerExit) => void): void
  /** Workers crashed more than `maxRestarts` times within `windowMs`; the rest are being shut down. */
  onGiveUp(listener: (err: TokengateError) => void): void
}

/** `auto` (or `0`) means one worker per available CPU. */
export function resolveWorkerCount(value: 'auto' | number | string, availableParallelism: number): number {
  if (value === 'auto' || value === 0 || value === '0') return Math.max(1, Math.floor(availableParallelism))
  const n = typeof value === 'number' ? value : /^[0-9]+$/.test(value) ? Number(value) : NaN
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new TokengateError('TG_ERR_CONFIG_INVALID', `--workers must be a positive integer or "auto", got ${JSON.stringify(value)}`)
  }
  return n
}

/** Exponential backoff: initial × 2^(crashes−1), capped. */
export function restartDelayMs(recentCrashes: number, initialDelayMs: number, maxDelayMs: number): number {
  return Math.min(maxDelayMs, initialDelayMs * 2 ** Math.max(0, recentCrashes - 1))
}

interface PendingPurge {
  remaining: Set<number>
  purged: number
  settle: (err: TokengateError | undefined) => void
}

export function startPrimary(opts: PrimaryOptions): PrimaryHandle {
  const { logger } = opts
  const now = opts.now ?? Date.now
  const initialDelayMs = opts.restart?.initialDelayMs ?? DEFAULT_RESTART_INITIAL_DELAY_MS
  const maxDelayMs = opts.restart?.maxDelayMs ?? DEFAULT_RESTART_MAX_DELAY_MS
  const maxRestarts = opts.restart?.maxRestarts ?? DEFAULT_MAX_RESTARTS
  const windowMs = opts.restart?.windowMs ?? DEFAULT_RESTART_WINDOW_MS

  const settings: Parameters<typeof cluster.setupPrimary>[0] = {}
  if (opts.exec !== undefined) settings.exec = opts.exec
  if (opts.args !== undefined) settings.args = [...opts.args]
  if (opts.execArgv !== undefined) settings.execArgv = [...opts.execArgv]
  cluster.setupPrimary(settings)

  const workers = new Map<number, Worker>()
  const listening = new Set<number>()
  /** Workers asked to reload before they listened: they get the message once they do. */
  const reloadPending = new Set<number>()
  const restartTimers = new Set<NodeJS.Timeout>()
  const purges = new Map<number, PendingPurge>()
  let crashTimes: number[] = []
  let nextPurgeId = 1
  let shuttingDown: Promise<void> | undefined
  const exitListeners: Array<(e: WorkerExit) => void> = []
  const giveUpListeners: Array<(e: TokengateError) => void> = []
  /** Called once no worker is left (shutdown waits on this). */
  let emptyWaiters: Array<() => void> = []

  let readyResolve!: () => void
  let readyReject!: (err: Error) => void
  const ready = new Promise<void>((resolve, reject) => { readyResolve = resolve; readyReject = reject })
  ready.catch(() => {}) // a caller that never awaits `ready` must not get an unhandled rejection
  let everListened = 0

  const send = (worker: Worker, msg: PrimaryMessage): boolean => {
    if (!worker.isConnected()) return false
    try {
      return worker.send(msg)
    } catch {
      return false // the channel closed between the check and the send: the worker is exiting
    }
  }

  const fork = (): void => {
    const worker = cluster.fork(opts.env === undefined ? undefined : { ...opts.env })
    workers.set(worker.id, worker)
    worker.on('listening', () => {
      if (listening.has(worker.id)) return // a second listener (e.g. traffic and admin ports)
      listening.add(worker.id)
      if (++everListened === opts.workers) readyResolve()
      if (reloadPending.delete(worker.id)) send(worker, { type: 'reload' })
    })
    worker.on('message', (raw: unknown) => {
      const msg = parseWorkerMessage(raw)
      const pending = msg === undefined ? undefined : purges.get(msg.requestId)
      if (msg === undefined || pending === undefined || !pending.remaining.delete(worker.id)) return
      pending.purged += msg.purged
      if (pending.remaining.size === 0) pending.settle(undefined)
    })
    worker.on('exit', (code, signal) => onExit(worker, code, signal))
  }

  const onExit = (worker: Worker, code: number | null, signal: string | null): void => {
    workers.delete(worker.id)
    listening.delete(worker.id)
    reloadPending.delete(worker.id)
    // A dead worker's cache died with it: it no longer owes a purge confirmation.
    for (const p of purges.values()) if (p.remaining.delete(worker.id) && p.remaining.size === 0) p.settle(undefined)
    let restartInMs: number | undefined
    if (shuttingDown === undefined) {
      const t = now()
      crashTimes = [...crashTimes.filter((c) => t - c < windowMs), t]
      if (crashTimes.length > maxRestarts) {
        const err = new TokengateError('TG_ERR_INTERNAL', `workers crashed ${crashTimes.length} times within ${windowMs} ms; giving up`)
        logger.error({ workerId: worker.id, code, signal }, err.message)
        readyReject(err)
        for (const l of giveUpListeners) l(err)
        void shutdown()
      } else {
        restartInMs = restartDelayMs(crashTimes.length, initialDelayMs, maxDelayMs)
        logger.warn({ workerId: worker.id, code, signal, restartInMs }, 'worker exited unexpectedly; restarting')
        const timer = setTimeout(() => {
          restartTimers.delete(timer)
          if (shuttingDown === undefined) fork()
        }, restartInMs)
        restartTimers.add(timer)
      }
    }
    if (workers.size === 0) {
      const waiters = emptyWaiters
      emptyWaiters = []
      for (const w of waiters) w()
    }
    const exit: WorkerExit = restartInMs === undefined ? { workerId: worker.id, code, signal } : { workerId: worker.id, code, signal, restartInMs }
    for (const l of exitListeners) l(exit)
  }

  const allExited = (ms: number): Promise<boolean> => new Promise((resolve) => {
    if (workers.size === 0) return resolve(true)
    const timer = setTimeout(() => resolve(false), ms)
    emptyWaiters.push(() => { clearTimeout(timer); resolve(true) })
  })

  const shutdown = (): Promise<void> => {
    shuttingDown ??= (async () => {
      readyReject(new TokengateError('TG_ERR_INTERNAL', 'shut down before every worker was listening'))
      for (const timer of restartTimers) clearTimeout(timer)
      restartTimers.clear()
      for (const worker of workers.values()) {
        // A worker still starting may not have bound its message handler yet: a signal reaches it.
        if (!listening.has(worker.id) || !send(worker, { type: 'shutdown' })) worker.process.kill('SIGTERM')
      }
      if (await allExited(opts.graceMs ?? DEFAULT_PRIMARY_GRACE_MS)) return
      logger.warn({ workers: [...workers.keys()] }, 'workers did not exit within the grace period; killing them')
      for (const worker of workers.values()) worker.process.kill('SIGKILL')
      await allExited(2_000)
    })()
    return shuttingDown
  }

  const purge = (token?: string): Promise<number> => new Promise((resolve, reject) => {
    const requestId = nextPurgeId++
    const targets = [...workers.values()].filter((w) => listening.has(w.id))
    const pending: PendingPurge = {
      remaining: new Set(),
      purged: 0,
      settle: (err) => {
        clearTimeout(timer)
        purges.delete(requestId)
        if (err === undefined) resolve(pending.purged)
        else reject(err)
      },
    }
    const timer = setTimeout(() => pending.settle(new TokengateError(
      'TG_ERR_INTERNAL', `${pending.remaining.size} worker(s) did not confirm the cache purge`)), opts.purgeTimeoutMs ?? DEFAULT_PURGE_TIMEOUT_MS)
    purges.set(requestId, pending)
    for (const w of targets) {
      if (send(w, token === undefined ? { type: 'purge', requestId } : { type: 'purge', requestId, token })) pending.remaining.add(w.id)
    }
    if (pending.remaining.size === 0) pending.settle(undefined)
  })

  for (let i = 0; i < opts.workers; i++) fork()
  logger.info({ workers: opts.workers }, 'primary started workers')

  return {
    ready,
    listeningCount: () => listening.size,
    reload() {
      for (const worker of workers.values()) {
        if (!listening.has(worker.id)) reloadPending.add(worker.id)
        else send(worker, { type: 'reload' })
      }
    },
    purge,
    shutdown,
    onWorkerExit: (l) => void exitListeners.push(l),
    onGiveUp: (l) => void giveUpListeners.push(l),
  }
}

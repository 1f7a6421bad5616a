import t from 'tap'
import cluster, { type Worker } from 'node:cluster'
import { fileURLToPath } from 'node:url'
import { pino } from 'pino'
import {
  parsePrimaryMessage, resolveWorkerCount, restartDelayMs, startPrimary, type PrimaryOptions, type WorkerExit,
} from '../../src/server/cluster.js'
import { parseWorkerMessage } from '../../src/server/cluster-messages.js'
import { createClusterMetricsView } from '../../src/observability/metrics.js'

const WORKER = fileURLToPath(new URL('./fixtures/cluster-worker.ts', import.meta.url))
/** Plain JS fixtures start without the TypeScript loader, which is slow on a busy machine. */
const CRASH_WORKER = fileURLToPath(new URL('./fixtures/crash-worker.mjs', import.meta.url))
const STUBBORN_WORKER = fileURLToPath(new URL('./fixtures/stubborn-worker.mjs', import.meta.url))
const logger = pino({ level: 'silent' })

/** The fixture is TypeScript: workers get the same loader flags as this test process. */
function primary(overrides: Partial<PrimaryOptions> = {}) {
  const handle = startPrimary({ workers: 2, logger, exec: WORKER, args: [], graceMs: 10_000, ...overrides })
  const exits: WorkerExit[] = []
  handle.onWorkerExit((e) => exits.push(e))
  return { handle, exits }
}

/** Resolves with the next `count` echo messages from any worker. */
function echoes(count: number): Promise<Array<{ worker: number; got: string }>> {
  return new Promise((resolve) => {
    const seen: Array<{ worker: number; got: string }> = []
    const onMessage = (worker: Worker, msg: { type?: string; got?: string }): void => {
      if (msg.type !== 'echo' || msg.got === undefined) return
      seen.push({ worker: worker.id, got: msg.got })
      if (seen.length === count) {
        cluster.off('message', onMessage)
        resolve(seen)
      }
    }
    cluster.on('message', onMessage)
  })
}

t.test('resolveWorkerCount', async (t) => {
  t.equal(resolveWorkerCount('auto', 8), 8)
  t.equal(resolveWorkerCount('auto', 0), 1, 'never fewer than one')
  t.equal(resolveWorkerCount(0, 4), 4, '0 means auto')
  t.equal(resolveWorkerCount(3, 8), 3)
  t.equal(resolveWorkerCount('4', 8), 4)
  t.equal(resolveWorkerCount(16, 2), 16, 'more workers than cores is allowed')
  for (const bad of [-1, 1.5, Number.NaN, 'x', '', '2x', ' 2']) {
    t.throws(() => resolveWorkerCount(bad, 8), { code: 'TG_ERR_CONFIG_INVALID' }, JSON.stringify(bad))
  }
})

t.test('restartDelayMs doubles from the initial delay up to the cap', async (t) => {
  t.same([1, 2, 3, 4, 5, 6, 10].map((n) => restartDelayMs(n, 100, 2_000)), [100, 200, 400, 800, 1600, 2000, 2000])
  t.equal(restartDelayMs(0, 100, 2_000), 100)
})

t.test('messages: only well-formed ones are accepted', async (t) => {
  t.same(parsePrimaryMessage({ type: 'reload' }), { type: 'reload' })
  t.same(parsePrimaryMessage({ type: 'shutdown', extra: 1 }), { type: 'shutdown' })
  t.same(parsePrimaryMessage({ type: 'purge', requestId: 3 }), { type: 'purge', requestId: 3 })
  t.same(parsePrimaryMessage({ type: 'purge', requestId: 3, token: 'abc' }), { type: 'purge', requestId: 3, token: 'abc' })
  for (const bad of [null, 'reload', {}, { type: 'purge' }, { type: 'purge', requestId: 1, token: 7 }, { type: 'prom-client:getMetricsReq' }]) {
    t.equal(parsePrimaryMessage(bad), undefined, JSON.stringify(bad))
  }
  t.same(parseWorkerMessage({ type: 'purged', requestId: 1, purged: 2 }), { type: 'purged', requestId: 1, purged: 2 })
  for (const bad of [{ type: 'purged', requestId: 1 }, { type: 'purged', requestId: 1, purged: -1 }, { type: 'echo' }]) {
    t.equal(parseWorkerMessage(bad), undefined, JSON.stringify(bad))
  }
})

t.test('two workers: reload, purge and shutdown reach every worker', async (t) => {
  const { handle, exits } = primary()
  await handle.ready
  t.equal(handle.listeningCount(), 2)

  const reloaded = echoes(2)
  handle.reload()
  const got = await reloaded
  t.same(got.map((e) => e.got), ['reload', 'reload'])
  t.equal(new Set(got.map((e) => e.worker)).size, 2, 'each worker once')

  t.equal(await handle.purge(), 10, 'sum of both workers (5 each)')
  t.equal(await handle.purge('abc'), 6, 'the token reached both workers')

  const view = createClusterMetricsView()
  t.match(await view.metricsText(), /^tokengate_requests_total\{route="fixture",status="200"\} 2$/m, 'metrics summed over workers')
  t.match(view.contentType, /^text\/plain/)

  const bye = echoes(2)
  await handle.shutdown()
  t.same((await bye).map((e) => e.got), ['shutdown', 'shutdown'])
  t.equal(handle.listeningCount(), 0)
  t.equal(exits.length, 2)
  t.ok(exits.every((e) => e.code === 0 && e.restartInMs === undefined), 'clean exits, no restarts')
  t.equal(await handle.purge(), 0, 'no workers, nothing to purge')
  t.equal(handle.shutdown(), handle.shutdown(), 'shutdown is idempotent')
})

t.test('a worker that dies unexpectedly is replaced', async (t) => {
  const { handle, exits } = primary({ workers: 1, restart: { initialDelayMs: 10 } })
  await handle.ready
  const replaced = new Promise<void>((resolve) => cluster.once('listening', () => resolve()))
  const first = Object.values(cluster.workers ?? {})[0]!
  first.send({ type: 'test-crash' })
  await replaced
  t.match(exits, [{ workerId: first.id, code: 3, restartInMs: 10 }])
  t.equal(handle.listeningCount(), 1)
  await handle.shutdown()
  t.equal(exits.length, 2)
})

t.test('a crash loop makes the primary give up', async (t) => {
  const { handle, exits } = primary({
    workers: 1, exec: CRASH_WORKER, execArgv: [], restart: { initialDelayMs: 5, maxDelayMs: 20, maxRestarts: 2 },
  })
  const gaveUp = new Promise<Error>((resolve) => handle.onGiveUp(resolve))
  await t.rejects(handle.ready, { code: 'TG_ERR_INTERNAL' })
  t.match((await gaveUp).message, /giving up/)
  await handle.shutdown()
  t.equal(exits.length, 3, 'the first start and two restarts')
  t.equal(exits.at(-1)?.restartInMs, undefined, 'no restart after giving up')
})

t.test('workers that ignore shutdown are killed after the grace period', async (t) => {
  const { handle, exits } = primary({ workers: 1, exec: STUBBORN_WORKER, execArgv: [], graceMs: 200 })
  await handle.ready
  await handle.shutdown()
  t.match(exits, [{ signal: 'SIGKILL', restartInMs: undefined }])
  t.equal(Object.keys(cluster.workers ?? {}).length, 0)
})

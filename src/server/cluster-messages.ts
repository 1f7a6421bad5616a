// The IPC protocol between the cluster primary and its workers, and the worker's side of it.
// Messages are plain JSON objects; anything that does not parse is ignored, since other modules
// (prom-client's cluster metrics, for one) share the same channel.
import cluster from 'node:cluster'

export type PrimaryMessage =
  | { readonly type: 'reload' }
  | { readonly type: 'shutdown' }
  | { readonly type: 'purge'; readonly requestId: number; readonly token?: string }

export interface PurgedMessage {
  readonly type: 'purged'
  readonly requestId: number
  readonly purged: number
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null

export function parsePrimaryMessage(raw: unknown): PrimaryMessage | undefined {
  if (!isRecord(raw)) return undefined
  if (raw.type === 'reload' || raw.type === 'shutdown') return { type: raw.type }
  if (raw.type !== 'purge' || !Number.isSafeInteger(raw.requestId)) return undefined
  const requestId = raw.requestId as number
  if (raw.token === undefined) return { type: 'purge', requestId }
  return typeof raw.token === 'string' ? { type: 'purge', requestId, token: raw.token } : undefined
}

export function parseWorkerMessage(raw: unknown): PurgedMessage | undefined {
  if (!isRecord(raw) || raw.type !== 'purged') return undefined
  const { requestId, purged } = raw
  if (!Number.isSafeInteger(requestId) || !Number.isSafeInteger(purged) || (purged as number) < 0) return undefined
  return { type: 'purged', requestId: requestId as number, purged: purged as number }
}

export interface WorkerHandlers {
  reload(): void
  shutdown(): void
  /** Same contract as the admin server's purgeCache. */
  purge(token?: string): number | Promise<number>
}

export function isClusterWorker(): boolean {
  return cluster.isWorker
}

/**
 * In a worker: acts on the primary's messages. Call it before the servers listen, since the
 * primary holds back a reload until a worker is listening. Returns an unbind function; a no-op
 * outside a cluster worker.
 */
export function bindWorker(handlers: WorkerHandlers): () => void {
  const worker = cluster.worker
  if (worker === undefined) return () => {}
  const onMessage = (raw: unknown): void => {
    const msg = parsePrimaryMessage(raw)
    if (msg === undefined) return
    if (msg.type === 'reload') return handlers.reload()
    if (msg.type === 'shutdown') return handlers.shutdown()
    const reply = (purged: number): void => {
      const answer: PurgedMessage = { type: 'purged', requestId: msg.requestId, purged }
      if (worker.isConnected()) worker.send(answer)
    }
    // A failed purge is not confirmed: the primary then reports the purge as incomplete.
    Promise.resolve()
      .then(() => handlers.purge(msg.token))
      .then(reply, () => {})
  }
  worker.on('message', onMessage)
  return () => {
    worker.off('message', onMessage)
  }
}

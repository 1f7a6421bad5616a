// In-memory storage for oidc-provider models, one store per server instance (oidc-provider's
// own MemoryAdapter is a module-wide singleton, so two servers in one process would share it).
// Everything is lost on exit: this is a development server.
import type { Adapter, AdapterPayload } from './oidc-provider-api.js'

interface Entry { payload: AdapterPayload, expiresAtMs: number }

export class MemoryStore {
  readonly #entries = new Map<string, Entry>()
  readonly nowMs: () => number

  constructor(nowMs: () => number = Date.now) {
    this.nowMs = nowMs
  }

  get(model: string, id: string): AdapterPayload | undefined {
    const key = `${model}:${id}`
    const entry = this.#entries.get(key)
    if (entry === undefined) return undefined
    if (entry.expiresAtMs <= this.nowMs()) {
      this.#entries.delete(key)
      return undefined
    }
    return entry.payload
  }

  set(model: string, id: string, payload: AdapterPayload, expiresInSeconds?: number): void {
    const expiresAtMs = expiresInSeconds === undefined ? Infinity : this.nowMs() + expiresInSeconds * 1000
    this.#entries.set(`${model}:${id}`, { payload, expiresAtMs })
  }

  delete(model: string, id: string): boolean {
    return this.#entries.delete(`${model}:${id}`)
  }

  /** An oidc-provider `adapter` class bound to this store. */
  adapterClass(): new (model: string) => Adapter {
    return adapterFor(this)
  }
}

function adapterFor(store: MemoryStore): new (model: string) => Adapter {
  return class StoreAdapter implements Adapter {
    readonly model: string
    constructor(model: string) {
      this.model = model
    }
    async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
      store.set(this.model, id, payload, expiresIn)
    }
    async find(id: string): Promise<AdapterPayload | undefined> { return store.get(this.model, id) }
    // Only the client_credentials grant is enabled: no user codes, sessions or grants exist.
    async findByUserCode(): Promise<undefined> { return undefined }
    async findByUid(): Promise<undefined> { return undefined }
    async consume(id: string): Promise<void> {
      const payload = store.get(this.model, id)
      if (payload !== undefined) payload.consumed = Math.floor(store.nowMs() / 1000)
    }
    async destroy(id: string): Promise<void> { store.delete(this.model, id) }
    async revokeByGrantId(): Promise<void> {}
  }
}

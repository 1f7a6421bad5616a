// One HTTP exchange whose answer is collected in memory straight from undici's dispatch handler.
// The introspection client used undici's `request`, whose body is a Node `Readable`: reading it
// with `for await` sent objects of other shapes through the same stream functions that stream
// every proxied body, and after a burst of introspections those functions ran deoptimised on the
// hot path. A handler that copies chunks into an array shares no code with the proxy's streams.
import type { Dispatcher } from 'undici'

export type ResponseHeaders = Record<string, string | string[] | undefined>

export interface BufferedDispatchLimits {
  /** Aborts the exchange; the promise rejects with the signal's reason. */
  readonly signal: AbortSignal
  /** A body longer than this aborts the exchange with `tooLarge()`. */
  readonly maxBytes: number
  /** Sees the final status and headers before any body; an error returned refuses the body. */
  readonly accept: (statusCode: number, headers: ResponseHeaders) => Error | undefined
  readonly tooLarge: () => Error
  /** Wraps a transport failure after the response began, so it is never taken for one before it. */
  readonly failedMidBody: (cause: Error) => Error
}

/**
 * Resolves with the whole body of an accepted response. Rejects with undici's own error when the
 * exchange fails before a response, and with the limits' errors otherwise. Refusing or aborting
 * an answer closes its connection rather than draining it.
 */
export function dispatchBuffered(dispatcher: Dispatcher, request: Dispatcher.DispatchOptions, limits: BufferedDispatchLimits): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const { signal } = limits
    if (signal.aborted) {
      reject(abortReason(signal))
      return
    }
    const handler = new BufferingHandler(limits, (err, body) => {
      signal.removeEventListener('abort', onAbort)
      if (err === undefined) resolve(body!)
      else reject(err)
    })
    const onAbort = (): void => handler.fail(abortReason(signal))
    signal.addEventListener('abort', onAbort, { once: true })
    // undici reports its own failures, a closed dispatcher included, to onResponseError.
    dispatcher.dispatch(request, handler)
  })
}

class BufferingHandler implements Dispatcher.DispatchHandler {
  readonly #limits: BufferedDispatchLimits
  readonly #settle: (err: Error | undefined, body?: Buffer) => void
  #controller: Dispatcher.DispatchController | undefined
  #chunks: Buffer[] = []
  #size = 0
  #responded = false
  #settled = false

  constructor(limits: BufferedDispatchLimits, settle: (err: Error | undefined, body?: Buffer) => void) {
    this.#limits = limits
    this.#settle = settle
  }

  /** Settles with `err` and aborts the exchange, now or as soon as undici hands it a socket. */
  fail(err: Error): void {
    if (this.#settled) return
    this.#settled = true
    this.#chunks = []
    this.#settle(err)
    this.#controller?.abort(err)
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller
    // Failed while queued for a connection: abort it the moment it would be written.
    if (this.#settled) controller.abort(new Error('the exchange was abandoned before it was sent'))
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: ResponseHeaders): void {
    if (this.#settled || statusCode < 200) return // 1xx: informational, the final answer follows
    this.#responded = true
    const refusal = this.#limits.accept(statusCode, headers)
    if (refusal !== undefined) this.fail(refusal)
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#settled) return
    this.#size += chunk.length
    // Stop at the cap: a hostile or broken server must not make us buffer megabytes.
    if (this.#size > this.#limits.maxBytes) {
      this.fail(this.#limits.tooLarge())
      return
    }
    this.#chunks.push(chunk)
  }

  onResponseEnd(): void {
    if (this.#settled) return
    this.#settled = true
    const body = Buffer.concat(this.#chunks, this.#size)
    this.#chunks = []
    this.#settle(undefined, body)
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    if (this.#settled) return
    this.#settled = true
    this.#chunks = []
    this.#settle(this.#responded ? this.#limits.failedMidBody(err) : err)
  }
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('aborted')
}

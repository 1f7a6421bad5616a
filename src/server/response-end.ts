// The end of each response, where the access line and the request metrics are written. Fastify
// would run an onResponse hook there, but to do so it puts two listeners ('finish', 'error') on
// every response and also builds a child logger per request, as soon as it has a logger at all:
// 4–5 % of the gateway's throughput against the plain proxy, which has neither (issue 6). A
// ServerResponse subclass, handed to http.createServer through its documented `ServerResponse`
// option, sees the end of every response for the cost of one call.
import { ServerResponse, type IncomingMessage } from 'node:http'

/** Called once per response, when it has ended (sent in full) or been destroyed. */
export type ResponseEndListener = (req: IncomingMessage, res: ServerResponse) => void

/**
 * `onError` gets what `onEnd` throws: `end()` is called from Fastify's send path and from stream
 * pipes, where an exception would break the response or the process, not the accounting.
 */
export function responseClassNotifying(onEnd: ResponseEndListener, onError: (err: unknown) => void): typeof ServerResponse {
  return class NotifyingResponse<Req extends IncomingMessage = IncomingMessage> extends ServerResponse<Req> {
    #notified = false

    // One signature for end()'s three overloads: Node sorts out which argument is which.
    override end(chunk?: unknown, encoding?: unknown, callback?: unknown): this {
      super.end(chunk as never, encoding as never, callback as never)
      this.#notify()
      return this
    }

    // A response cut off (an upstream failing mid-body, a server shutting down) never ends, but
    // it was still a request: it gets its line with the status it had.
    override destroy(error?: Error): this {
      super.destroy(error)
      this.#notify()
      return this
    }

    #notify(): void {
      if (this.#notified) return
      this.#notified = true
      try {
        onEnd(this.req, this)
      } catch (err) {
        onError(err)
      }
    }
  }
}

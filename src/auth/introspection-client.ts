// Step 2's I/O: one RFC 7662 call. Modelled on jose's remote JWKS fetch: its own dispatcher, one
// deadline, no redirects, 200 only, a capped body, and a coded error for every way it can fail.
import { setTimeout as sleep } from 'node:timers/promises'
import { Agent } from 'undici'
import type { Dispatcher } from 'undici'
import { INTROSPECTION_RETRY_JITTER_MS, MAX_INTROSPECTION_BODY_BYTES } from '../defaults.js'
import { TokengateError, isTokengateError } from '../errors.js'
import type { ErrorCode } from '../errors.js'
import { parseIntrospectionResponse } from './introspection-response.js'
import type { IntrospectionResponse } from './introspection-response.js'

export type { IntrospectionResponse } from './introspection-response.js'

export interface IntrospectionClientOptions {
  readonly url: string
  readonly clientId?: string
  /** Absent with a clientId: a public client, identified by `client_id` in the form. */
  readonly clientSecret?: string
  /** One deadline for the whole call: connect, headers and body. */
  readonly timeoutMs: number
  /** Claims to keep in the trimmed response (claimsToHeaders, userIdAttributeName). */
  readonly keepClaims?: readonly string[]
  /** Tests inject one; otherwise the client owns a keep-alive Agent separate from the proxy's pool. */
  readonly dispatcher?: Dispatcher
}

const KEEP_ALIVE_TIMEOUT_MS = 10_000
/** An `x-request-id` is only forwarded when it is plainly printable and short. */
const SAFE_REQUEST_ID = /^[\x21-\x7e]{1,128}$/

export class IntrospectionClient {
  readonly #origin: string
  readonly #path: string
  readonly #authorization: string | undefined
  readonly #publicClientId: string | undefined
  readonly #timeoutMs: number
  readonly #keepClaims: readonly string[]
  readonly #dispatcher: Dispatcher
  readonly #ownsDispatcher: boolean

  constructor(opts: IntrospectionClientOptions) {
    const url = new URL(opts.url)
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new TokengateError('TG_ERR_CONFIG_INVALID', `introspection URL must be http(s): ${url.protocol}`)
    }
    this.#origin = url.origin
    this.#path = `${url.pathname}${url.search}`
    this.#authorization =
      opts.clientId !== undefined && opts.clientSecret !== undefined ? basic(opts.clientId, opts.clientSecret) : undefined
    this.#publicClientId = opts.clientSecret === undefined ? opts.clientId : undefined
    this.#timeoutMs = opts.timeoutMs
    this.#keepClaims = opts.keepClaims ?? []
    this.#ownsDispatcher = opts.dispatcher === undefined
    this.#dispatcher = opts.dispatcher ?? new Agent({ keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS, connect: { timeout: opts.timeoutMs } })
  }

  async introspect(token: string, ctx: { readonly requestId?: string } = {}): Promise<IntrospectionResponse> {
    const controller = new AbortController()
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      controller.abort()
    }, this.#timeoutMs)
    timer.unref()
    try {
      const json = await this.#callRetryingReset(token, ctx.requestId, controller.signal)
      return parseIntrospectionResponse(json, this.#keepClaims)
    } catch (err) {
      throw timedOut ? codedError('TG_ERR_INTROSPECTION_TIMEOUT', `no answer within ${this.#timeoutMs} ms`, err) : classify(err)
    } finally {
      clearTimeout(timer)
    }
  }

  async close(): Promise<void> {
    if (this.#ownsDispatcher) await this.#dispatcher.close()
  }

  /**
   * At most one retry, and only after a connection reset before any response: typically a
   * keep-alive socket the server closed as we wrote to it, so the server did not act on the call.
   * The jittered wait keeps a fleet of gateways from retrying in step; the deadline still holds.
   */
  async #callRetryingReset(token: string, requestId: string | undefined, signal: AbortSignal): Promise<unknown> {
    try {
      return await this.#call(token, requestId, signal)
    } catch (err) {
      if (signal.aborted || !isResetBeforeResponse(err)) throw err
    }
    await sleep(Math.random() * INTROSPECTION_RETRY_JITTER_MS, undefined, { signal })
    return this.#call(token, requestId, signal)
  }

  async #call(token: string, requestId: string | undefined, signal: AbortSignal): Promise<unknown> {
    const form = new URLSearchParams({ token, token_type_hint: 'access_token' })
    if (this.#publicClientId !== undefined) form.set('client_id', this.#publicClientId)
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    }
    if (this.#authorization !== undefined) headers['authorization'] = this.#authorization
    if (requestId !== undefined && SAFE_REQUEST_ID.test(requestId)) headers['x-request-id'] = requestId

    // undici's `request` follows no redirects unless an interceptor is added; a 3xx is a status error below.
    const { statusCode, headers: resHeaders, body } = await this.#dispatcher.request({
      origin: this.#origin,
      path: this.#path,
      method: 'POST',
      headers,
      body: form.toString(),
      signal,
    })
    if (statusCode !== 200) {
      discard(body)
      throw codedError('TG_ERR_INTROSPECTION_STATUS', `the introspection endpoint answered ${statusCode}`)
    }
    if (!isJson(resHeaders['content-type'])) {
      discard(body)
      throw codedError('TG_ERR_INTROSPECTION_RESPONSE', 'the introspection response is not application/json')
    }
    const declared = Number(resHeaders['content-length'] ?? 0)
    if (declared > MAX_INTROSPECTION_BODY_BYTES) {
      discard(body)
      throw tooLarge()
    }
    const chunks: Buffer[] = []
    let size = 0
    try {
      for await (const chunk of body) {
        size += (chunk as Buffer).length
        // Stop reading past the cap: a hostile or broken server must not make us buffer megabytes.
        // Leaving the loop by throwing destroys the body and its connection.
        if (size > MAX_INTROSPECTION_BODY_BYTES) throw tooLarge()
        chunks.push(chunk as Buffer)
      }
    } catch (err) {
      // Coded here so a reset after the response began is never mistaken for one before it.
      throw isTokengateError(err) ? err : codedError('TG_ERR_INTROSPECTION_UNAVAILABLE', 'the connection failed while the introspection response was read', err)
    }
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown
    } catch (err) {
      throw codedError('TG_ERR_INTROSPECTION_RESPONSE', 'the introspection response is not valid JSON', err)
    }
  }
}

/** RFC 6749 §2.3.1: id and secret are form-urlencoded before they are joined and base64-encoded. */
function basic(clientId: string, clientSecret: string): string {
  const encode = (s: string): string => new URLSearchParams({ s }).toString().slice(2)
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString('base64')}`
}

/** RFC 7662 §2.2 answers are `application/json`; parameters such as charset are allowed. */
function isJson(contentType: string | string[] | undefined): boolean {
  if (typeof contentType !== 'string') return false
  return contentType.split(';')[0]!.trim().toLowerCase() === 'application/json'
}

/** Drop a body we will not read; its connection is closed rather than drained. */
function discard(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => {})
  body.destroy()
}

function tooLarge(): TokengateError {
  return codedError('TG_ERR_INTROSPECTION_RESPONSE', `the introspection response is larger than ${MAX_INTROSPECTION_BODY_BYTES} bytes`)
}

function codedError(code: ErrorCode, message: string, cause?: unknown): TokengateError {
  return new TokengateError(code, message, cause === undefined ? undefined : { cause })
}

/** undici's "other side closed" (UND_ERR_SOCKET) or a bare ECONNRESET, raised before any response. */
function isResetBeforeResponse(err: unknown): boolean {
  if (isTokengateError(err)) return false
  const code = (err as { code?: unknown } | null)?.code
  const causeCode = (err as { cause?: { code?: unknown } } | null)?.cause?.code
  return code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || causeCode === 'ECONNRESET'
}

/** undici and net failures by their stable `code`, never by message text. */
function classify(err: unknown): TokengateError {
  if (isTokengateError(err)) return err
  const code = (err as { code?: unknown } | null)?.code
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return codedError('TG_ERR_INTROSPECTION_TIMEOUT', 'the introspection endpoint did not answer in time', err)
  }
  return codedError('TG_ERR_INTROSPECTION_UNAVAILABLE', 'the introspection endpoint could not be reached', err)
}

// What the gateway learns about one request as it goes, read by the forwarding hooks and, at the
// end, by the access log and metrics. Plain data, one object per request.
import type { NormalizedTarget } from '../routing/request-target.js'
import type { TokengateError } from '../errors.js'
import type { UpstreamHeaderContext } from '../proxy/upstream-headers.js'

export interface RequestContext {
  /** performance.now() when the request reached the gateway: the access line's duration starts here. */
  readonly startMs: number
  requestId: string | undefined
  target: NormalizedTarget | undefined
  targetError: TokengateError | undefined
  route: string | undefined
  upstream: string | undefined
  policy: string | undefined
  granted: boolean | undefined
  reason: string | undefined
  cache: 'hit' | 'miss' | 'coalesced' | undefined
  clientId: string | undefined
  sub: string | undefined
  errorCode: string | undefined
  /** What the upstream's request headers are built from, once the request is to be forwarded. */
  upstreamHeaders: UpstreamHeaderContext | undefined
  upstreamStartMs: number | undefined
  upstreamMs: number | undefined
}

/**
 * Every field is present from the start, so each request's context is one allocation with one
 * hidden class: filled in as the request goes, a `{}` would grow its property store several times.
 */
export function newRequestContext(): RequestContext {
  return {
    startMs: performance.now(),
    requestId: undefined,
    target: undefined,
    targetError: undefined,
    route: undefined,
    upstream: undefined,
    policy: undefined,
    granted: undefined,
    reason: undefined,
    cache: undefined,
    clientId: undefined,
    sub: undefined,
    errorCode: undefined,
    upstreamHeaders: undefined,
    upstreamStartMs: undefined,
    upstreamMs: undefined,
  }
}

/** Stored on the raw IncomingMessage by the URL rewrite, before Fastify builds its Request. */
export const kContext = Symbol('tokengate.context')

export interface WithContext {
  [kContext]?: RequestContext
}

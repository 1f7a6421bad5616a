// What the gateway learns about one request as it goes, read at the end by the access log and
// metrics. Plain data, one object per request.
import type { NormalizedTarget } from '../routing/request-target.js'
import type { TokengateError } from '../errors.js'

export interface RequestContext {
  target?: NormalizedTarget
  targetError?: TokengateError
  route?: string
  upstream?: string
  policy?: string
  granted?: boolean
  reason?: string
  cache?: 'hit' | 'miss' | 'coalesced'
  clientId?: string
  sub?: string
  errorCode?: string
  upstreamStartMs?: number
  upstreamMs?: number
}

/** Stored on the raw IncomingMessage by the URL rewrite, before Fastify builds its Request. */
export const kContext = Symbol('tokengate.context')

export interface WithContext {
  [kContext]?: RequestContext
}

// reply-from reports transport failures with its own error classes and undici's codes; the client
// sees one of two stable answers: 504 when the upstream was too slow, 502 for everything else.
import { TokengateError } from '../errors.js'

const TIMEOUT_CODES = new Set([
  'FST_REPLY_FROM_GATEWAY_TIMEOUT',
  'FST_REPLY_FROM_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
])

export function upstreamError(err: unknown): TokengateError {
  const codes = errorCodes(err)
  // The client's own body broke the limit while it streamed: that is theirs to fix, not a 502.
  if (codes.includes('TG_ERR_BODY_TOO_LARGE')) return new TokengateError('TG_ERR_BODY_TOO_LARGE', undefined, { cause: err })
  const timedOut = codes.some((c) => TIMEOUT_CODES.has(c))
  return new TokengateError(timedOut ? 'TG_ERR_UPSTREAM_TIMEOUT' : 'TG_ERR_UPSTREAM_UNAVAILABLE', undefined, { cause: err })
}

/** The codes of an error and its causes, outermost first. */
function errorCodes(err: unknown): string[] {
  const codes: string[] = []
  let current: unknown = err
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === 'string') codes.push(code)
    current = (current as { cause?: unknown }).cause
  }
  return codes
}

// The host a request is for: the authority of an absolute-form target when there is one (RFC 9112
// §3.2.2 says Host is then ignored), else the Host header, which must appear at most once
// (RFC 9112 §3.2: a request with several Host lines gets 400).
import { TokengateError } from '../errors.js'
import { parseHost } from '../routing/host.js'

export interface ClientHost {
  readonly hostname: string
  readonly port: string | undefined
  /** As the client wrote it, for X-Forwarded-Host and preserveHost. */
  readonly value: string | undefined
}

const NO_HOST: ClientHost = { hostname: '', port: undefined, value: undefined }

export function clientHost(authority: string | undefined, rawHeaders: readonly string[]): ClientHost {
  let header: string | undefined
  let seen = 0
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]
    if (name !== undefined && name.length === 4 && name.toLowerCase() === 'host') {
      seen++
      header = rawHeaders[i + 1]
    }
  }
  if (seen > 1) throw new TokengateError('TG_ERR_HOST_INVALID', 'Only one Host header is allowed')
  const value = authority ?? header
  if (value === undefined || value === '') return NO_HOST
  const parsed = parseHost(value)
  if (parsed === undefined) throw new TokengateError('TG_ERR_HOST_INVALID')
  return { hostname: parsed.hostname, port: parsed.port, value }
}

// The RFC 7662 §2.2 answer, shape-checked and trimmed to what decisions need. Pure.
// A field of the wrong type fails the whole answer (fail closed): a server that says
// `"active": "true"` or `"exp": "1700000000"` is not one whose other fields we should trust.
import { TokengateError } from '../errors.js'

/** What the cache holds per token: a few short strings, far below 1 KB for usual tokens. */
export interface IntrospectionResponse {
  readonly active: boolean
  readonly scope?: string
  readonly clientId?: string
  readonly sub?: string
  /** Seconds since the epoch (RFC 7662 §2.2, RFC 7519 NumericDate). */
  readonly exp?: number
  readonly nbf?: number
  /** Always an array here; RFC 7662 allows a string or an array. */
  readonly aud?: readonly string[]
  readonly iss?: string
  /** Hydra's `token_use`: `access_token` or `refresh_token`. */
  readonly tokenUse?: string
  /** Only the claims the policy asked for, stringified. */
  readonly claims?: Readonly<Record<string, string>>
}

/** A claim longer than this is not kept: it would not make a sane header and would bloat the cache. */
export const MAX_CLAIM_VALUE_LENGTH = 1024

export function parseIntrospectionResponse(json: unknown, keepClaims: readonly string[]): IntrospectionResponse {
  if (!isRecord(json)) throw shapeError('the answer is not a JSON object')
  const active = json['active']
  if (typeof active !== 'boolean') throw shapeError('"active" is not a boolean')
  // RFC 7662 §2.2: an inactive answer carries nothing else worth keeping.
  if (!active) return INACTIVE

  const response: {
    -readonly [K in keyof IntrospectionResponse]: IntrospectionResponse[K]
  } = { active: true }
  const scope = optionalString(json, 'scope')
  if (scope !== undefined) response.scope = scope
  const clientId = optionalString(json, 'client_id')
  if (clientId !== undefined) response.clientId = clientId
  const sub = optionalString(json, 'sub')
  if (sub !== undefined) response.sub = sub
  const iss = optionalString(json, 'iss')
  if (iss !== undefined) response.iss = iss
  const tokenUse = optionalString(json, 'token_use')
  if (tokenUse !== undefined) response.tokenUse = tokenUse
  const exp = optionalNumber(json, 'exp')
  if (exp !== undefined) response.exp = exp
  const nbf = optionalNumber(json, 'nbf')
  if (nbf !== undefined) response.nbf = nbf
  optionalNumber(json, 'iat') // checked, not kept: no decision uses it
  optionalString(json, 'token_type')
  optionalString(json, 'username')
  const aud = optionalAudience(json)
  if (aud !== undefined) response.aud = aud
  const claims = keptClaims(json, keepClaims)
  if (claims !== undefined) response.claims = claims
  return Object.freeze(response)
}

const INACTIVE: IntrospectionResponse = Object.freeze({ active: false })

function optionalString(json: Record<string, unknown>, name: string): string | undefined {
  const value = json[name]
  if (value === undefined) return undefined
  if (typeof value !== 'string') throw shapeError(`"${name}" is not a string`)
  return value
}

function optionalNumber(json: Record<string, unknown>, name: string): number | undefined {
  const value = json[name]
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isFinite(value)) throw shapeError(`"${name}" is not a number`)
  return value
}

function optionalAudience(json: Record<string, unknown>): readonly string[] | undefined {
  const value = json['aud']
  if (value === undefined) return undefined
  if (typeof value === 'string') return Object.freeze([value])
  if (Array.isArray(value) && value.every((v): v is string => typeof v === 'string')) return Object.freeze([...value])
  throw shapeError('"aud" is neither a string nor an array of strings')
}

/**
 * Top-level claims first; Hydra puts the claims a consent app adds under `ext`, so a claim that
 * is not at the top level is looked up there.
 */
function keptClaims(json: Record<string, unknown>, keep: readonly string[]): Record<string, string> | undefined {
  if (keep.length === 0) return undefined
  const ext = isRecord(json['ext']) ? json['ext'] : undefined
  // No prototype: a claim named `__proto__` must stay a plain key.
  const claims = Object.create(null) as Record<string, string>
  let any = false
  for (const name of keep) {
    const raw = Object.hasOwn(json, name) ? json[name] : ext !== undefined && Object.hasOwn(ext, name) ? ext[name] : undefined
    const value = stringify(raw)
    if (value === undefined || value.length > MAX_CLAIM_VALUE_LENGTH) continue
    claims[name] = value
    any = true
  }
  return any ? Object.freeze(claims) : undefined
}

function stringify(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  // Arrays of scalars read naturally as a list (e.g. groups); anything else as JSON.
  if (Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number')) return value.join(',')
  return JSON.stringify(value)
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function shapeError(detail: string): TokengateError {
  return new TokengateError('TG_ERR_INTROSPECTION_RESPONSE', `The introspection response is not a valid RFC 7662 answer: ${detail}`)
}

// Step 1 of the pipeline: find the access token where the policy says it travels, and refuse
// anything that is not exactly one well-formed token. Pure: works on what Node parsed.
import type { IncomingHttpHeaders } from 'node:http'
import type { TokenSource } from '../config/types.js'

export interface TokenRequest {
  readonly headers: IncomingHttpHeaders
  /** Node's `rawHeaders`: it keeps every duplicate, where `headers` silently keeps one. */
  readonly rawHeaders: readonly string[]
  /** The raw query string, with or without the leading `?`. */
  readonly query: string
}

export type ReadTokenResult =
  | { readonly ok: true; readonly token: string }
  | { readonly ok: false; readonly error: 'invalid_request' | 'missing'; readonly description: string }

/**
 * RFC 6750 §2.1 b64token (the token68 of RFC 7235 §2.1): base64url/base64 alphabet plus `-._~`,
 * `=` only as trailing padding. Anything else cannot be a bearer token.
 */
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/

/**
 * `Bearer` and the token separated by exactly one space. RFC 7235 §2.1 and RFC 6750 §2.1 allow
 * `1*SP`, but no client sends more than one, and a parser that accepted two would disagree with
 * upstreams that split on a single space (oidc-provider does) about what the token is: refusing is
 * the answer that can never be read two ways. The scheme is case-insensitive (RFC 7235 §2.1).
 */
const BEARER = /^([A-Za-z0-9!#$%&'*+\-.^_`|~]+) (.*)$/s

/**
 * What nearly every client sends, `Bearer` as written in RFC 6750 and a well-formed token, in one
 * test: no match array, no lower-cased scheme, no second pass over the token. It accepts a subset
 * of what BEARER then TOKEN68 accept, with the same token, so everything else takes that path
 * and gets its precise error.
 */
const COMMON_BEARER = /^Bearer [A-Za-z0-9\-._~+/]+=*$/
const COMMON_PREFIX_LENGTH = 'Bearer '.length

export function readToken(input: TokenRequest, source: TokenSource, maxTokenLength: number): ReadTokenResult {
  switch (source.kind) {
    case 'authorization':
      return fromAuthorization(input.rawHeaders, maxTokenLength)
    case 'header':
      return fromNamedHeader(input.rawHeaders, source.name, maxTokenLength)
    case 'query':
      return fromQuery(input.query, source.name, maxTokenLength)
    case 'cookie':
      return fromCookie(input.headers.cookie, source.name, maxTokenLength)
  }
}

function fromAuthorization(rawHeaders: readonly string[], maxTokenLength: number): ReadTokenResult {
  const values = rawHeaderValues(rawHeaders, 'authorization')
  const [value] = values
  if (value === undefined) return missing('no Authorization header')
  if (values.length > 1) return invalid('more than one Authorization header')
  if (COMMON_BEARER.test(value)) return checkToken(value.slice(COMMON_PREFIX_LENGTH), maxTokenLength, true)
  const match = BEARER.exec(value)
  if (match === null) {
    if (value.length === 0) return invalid('the Authorization header is empty')
    // `Bearer` alone, or `Bearer` glued to something: a bearer attempt, malformed.
    return value.toLowerCase().startsWith('bearer') ? invalid('the Bearer credentials are malformed') : unsupported()
  }
  // RFC 6750 §3.1: a request that "attempted using an unsupported authentication method" lacks
  // authentication information, so the challenge carries no error code.
  if (match[1]!.toLowerCase() !== 'bearer') return unsupported()
  return checkToken(match[2]!, maxTokenLength)
}

function fromNamedHeader(rawHeaders: readonly string[], name: string, maxTokenLength: number): ReadTokenResult {
  const values = rawHeaderValues(rawHeaders, name.toLowerCase())
  const [value] = values
  if (value === undefined) return missing(`no ${name} header`)
  if (values.length > 1) return invalid(`more than one ${name} header`)
  return checkToken(value, maxTokenLength)
}

function fromQuery(query: string, name: string, maxTokenLength: number): ReadTokenResult {
  // Parsed only here, for policies that read the query (RFC 6750 §2.3); form-encoded, so a
  // literal `+` in a token must arrive as %2B.
  const values = new URLSearchParams(query.startsWith('?') ? query.slice(1) : query).getAll(name)
  const [value] = values
  if (value === undefined) return missing(`no ${name} query parameter`)
  if (values.length > 1) return invalid(`more than one ${name} query parameter`)
  return checkToken(value, maxTokenLength)
}

function fromCookie(cookieHeader: string | undefined, name: string, maxTokenLength: number): ReadTokenResult {
  const values = cookieValues(cookieHeader ?? '', name)
  const [value] = values
  if (value === undefined) return missing(`no ${name} cookie`)
  // Two cookies of one name (a sibling domain can set one) leave the choice to the parser:
  // refuse rather than guess (RFC 6265 §5.4 gives no order servers may rely on).
  if (values.length > 1) return invalid(`more than one ${name} cookie`)
  return checkToken(value, maxTokenLength)
}

function checkToken(token: string, maxTokenLength: number, syntaxChecked = false): ReadTokenResult {
  if (token.length === 0) return invalid('the access token is empty')
  if (token.length > maxTokenLength) return invalid(`the access token is longer than ${maxTokenLength} characters`)
  if (!syntaxChecked && !TOKEN68.test(token)) return invalid('the access token is not a valid b64token (RFC 6750 section 2.1)')
  return { ok: true, token }
}

/** Values of every header named `lowerName`, in order; names compare case-insensitively. */
function rawHeaderValues(rawHeaders: readonly string[], lowerName: string): string[] {
  const values: string[] = []
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!
    // The length first: most names cannot match, and lower-casing each one is a new string.
    if (name.length === lowerName.length && name.toLowerCase() === lowerName) values.push(rawHeaders[i + 1]!)
  }
  return values
}

/** RFC 6265 §5.4 pairs, split on `;`; names are case-sensitive; a DQUOTE-wrapped value is unwrapped (§4.1.1). */
function cookieValues(header: string, name: string): string[] {
  const values: string[] = []
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=')
    if (eq === -1 || pair.slice(0, eq).trim() !== name) continue
    const raw = pair.slice(eq + 1).trim()
    values.push(raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw)
  }
  return values
}

function missing(description: string): ReadTokenResult {
  return { ok: false, error: 'missing', description }
}

function unsupported(): ReadTokenResult {
  return missing('the Authorization scheme is not Bearer')
}

function invalid(description: string): ReadTokenResult {
  return { ok: false, error: 'invalid_request', description }
}

// The request target → the one path tokengate matches on AND forwards. Proxies have been
// bypassed by deciding on one spelling of a path while the upstream read another
// (CVE-2019-9901 `/../`, CVE-2021-29492 `%2F`, CVE-2021-32779 `#`); so every spelling that
// could mean two things is either made canonical here or refused with TG_ERR_PATH_INVALID.
import { TokengateError } from '../errors.js'
import { parseHost } from './host.js'
import { CHAR, charClass, hexDigitValue, removeDotSegments } from './path-syntax.js'

export interface NormalizedTarget {
  /** Starts with `/`; no dot segments, no `//`, unreserved characters decoded. */
  readonly path: string
  /** Raw, without `?`; '' when there is none. Validated, forwarded as is. */
  readonly query: string
  /** Lower-cased `host[:port]` when the target was in absolute form. */
  readonly authority?: string
}

const SLASH = 0x2f
const DOT = 0x2e
const PERCENT = 0x25
const QUESTION = 0x3f
const HASH = 0x23
const SEMICOLON = 0x3b

function invalid(reason: string): TokengateError {
  return new TokengateError('TG_ERR_PATH_INVALID', reason)
}

export function normalizeRequestTarget(rawTarget: string): NormalizedTarget {
  let start = 0
  let authority: string | undefined
  if (rawTarget.charCodeAt(0) !== SLASH) {
    // Not origin-form: only absolute-form is meaningful for a gateway (RFC 9112 §3.2.2);
    // asterisk-form (`*`) and authority-form (`host:port`, CONNECT) are refused.
    const parsed = splitAbsoluteForm(rawTarget)
    authority = parsed.authority
    start = parsed.pathStart
  }

  // One pass over the path: refuse bytes outside RFC 3986 pchar / "/", and note whether the
  // slow path is needed (a `%`, a `//`, or a segment starting with `.`).
  let end = start
  let needsWork = false
  for (; end < rawTarget.length; end++) {
    const c = rawTarget.charCodeAt(end)
    if (c === QUESTION || c === HASH) break
    if ((charClass(c) & CHAR.PATH) !== 0) {
      if ((c === SLASH || c === DOT) && rawTarget.charCodeAt(end - 1) === SLASH) needsWork = true
    } else if (c === PERCENT) {
      needsWork = true
    } else if (c === SEMICOLON) {
      // Matrix parameters (RFC 3986 §3.3 leaves `;` to the application): Tomcat and Spring strip
      // `;…` from each segment before resolving dot segments, so `/public/..;/ratings` is one
      // segment `..;` here but `..` upstream — `/ratings` reached through the public route. A
      // known bypass class; no API tokengate fronts needs path parameters, so refuse them.
      throw invalid('";" (path parameters) is not allowed in the path')
    } else {
      throw invalid(`character 0x${c.toString(16)} is not allowed in the path`)
    }
  }

  let query = ''
  if (rawTarget.charCodeAt(end) === QUESTION) {
    const hash = rawTarget.indexOf('#', end + 1)
    query = rawTarget.slice(end + 1, hash === -1 ? rawTarget.length : hash)
    validateQuery(query)
  }
  // Anything after `#` is a fragment: never sent upstream, never matched (RFC 9110 §4.2.4).

  let path = rawTarget.slice(start, end)
  if (path === '') path = '/'
  else if (needsWork) path = removeDotSegments(decodeUnreserved(path))
  return authority === undefined ? { path, query } : { path, query, authority }
}

function splitAbsoluteForm(rawTarget: string): { authority: string; pathStart: number } {
  const lower = rawTarget.slice(0, 8).toLowerCase()
  const schemeEnd = lower.startsWith('http://') ? 7 : lower.startsWith('https://') ? 8 : -1
  if (schemeEnd === -1) throw invalid('the request target must be origin-form or absolute-form')
  let pathStart = schemeEnd
  while (pathStart < rawTarget.length) {
    const c = rawTarget.charCodeAt(pathStart)
    if (c === SLASH || c === QUESTION || c === HASH) break
    pathStart++
  }
  const host = parseHost(rawTarget.slice(schemeEnd, pathStart))
  if (host === undefined) throw invalid('the authority of the absolute-form target is invalid')
  const authority = host.port === undefined ? host.hostname : `${host.hostname}:${host.port}`
  return { authority, pathStart }
}

/**
 * RFC 3986 §6.2.2.2: decode percent-encoded unreserved characters; §6.2.2.1: upper-case the hex
 * of every other escape. Encoded `/` and `\` would be separators to some upstreams and not to
 * us, and NUL ends strings in C upstreams, so all three are refused rather than passed on.
 */
function decodeUnreserved(path: string): string {
  let out = ''
  let from = 0
  for (let i = path.indexOf('%'); i !== -1; i = path.indexOf('%', from)) {
    const high = hexDigitValue(path.charCodeAt(i + 1))
    const low = hexDigitValue(path.charCodeAt(i + 2))
    if (high < 0 || low < 0) throw invalid('invalid percent-encoding in the path')
    const byte = high * 16 + low
    if (byte === 0) throw invalid('%00 is not allowed in the path')
    if (byte === 0x2f || byte === 0x5c) throw invalid('an encoded "/" or "\\" is not allowed in the path')
    out += path.slice(from, i)
    out += (charClass(byte) & CHAR.UNRESERVED) !== 0
      ? String.fromCharCode(byte)
      : `%${path.slice(i + 1, i + 3).toUpperCase()}`
    from = i + 3
  }
  return out + path.slice(from)
}

/** RFC 3986 §3.4: query = *( pchar / "/" / "?" ); escapes must be well formed. */
function validateQuery(query: string): void {
  for (let i = 0; i < query.length; i++) {
    const c = query.charCodeAt(i)
    if ((charClass(c) & CHAR.QUERY) !== 0) continue
    if (c !== PERCENT) throw invalid(`character 0x${c.toString(16)} is not allowed in the query`)
    if (hexDigitValue(query.charCodeAt(i + 1)) < 0 || hexDigitValue(query.charCodeAt(i + 2)) < 0) {
      throw invalid('invalid percent-encoding in the query')
    }
    i += 2
  }
}

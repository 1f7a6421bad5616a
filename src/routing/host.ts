// The Host header (RFC 9110 §7.2) and the host patterns of a route. Matching is on the
// lower-cased host name; the port only counts when a pattern names one (DESIGN.md).
import { isIPv6 } from 'node:net'

export interface ParsedHost {
  /** Lower-case; an IPv6 literal keeps its brackets (`[::1]`); no trailing root dot. */
  readonly hostname: string
  /** Decimal without leading zeros; absent when the Host names no port. */
  readonly port?: string
}

/** RFC 1035 §2.3.4: a name is at most 253 characters written out. */
const MAX_HOSTNAME_LENGTH = 253
const MAX_PORT = 65_535

/**
 * Parses a Host header value (or the authority of an absolute-form target). Anything odd gives
 * `undefined`: empty, spaces, commas (two Host headers joined into one), userinfo (`@`), and any
 * character outside letters, digits, `-`, `_` and `.` — so no two spellings of one host can
 * select different routes.
 */
export function parseHost(value: string | undefined): ParsedHost | undefined {
  if (value === undefined || value.length === 0) return undefined
  let hostname: string
  let hostEnd: number
  if (value.charCodeAt(0) === 0x5b /* [ */) {
    // RFC 3986 §3.2.2 IP-literal; zone identifiers (RFC 6874) are refused with the `%` check.
    hostEnd = value.indexOf(']') + 1
    const literal = value.slice(1, hostEnd - 1)
    if (hostEnd === 0 || literal.includes('%') || !isIPv6(literal)) return undefined
    hostname = `[${literal.toLowerCase()}]`
  } else {
    const colon = value.indexOf(':')
    hostEnd = colon === -1 ? value.length : colon
    // A fully qualified `example.com.` names the same host as `example.com`.
    const end = hostEnd > 1 && value.charCodeAt(hostEnd - 1) === 0x2e /* . */ ? hostEnd - 1 : hostEnd
    const name = value.slice(0, end)
    if (!isRegName(name)) return undefined
    hostname = name.toLowerCase()
  }
  if (hostEnd === value.length) return { hostname }
  if (value.charCodeAt(hostEnd) !== 0x3a /* : */) return undefined
  // RFC 3986 §6.2.3: an empty port is the same as none.
  if (hostEnd + 1 === value.length) return { hostname }
  const port = parsePort(value, hostEnd + 1)
  return port === undefined ? undefined : { hostname, port }
}

function isRegName(name: string): boolean {
  if (name.length === 0 || name.length > MAX_HOSTNAME_LENGTH) return false
  let labelLength = 0
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i)
    if (c === 0x2e /* . */) {
      if (labelLength === 0) return false
      labelLength = 0
    } else if (isHostChar(c)) {
      labelLength++
    } else {
      return false
    }
  }
  return labelLength > 0
}

function isHostChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x5f
}

function parsePort(value: string, from: number): string | undefined {
  if (value.length - from > 5) return undefined
  let port = 0
  for (let i = from; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if (c < 0x30 || c > 0x39) return undefined
    port = port * 10 + (c - 0x30)
  }
  return port > MAX_PORT ? undefined : String(port)
}

/** A route's host pattern, split once at compile time. */
export interface HostPattern {
  readonly kind: 'any' | 'exact' | 'wildcard'
  /** `exact`: the host name; `wildcard`: the suffix with its leading dot (`.example.com`). */
  readonly host: string
  readonly port?: string
}

export function compileHostPattern(pattern: string): HostPattern {
  const lower = pattern.toLowerCase()
  const close = lower.startsWith('[') ? lower.indexOf(']') : -1
  const colon = lower.indexOf(':', close === -1 ? 0 : close)
  let host = colon === -1 ? lower : lower.slice(0, colon)
  const portText = colon === -1 ? '' : lower.slice(colon + 1)
  const port = portText === '' ? undefined : (parsePort(portText, 0) ?? portText)
  if (host.length > 1 && host.endsWith('.')) host = host.slice(0, -1)
  const base = port === undefined ? {} : { port }
  if (host === '*') return { kind: 'any', host: '', ...base }
  // Envoy/Gloo: `*.example.com` needs at least one more label and never matches `example.com`.
  if (host.startsWith('*.')) return { kind: 'wildcard', host: host.slice(1), ...base }
  return { kind: 'exact', host, ...base }
}

export function hostPatternMatches(pattern: HostPattern, hostname: string, port: string | undefined): boolean {
  if (pattern.port !== undefined && pattern.port !== port) return false
  switch (pattern.kind) {
    case 'any':
      return true
    case 'exact':
      return hostname === pattern.host
    case 'wildcard':
      return hostname.length > pattern.host.length && hostname.endsWith(pattern.host)
  }
}

/** `hostname`/`port` as parseHost gives them; the pattern as in a route's `hosts`. */
export function hostMatches(pattern: string, hostname: string, port: string | undefined): boolean {
  return hostPatternMatches(compileHostPattern(pattern), hostname, port)
}

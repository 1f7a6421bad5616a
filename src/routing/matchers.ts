// One route matcher (Gloo's Matcher: uri AND methods AND headers AND queryParameters),
// compiled once: regexes built, case folding decided, so a request only runs comparisons.
import { TokengateError } from '../errors.js'
import type { HeaderMatch, MatcherConfig, QueryParameterMatch, UriMatch } from '../config/types.js'

export type RequestHeaders = Readonly<Record<string, string | string[] | undefined>>

export interface CompiledMatcher {
  readonly uri: (path: string) => boolean
  /** Length of the matched prefix for `pathRewrite`; -1 unless the uri is a prefix. */
  readonly prefixLength: number
  readonly methods: readonly string[] | undefined
  readonly headers: readonly CompiledValueMatch[]
  readonly queryParameters: readonly CompiledValueMatch[]
}

export interface CompiledValueMatch {
  readonly name: string
  /** Undefined: presence is enough. */
  readonly test: ((value: string) => boolean) | undefined
  readonly invert: boolean
}

export function compileMatcher(m: MatcherConfig, routeName: string): CompiledMatcher {
  return {
    uri: compileUri(m.uri, routeName),
    prefixLength: m.uri.kind === 'prefix' ? m.uri.value.length : -1,
    methods: m.methods,
    headers: m.headers.map((h) => compileValueMatch(h, h.invertMatch, routeName)),
    queryParameters: m.queryParameters.map((q) => compileValueMatch(q, false, routeName)),
  }
}

function compileUri(uri: UriMatch, routeName: string): (path: string) => boolean {
  switch (uri.kind) {
    case 'any':
      return () => true
    case 'prefix': {
      // A plain string prefix, as Envoy and Gloo: `/ratings` also matches `/ratingsfoo`.
      const { value } = uri
      if (!uri.ignoreCase) return (path) => path.startsWith(value)
      const folded = value.toLowerCase()
      return (path) => path.length >= folded.length && foldedEquals(path, folded, folded.length)
    }
    case 'exact': {
      const { value } = uri
      if (!uri.ignoreCase) return (path) => path === value
      const folded = value.toLowerCase()
      return (path) => path.length === folded.length && foldedEquals(path, folded, folded.length)
    }
    case 'regex': {
      const re = anchoredRegex(uri.value, uri.ignoreCase, routeName)
      return (path) => re.test(path)
    }
  }
}

/**
 * ASCII case-insensitive comparison of the first `length` code units, without allocating.
 * Normalised paths are ASCII, so ASCII folding is all that is needed.
 */
function foldedEquals(path: string, folded: string, length: number): boolean {
  for (let i = 0; i < length; i++) {
    let c = path.charCodeAt(i)
    if (c >= 0x41 && c <= 0x5a) c += 0x20
    if (c !== folded.charCodeAt(i)) return false
  }
  return true
}

function compileValueMatch(
  m: HeaderMatch | QueryParameterMatch,
  invert: boolean,
  routeName: string,
): CompiledValueMatch {
  const { value } = m
  if (value === undefined) return { name: m.name, test: undefined, invert }
  if (!m.regex) return { name: m.name, test: (v) => v === value, invert }
  const re = anchoredRegex(value, false, routeName)
  return { name: m.name, test: (v) => re.test(v), invert }
}

/** Gloo's regexes match the whole value; the group keeps `a|b` from anchoring only one side. */
function anchoredRegex(source: string, ignoreCase: boolean, routeName: string): RegExp {
  try {
    return new RegExp(`^(?:${source})$`, ignoreCase ? 'i' : '')
  } catch (cause) {
    throw new TokengateError('TG_ERR_CONFIG_INVALID', `route ${routeName}: invalid regex ${JSON.stringify(source)}`, { cause })
  }
}

/**
 * Gloo's HeaderMatcher: no value → the header must be present; a value → equal (or a full
 * regex match); `invertMatch` negates the result, so an absent header matches an inverted
 * matcher. Repeated headers are joined with `,` as Envoy does.
 */
export function headerMatches(m: CompiledValueMatch, headers: RequestHeaders): boolean {
  const raw = headers[m.name]
  let matched: boolean
  if (raw === undefined) matched = false
  else if (m.test === undefined) matched = true
  else matched = m.test(typeof raw === 'string' ? raw : raw.join(','))
  return matched !== m.invert
}

/** Gloo's QueryParameterMatcher: no value → present; a value → the first occurrence equals it. */
export function queryParameterMatches(m: CompiledValueMatch, params: URLSearchParams): boolean {
  const value = params.get(m.name)
  if (value === null) return false
  return m.test === undefined || m.test(value)
}

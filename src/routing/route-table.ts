// The route table: routes tried in file order, the first whose hosts and (any) matcher accept
// the request wins (Gloo's RouteTable semantics). A compiled linear scan: with the handful of
// routes a gateway has, that beats any index and keeps "first match wins" obvious.
import type { RouteConfig } from '../config/types.js'
import { compileHostPattern, hostPatternMatches, type HostPattern } from './host.js'
import { removeDotSegments } from './path-syntax.js'
import {
  compileMatcher,
  headerMatches,
  queryParameterMatches,
  type CompiledMatcher,
  type RequestHeaders,
} from './matchers.js'

export interface RequestFacts {
  readonly method: string
  readonly hostname: string
  readonly port?: string
  /** Normalised by normalizeRequestTarget. */
  readonly path: string
  /** Raw query without `?`. */
  readonly query: string
  /** Node's IncomingHttpHeaders: lower-case keys. */
  readonly headers: RequestHeaders
}

export interface RouteMatch {
  readonly route: RouteConfig
  /** The path to send upstream: the normalised path, with the matched prefix rewritten. */
  readonly forwardPath: string
}

export interface RouteTable {
  match(req: RequestFacts): RouteMatch | undefined
}

interface CompiledRoute {
  readonly config: RouteConfig
  /** Empty: any host. */
  readonly hosts: readonly HostPattern[]
  readonly matchers: readonly CompiledMatcher[]
}

export function compileRouteTable(routes: readonly RouteConfig[]): RouteTable {
  const compiled: CompiledRoute[] = routes.map((config) => ({
    config,
    hosts: config.hosts.map(compileHostPattern),
    matchers: config.matchers.map((m) => compileMatcher(m, config.name)),
  }))
  return { match: (req) => matchRoute(compiled, req) }
}

function matchRoute(routes: readonly CompiledRoute[], req: RequestFacts): RouteMatch | undefined {
  // Parsed at most once per request, and only when a matcher that got that far needs it.
  let params: URLSearchParams | undefined
  for (const route of routes) {
    if (!hostsMatch(route.hosts, req)) continue
    if (route.matchers.length === 0) return { route: route.config, forwardPath: req.path }
    for (const m of route.matchers) {
      if (!m.uri(req.path)) continue
      if (m.methods !== undefined && !m.methods.includes(req.method)) continue
      if (!allHeadersMatch(m, req.headers)) continue
      if (m.queryParameters.length > 0) {
        params ??= new URLSearchParams(req.query)
        if (!allQueryParametersMatch(m, params)) continue
      }
      return { route: route.config, forwardPath: forwardPath(route.config, m, req.path) }
    }
  }
  return undefined
}

// Plain loops rather than `every(closure)`: no allocation per request on the common path.
function allHeadersMatch(m: CompiledMatcher, headers: RequestHeaders): boolean {
  for (const h of m.headers) if (!headerMatches(h, headers)) return false
  return true
}

function allQueryParametersMatch(m: CompiledMatcher, params: URLSearchParams): boolean {
  for (const q of m.queryParameters) if (!queryParameterMatches(q, params)) return false
  return true
}

function hostsMatch(hosts: readonly HostPattern[], req: RequestFacts): boolean {
  if (hosts.length === 0) return true
  for (const h of hosts) if (hostPatternMatches(h, req.hostname, req.port)) return true
  return false
}

/**
 * `pathRewrite` replaces the matched prefix (Gloo's prefixRewrite). Unlike Envoy, which turns
 * `/api/x` with prefix `/api` and rewrite `/` into `//x`, the join never doubles a slash, the
 * result always starts with `/`, and it is as free of dot segments as the path it came from.
 */
function forwardPath(route: RouteConfig, m: CompiledMatcher, path: string): string {
  if (route.pathRewrite === undefined || m.prefixLength < 0) return path
  return joinRewrite(route.pathRewrite, path.slice(m.prefixLength))
}

export function joinRewrite(rewrite: string, rest: string): string {
  const joined = rewrite.startsWith('/') ? rewrite + rest : `/${rewrite}${rest}`
  // The seam can make `//` (rewrite `/`, rest `/x`) or a dot segment: prefix `/public`, rewrite
  // `/ratings/`, path `/public../admin` would forward `/ratings/../admin` — `/admin` upstream.
  // Resolving both keeps the invariants of a normalised path.
  return joined.includes('/.') || joined.includes('//') ? removeDotSegments(joined) : joined
}

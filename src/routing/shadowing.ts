// Which routes can never be reached because an earlier one takes every request they could
// match? For `tokengate validate` warnings. Only cases that can be proved are reported: a
// missed warning costs little, a false one would teach users to ignore warnings.
import type { MatcherConfig, RouteConfig, UriMatch } from '../config/types.js'
import { compileHostPattern, type HostPattern } from './host.js'

export interface ShadowedRoute {
  /** Position of the unreachable route in `routes`. */
  readonly route: number
  /** Position of the first earlier route that takes all of its requests. */
  readonly shadowedBy: number
}

/** A route without matchers matches as one matcher with no constraints would. */
const MATCH_ALL: MatcherConfig = { uri: { kind: 'any' }, headers: [], queryParameters: [] }

export function findShadowedRoutes(routes: readonly RouteConfig[]): ShadowedRoute[] {
  const found: ShadowedRoute[] = []
  routes.forEach((later, j) => {
    const i = routes.findIndex((earlier, k) => k < j && routeCovers(earlier, later))
    if (i !== -1) found.push({ route: j, shadowedBy: i })
  })
  return found
}

function routeCovers(a: RouteConfig, b: RouteConfig): boolean {
  return hostsCover(a.hosts, b.hosts) && matchersOf(b).every((mb) => matchersOf(a).some((ma) => matcherCovers(ma, mb)))
}

function matchersOf(route: RouteConfig): readonly MatcherConfig[] {
  return route.matchers.length === 0 ? [MATCH_ALL] : route.matchers
}

function hostsCover(a: readonly string[], b: readonly string[]): boolean {
  const as = (a.length === 0 ? ['*'] : a).map(compileHostPattern)
  const bs = (b.length === 0 ? ['*'] : b).map(compileHostPattern)
  return bs.every((pb) => as.some((pa) => hostCovers(pa, pb)))
}

function hostCovers(a: HostPattern, b: HostPattern): boolean {
  if (a.port !== undefined && a.port !== b.port) return false
  switch (a.kind) {
    case 'any':
      return true
    case 'exact':
      return b.kind === 'exact' && b.host === a.host
    case 'wildcard':
      // `*.example.com` covers `x.example.com`, `*.example.com` and `*.x.example.com`.
      if (b.kind === 'exact') return b.host.length > a.host.length && b.host.endsWith(a.host)
      return b.kind === 'wildcard' && b.host.endsWith(a.host)
  }
}

function matcherCovers(a: MatcherConfig, b: MatcherConfig): boolean {
  if (a.methods !== undefined && (b.methods === undefined || !b.methods.every((m) => a.methods?.includes(m)))) {
    return false
  }
  // Each header/query condition of `a` must be one that `b` itself imposes, word for word.
  const same = (x: object) => (y: object) => JSON.stringify(x) === JSON.stringify(y)
  if (!a.headers.every((h) => b.headers.some(same(h)))) return false
  if (!a.queryParameters.every((q) => b.queryParameters.some(same(q)))) return false
  return uriCovers(a.uri, b.uri)
}

function uriCovers(a: UriMatch, b: UriMatch): boolean {
  if (a.kind === 'any') return true
  // Every normalised path starts with `/`.
  if (a.kind === 'prefix' && a.value === '/') return true
  if (a.kind === 'regex') return b.kind === 'regex' && b.value === a.value && (a.ignoreCase || !b.ignoreCase)
  if (b.kind === 'any' || b.kind === 'regex') return false
  // Both are prefix or exact from here. An exact `a` covers only the same exact `b`.
  if (a.kind === 'exact' && b.kind !== 'exact') return false
  const head = a.kind === 'prefix' ? b.value.slice(0, a.value.length) : b.value
  if (a.kind === 'exact' && head.length !== a.value.length) return false
  if (a.ignoreCase) return head.toLowerCase() === a.value.toLowerCase()
  // A case-sensitive `a` covers a case-insensitive `b` only where case cannot matter.
  return head === a.value && (!b.ignoreCase || !/[A-Za-z]/.test(a.value))
}

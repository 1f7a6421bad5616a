// Property-based tests of the routing core (issue 7 §2): normalisation is idempotent and stays
// inside what it was given; matching agrees with a slow, obviously correct reference; a route
// reported as shadowed really is.
import t from 'tap'
import fc from 'fast-check'
import { normalizeRequestTarget } from '../../src/routing/request-target.js'
import { compileRouteTable, type RequestFacts } from '../../src/routing/route-table.js'
import { findShadowedRoutes } from '../../src/routing/shadowing.js'
import { isTokengateError } from '../../src/errors.js'
import type { MatcherConfig, RouteConfig } from '../../src/config/types.js'
import { matcher, route, type MatcherSpec, type RouteSpec } from './fixtures/routes.js'

const RUNS = 2000

/** Normalise, or undefined when refused; anything but TG_ERR_PATH_INVALID fails the test. */
function tryNormalise(raw: string): ReturnType<typeof normalizeRequestTarget> | undefined {
  try {
    return normalizeRequestTarget(raw)
  } catch (err) {
    if (isTokengateError(err) && err.code === 'TG_ERR_PATH_INVALID') return undefined
    throw err
  }
}

const joined = (parts: fc.Arbitrary<string>, maxLength = 12) => fc.array(parts, { maxLength }).map((a) => a.join(''))

/** Pieces that exercise every rule: dots, slashes, escapes good and bad, separators, odd bytes. */
const trickyPiece = fc.constantFrom(
  '/', '//', '.', '..', '/./', '/../', 'a', 'B', 'z', '~', '-', '_', ':', '@', '!', '=',
  '%', '%2', '%2e', '%2E', '%2f', '%2F', '%5c', '%41', '%7e', '%7E', '%c3%a9', '%20', '%00', '%zz', '%25',
  ';', '?', '#', ' ', '\\', '\u00e9', '\t', 'http://', '*',
)
const trickyTarget = joined(trickyPiece).map((s) => `/${s}`)

function assertCanonical(path: string): void {
  if (!path.startsWith('/')) throw new Error(`does not start with /: ${path}`)
  for (const bad of ['/../', '/./', '//', ';', '#', '?']) {
    if (path.includes(bad)) throw new Error(`contains ${bad}: ${path}`)
  }
  if (path.endsWith('/..') || path.endsWith('/.')) throw new Error(`ends in a dot segment: ${path}`)
  if (/%(?:2F|5C|00)/i.test(path)) throw new Error(`contains an encoded separator or NUL: ${path}`)
  if (/%(?:[0-9A-F][a-f]|[a-f][0-9A-F]|[a-f]{2})/.test(path)) throw new Error(`lower-case escape: ${path}`)
  if (/%(?:4[1-9A-F]|5[0-9AF]|6[1-9A-F]|7[0-9AE]|3[0-9]|2[DE])/.test(path)) throw new Error(`escaped unreserved: ${path}`)
}

t.test('normalisation is idempotent and its output is canonical', async (t) => {
  let accepted = 0
  fc.assert(fc.property(trickyTarget, (raw) => {
    const out = tryNormalise(raw)
    if (out === undefined) return
    accepted++
    assertCanonical(out.path)
    const again = normalizeRequestTarget(out.path)
    return again.path === out.path && again.query === ''
  }), { numRuns: RUNS })
  t.ok(accepted > RUNS / 10, `enough targets were accepted to test the output (${accepted})`)
})

t.test('any string is normalised or refused with TG_ERR_PATH_INVALID, nothing else', async (t) => {
  fc.assert(fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.string().map((s) => `/${s}`)), (raw) => {
    const out = tryNormalise(raw)
    if (out !== undefined) assertCanonical(out.path)
  }), { numRuns: RUNS })
  t.pass('held')
})

/** The obviously correct resolver: a stack over segments, `..` popping, never below the root. */
function referenceResolve(segments: readonly string[]): string {
  const stack: string[] = []
  for (const s of segments) {
    if (s === '..') stack.pop()
    else if (s !== '.' && s !== '') stack.push(s)
  }
  const last = segments[segments.length - 1]
  const slash = stack.length > 0 && (last === '' || last === '.' || last === '..')
  return `/${stack.join('/')}${slash ? '/' : ''}`
}

const segment = fc.constantFrom('a', 'b', 'c', '.', '..', '', '%2e', '%2E%2e', '.%2E', '...', '.a')
const decodeDots = (s: string) => s.replace(/%2e/gi, '.')

t.test('random segment lists resolve as the reference does, never above the root', async (t) => {
  fc.assert(fc.property(fc.array(segment, { maxLength: 10 }), (segments) => {
    const got = normalizeRequestTarget(`/${segments.join('/')}`).path
    const decoded = segments.map(decodeDots)
    if (got !== referenceResolve(decoded)) return false
    // Nothing invented: the output's segments are a subsequence of the input's real segments.
    const real = decoded.filter((s) => s !== '' && s !== '.' && s !== '..')
    let k = 0
    for (const s of got.split('/').filter((x) => x !== '')) {
      while (k < real.length && real[k] !== s) k++
      if (k++ >= real.length) return false
    }
    return true
  }), { numRuns: RUNS })
  t.pass('held')
})

t.test('a path under /jail with balanced `..` stays under /jail', async (t) => {
  fc.assert(fc.property(fc.array(segment, { maxLength: 10 }), (segments) => {
    let depth = 0
    for (const s of segments.map(decodeDots)) {
      if (s === '..') depth--
      else if (s !== '.' && s !== '') depth++
      if (depth < 0) return // this list climbs out of /jail; the reference test covers it
    }
    const got = normalizeRequestTarget(`/jail/${segments.join('/')}`).path
    return got === '/jail' || got.startsWith('/jail/')
  }), { numRuns: RUNS })
  t.pass('held')
})

t.test('percent-encoding unreserved characters never changes the result', async (t) => {
  const unreserved = fc.constantFrom(...'aZ09-._~'.split(''), '/', '..', '%20')
  fc.assert(fc.property(fc.array(fc.tuple(unreserved, fc.boolean()), { maxLength: 12 }), (pieces) => {
    const plain = `/${pieces.map(([p]) => p).join('')}`
    const encoded = `/${pieces.map(([p, enc]) => (enc && p.length === 1 && p !== '/' ? `%${p.charCodeAt(0).toString(16)}` : p)).join('')}`
    return normalizeRequestTarget(encoded).path === normalizeRequestTarget(plain).path
  }), { numRuns: RUNS })
  t.pass('held')
})

// --- Route matching against a brute-force reference -------------------------------------------

const hostPattern = fc.constantFrom('*', 'a.com', '*.a.com', 'b.a.com', 'a.com:8080', '*.a.com:8080', 'c.com')
const matcherSpec: fc.Arbitrary<MatcherSpec> = fc.record({
  uri: fc.oneof(
    fc.constant({}),
    fc.record({ prefix: fc.constantFrom('/', '/a', '/a/', '/a/b', '/A', '/ab', '/b') }),
    fc.record({ exact: fc.constantFrom('/', '/a', '/a/b', '/A/B', '/b', '/ab/') }),
    fc.record({ regex: fc.constantFrom('/a.*', '/[ab]+', '/A|/b', '/.*/b') }),
  ),
  ignoreCase: fc.boolean(),
  methods: fc.option(fc.subarray(['GET', 'POST', 'PUT'], { minLength: 1 }), { nil: undefined }),
  headers: fc.array(fc.oneof(
    fc.record({ name: fc.constantFrom('x-a', 'x-b'), invertMatch: fc.boolean() }),
    fc.record({ name: fc.constantFrom('x-a', 'x-b'), value: fc.constantFrom('1', '2', '1,2'), invertMatch: fc.boolean() }),
    fc.record({ name: fc.constantFrom('x-a', 'x-b'), value: fc.constantFrom('[12]', '1.*'), regex: fc.constant(true), invertMatch: fc.boolean() }),
  ), { maxLength: 2 }),
  queryParameters: fc.array(fc.oneof(
    fc.record({ name: fc.constantFrom('p', 'q') }),
    fc.record({ name: fc.constantFrom('p', 'q'), value: fc.constantFrom('1', '2') }),
    fc.record({ name: fc.constantFrom('p', 'q'), value: fc.constantFrom('[12]'), regex: fc.constant(true) }),
  ), { maxLength: 2 }),
}).map(({ uri, methods, ...rest }) => ({ ...uri, ...rest, ...(methods === undefined ? {} : { methods }) }))

const routeSpec: fc.Arbitrary<RouteSpec> = fc.record({
  hosts: fc.array(hostPattern, { minLength: 1, maxLength: 2 }),
  matchers: fc.array(matcherSpec, { maxLength: 3 }),
  pathRewrite: fc.option(fc.constantFrom('', '/', '/r', '/r/'), { nil: undefined }),
}).map(({ pathRewrite, ...rest }) => (pathRewrite === undefined ? rest : { ...rest, pathRewrite }))

const routeTable = fc.array(routeSpec, { maxLength: 5 }).map((specs) => specs.map((s, i) => route(s, i)))

const request: fc.Arbitrary<RequestFacts> = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'),
  hostname: fc.constantFrom('a.com', 'b.a.com', 'x.b.a.com', 'c.com', 'ba.com'),
  port: fc.option(fc.constantFrom('8080', '80'), { nil: undefined }),
  path: fc.tuple(fc.array(fc.constantFrom('a', 'b', 'A', 'B', 'ab'), { maxLength: 3 }), fc.boolean())
    .map(([segs, slash]) => normalizeRequestTarget(`/${segs.join('/')}${slash && segs.length > 0 ? '/' : ''}`).path),
  query: fc.constantFrom('', 'p=1', 'q=2', 'p=2&p=1', 'q', 'p=1&q=1', 'p=%31'),
  headers: fc.record({
    'x-a': fc.constantFrom('1', '2', ['1', '2']),
    'x-b': fc.constantFrom('1', '12'),
  }, { requiredKeys: [] }),
}).map(({ port, ...rest }) => (port === undefined ? rest : { ...rest, port }))

function refHost(pattern: string, hostname: string, port: string | undefined): boolean {
  const [host = '', patternPort] = pattern.split(':')
  if (patternPort !== undefined && patternPort !== port) return false
  if (host === '*') return true
  if (!host.startsWith('*.')) return host === hostname
  const want = host.slice(2).split('.')
  const got = hostname.split('.')
  return got.length > want.length && want.every((label, i) => got[got.length - want.length + i] === label)
}

function refUri(m: MatcherConfig, path: string): boolean {
  const u = m.uri
  if (u.kind === 'any') return true
  const fold = (s: string) => (u.ignoreCase ? s.toLowerCase() : s)
  if (u.kind === 'prefix') return fold(path).startsWith(fold(u.value))
  if (u.kind === 'exact') return fold(path) === fold(u.value)
  return new RegExp(`^(?:${u.value})$`, u.ignoreCase ? 'i' : '').test(path)
}

function refValue(value: string | undefined, regex: boolean, actual: string): boolean {
  if (value === undefined) return true
  return regex ? new RegExp(`^(?:${value})$`).test(actual) : actual === value
}

function refQuery(query: string, name: string): string | undefined {
  for (const pair of query.split('&')) {
    const eq = pair.indexOf('=')
    const key = decodeURIComponent(eq === -1 ? pair : pair.slice(0, eq))
    if (key === name) return decodeURIComponent(eq === -1 ? '' : pair.slice(eq + 1))
  }
  return undefined
}

function refMatcher(m: MatcherConfig, req: RequestFacts): boolean {
  if (!refUri(m, req.path)) return false
  if (m.methods !== undefined && !m.methods.includes(req.method)) return false
  for (const h of m.headers) {
    const raw = req.headers[h.name]
    const present = raw !== undefined
    const ok = present && refValue(h.value, h.regex, Array.isArray(raw) ? raw.join(',') : (raw ?? ''))
    if (ok === h.invertMatch) return false
  }
  for (const q of m.queryParameters) {
    const v = refQuery(req.query, q.name)
    if (v === undefined || !refValue(q.value, q.regex, v)) return false
  }
  return true
}

function refMatch(routes: readonly RouteConfig[], req: RequestFacts): { name: string; forwardPath: string } | undefined {
  for (const r of routes) {
    if (!r.hosts.some((h) => refHost(h, req.hostname, req.port))) continue
    const matchers = r.matchers.length === 0 ? [matcher({})] : r.matchers
    const m = matchers.find((x) => refMatcher(x, req))
    if (m === undefined) continue
    if (m.uri.kind !== 'prefix' || r.pathRewrite === undefined) return { name: r.name, forwardPath: req.path }
    let forward = (r.pathRewrite + req.path.slice(m.uri.value.length)).replace(/\/{2,}/g, '/')
    if (!forward.startsWith('/')) forward = `/${forward}`
    return { name: r.name, forwardPath: forward }
  }
  return undefined
}

t.test('route matching agrees with the brute-force reference', async (t) => {
  let matched = 0
  fc.assert(fc.property(routeTable, fc.array(request, { minLength: 1, maxLength: 10 }), (routes, requests) => {
    const table = compileRouteTable(routes)
    for (const req of requests) {
      const got = table.match(req)
      const want = refMatch(routes, req)
      const gotView = got === undefined ? undefined : { name: got.route.name, forwardPath: got.forwardPath }
      if (JSON.stringify(gotView) !== JSON.stringify(want)) return false
      if (want !== undefined) matched++
    }
    return true
  }), { numRuns: RUNS })
  t.ok(matched > RUNS, `requests matched a route often enough to mean something (${matched})`)
})

t.test('a route reported as shadowed never matches where its shadower does not', async (t) => {
  let reported = 0
  fc.assert(fc.property(routeSpec, routeSpec, fc.array(request, { minLength: 1, maxLength: 20 }), (a, b, requests) => {
    const pair = [route(a, 0), route(b, 1)]
    if (findShadowedRoutes(pair).length === 0) return true
    reported++
    const earlier = compileRouteTable([pair[0]!])
    const later = compileRouteTable([pair[1]!])
    return requests.every((req) => later.match(req) === undefined || earlier.match(req) !== undefined)
  }), { numRuns: RUNS * 2 })
  t.ok(reported > 0, `the generator produced shadowed pairs (${reported})`)
})

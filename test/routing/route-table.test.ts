// Route matching: file order, hosts, uri kinds, methods, headers and query parameters as in
// Gloo's RouteTable, and pathRewrite of the matched prefix.
import t from 'tap'
import { compileRouteTable, joinRewrite, type RequestFacts } from '../../src/routing/route-table.js'
import { routes, type RouteSpec } from './fixtures/routes.js'

function req(path: string, extra: Partial<RequestFacts> = {}): RequestFacts {
  return { method: 'GET', hostname: 'api.example.com', path, query: '', headers: {}, ...extra }
}

function matchName(specs: RouteSpec[], r: RequestFacts): string | undefined {
  return compileRouteTable(routes(...specs)).match(r)?.route.name
}

t.test('the first matching route wins, in file order', async (t) => {
  const table: RouteSpec[] = [
    { name: 'ratings', matchers: [{ prefix: '/ratings' }] },
    { name: 'ratings-1', matchers: [{ exact: '/ratings/1' }] },
    { name: 'rest', matchers: [{ prefix: '/' }] },
  ]
  t.equal(matchName(table, req('/ratings/1')), 'ratings')
  t.equal(matchName(table, req('/ratingsfoo')), 'ratings', 'a prefix is a plain string prefix (Envoy, Gloo)')
  t.equal(matchName(table, req('/reviews')), 'rest')
})

t.test('no route matches', async (t) => {
  t.equal(matchName([{ matchers: [{ prefix: '/ratings' }] }], req('/reviews')), undefined)
  t.equal(matchName([], req('/')), undefined)
})

t.test('a route without matchers matches every path on its hosts', async (t) => {
  const table: RouteSpec[] = [{ name: 'a', hosts: ['a.example.com'] }, { name: 'all' }]
  t.equal(matchName(table, req('/x', { hostname: 'a.example.com' })), 'a')
  t.equal(matchName(table, req('/x')), 'all')
})

t.test('hosts', async (t) => {
  const table: RouteSpec[] = [
    { name: 'exact', hosts: ['api.example.com'], matchers: [{ prefix: '/' }] },
    { name: 'wild', hosts: ['*.example.com'], matchers: [{ prefix: '/' }] },
    { name: 'port', hosts: ['example.com:8080'], matchers: [{ prefix: '/' }] },
    { name: 'two', hosts: ['example.org', 'example.net'] },
  ]
  t.equal(matchName(table, req('/', { hostname: 'api.example.com', port: '9999' })), 'exact')
  t.equal(matchName(table, req('/', { hostname: 'a.b.example.com' })), 'wild')
  t.equal(matchName(table, req('/', { hostname: 'example.com' })), undefined)
  t.equal(matchName(table, req('/', { hostname: 'example.com', port: '8080' })), 'port')
  t.equal(matchName(table, req('/', { hostname: 'example.net' })), 'two')
})

const uris: Array<[spec: RouteSpec['matchers'], path: string, expected: boolean]> = [
  [[{ exact: '/ratings' }], '/ratings', true],
  [[{ exact: '/ratings' }], '/ratings/', false],
  [[{ exact: '/Ratings', ignoreCase: true }], '/rATINGS', true],
  [[{ exact: '/Ratings', ignoreCase: true }], '/rATINGSx', false],
  [[{ prefix: '/Ratings', ignoreCase: true }], '/RATINGS/1', true],
  [[{ prefix: '/Ratings', ignoreCase: true }], '/Rat', false],
  [[{ prefix: '/Ratings' }], '/ratings/1', false],
  [[{ regex: '/ratings/[0-9]+' }], '/ratings/12', true],
  [[{ regex: '/ratings/[0-9]+' }], '/ratings/12/x', false, ],
  [[{ regex: '/ratings/[0-9]+' }], '/x/ratings/12', false],
  [[{ regex: '/a|/b' }], '/bb', false], // anchoring covers both alternatives
  [[{ regex: '/a|/b' }], '/b', true],
  [[{ regex: '/RAT.*', ignoreCase: true }], '/ratings', true],
  [[{ exact: '/a' }, { exact: '/b' }], '/b', true], // any matcher may match
]

for (const [matchers, path, expected] of uris) {
  t.test(`${JSON.stringify(matchers)} ${expected ? 'matches' : 'does not match'} ${path}`, async (t) => {
    t.equal(matchName([{ name: 'r', matchers }], req(path)) === 'r', expected)
  })
}

t.test('methods', async (t) => {
  const table: RouteSpec[] = [{ name: 'r', matchers: [{ prefix: '/', methods: ['GET', 'HEAD'] }] }]
  t.equal(matchName(table, req('/')), 'r')
  t.equal(matchName(table, req('/', { method: 'HEAD' })), 'r')
  t.equal(matchName(table, req('/', { method: 'POST' })), undefined)
})

t.test('a matcher needs uri AND methods AND headers AND query parameters', async (t) => {
  const table: RouteSpec[] = [{
    name: 'r',
    matchers: [{ prefix: '/a', methods: ['POST'], headers: [{ name: 'x-v', value: '1' }], queryParameters: [{ name: 'q' }] }],
  }]
  const ok = req('/a', { method: 'POST', headers: { 'x-v': '1' }, query: 'q=' })
  t.equal(matchName(table, ok), 'r')
  t.equal(matchName(table, { ...ok, path: '/b' }), undefined)
  t.equal(matchName(table, { ...ok, method: 'GET' }), undefined)
  t.equal(matchName(table, { ...ok, headers: {} }), undefined)
  t.equal(matchName(table, { ...ok, query: 'p=1' }), undefined)
})

const headerCases: Array<[header: NonNullable<RouteSpec['matchers']>[number]['headers'], headers: RequestFacts['headers'], expected: boolean]> = [
  [[{ name: 'x-env' }], { 'x-env': '' }, true],
  [[{ name: 'x-env' }], {}, false],
  [[{ name: 'x-env', value: 'prod' }], { 'x-env': 'prod' }, true],
  [[{ name: 'x-env', value: 'prod' }], { 'x-env': 'Prod' }, false],
  [[{ name: 'x-env', value: 'prod' }], { 'x-env': 'prod2' }, false],
  [[{ name: 'x-env', value: 'pr.d', regex: true }], { 'x-env': 'prod' }, true],
  [[{ name: 'x-env', value: 'pr.d', regex: true }], { 'x-env': 'xprod' }, false],
  [[{ name: 'x-env', invertMatch: true }], {}, true],
  [[{ name: 'x-env', invertMatch: true }], { 'x-env': 'a' }, false],
  [[{ name: 'x-env', value: 'prod', invertMatch: true }], { 'x-env': 'dev' }, true],
  [[{ name: 'x-env', value: 'prod', invertMatch: true }], { 'x-env': 'prod' }, false],
  [[{ name: 'x-env', value: 'prod', invertMatch: true }], {}, true],
  [[{ name: 'x-env', value: 'a,b' }], { 'x-env': ['a', 'b'] }, true],
  [[{ name: 'x-a' }, { name: 'x-b' }], { 'x-a': '1' }, false],
  [[{ name: 'x-a' }, { name: 'x-b' }], { 'x-a': '1', 'x-b': '2' }, true],
]

for (const [headers, given, expected] of headerCases) {
  t.test(`headers ${JSON.stringify(headers)} vs ${JSON.stringify(given)}`, async (t) => {
    t.equal(matchName([{ name: 'r', matchers: [{ prefix: '/', headers }] }], req('/', { headers: given })) === 'r', expected)
  })
}

const queryCases: Array<[params: NonNullable<RouteSpec['matchers']>[number]['queryParameters'], query: string, expected: boolean]> = [
  [[{ name: 'debug' }], 'debug', true],
  [[{ name: 'debug' }], 'debug=', true],
  [[{ name: 'debug' }], 'x=debug', false],
  [[{ name: 'v', value: '2' }], 'a=1&v=2', true],
  [[{ name: 'v', value: '2' }], 'v=3&v=2', false], // the first occurrence counts (Envoy)
  [[{ name: 'v', value: 'a b' }], 'v=a%20b', true],
  [[{ name: 'v', value: '[0-9]+', regex: true }], 'v=42', true],
  [[{ name: 'v', value: '[0-9]+', regex: true }], 'v=42a', false],
  [[{ name: 'a' }, { name: 'b' }], 'a&b', true],
  [[{ name: 'a' }, { name: 'b' }], 'a', false],
]

for (const [queryParameters, query, expected] of queryCases) {
  t.test(`query ${JSON.stringify(queryParameters)} vs ${JSON.stringify(query)}`, async (t) => {
    t.equal(matchName([{ name: 'r', matchers: [{ prefix: '/', queryParameters }] }], req('/', { query })) === 'r', expected)
  })
}

t.test('forwardPath rewrites the matched prefix only', async (t) => {
  const table = compileRouteTable(routes(
    { name: 'public', matchers: [{ prefix: '/public/ratings' }], pathRewrite: '/ratings' },
    { name: 'api', matchers: [{ prefix: '/api' }], pathRewrite: '/' },
    { name: 'v2', matchers: [{ prefix: '/V2/', ignoreCase: true }], pathRewrite: '/internal/v2/' },
    { name: 'dots', matchers: [{ prefix: '/dots' }], pathRewrite: '/safe/' },
    { name: 'exact', matchers: [{ exact: '/e' }], pathRewrite: '/never' },
    { name: 'plain', matchers: [{ prefix: '/plain' }] },
  ))
  const fwd = (path: string) => table.match(req(path))?.forwardPath
  t.equal(fwd('/public/ratings/1'), '/ratings/1')
  t.equal(fwd('/public/ratings'), '/ratings')
  t.equal(fwd('/api'), '/')
  t.equal(fwd('/api/x'), '/x', 'no // as Envoy would give')
  t.equal(fwd('/v2/a'), '/internal/v2/a')
  t.equal(fwd('/dots../admin'), '/admin', 'a dot segment made at the seam is resolved, never forwarded')
  t.equal(fwd('/e'), '/e', 'pathRewrite applies to prefix matchers only')
  t.equal(fwd('/plain/x'), '/plain/x')
})

t.test('joinRewrite', async (t) => {
  t.equal(joinRewrite('', ''), '/')
  t.equal(joinRewrite('', '/x'), '/x')
  t.equal(joinRewrite('v2', '/x'), '/v2/x')
  t.equal(joinRewrite('/v2/', 'x'), '/v2/x')
  t.equal(joinRewrite('//', '/x'), '/x')
  t.equal(joinRewrite('/a/', './b'), '/a/b')
})

t.test('the query is parsed at most once, and only when a matcher needs it', async (t) => {
  const Original = globalThis.URLSearchParams
  let parses = 0
  globalThis.URLSearchParams = class extends Original {
    constructor(init?: string) {
      super(init)
      parses++
    }
  }
  t.teardown(() => {
    globalThis.URLSearchParams = Original
  })
  const table = compileRouteTable(routes(
    { name: 'q1', matchers: [{ prefix: '/q', queryParameters: [{ name: 'a' }] }] },
    { name: 'q2', matchers: [{ prefix: '/q', queryParameters: [{ name: 'b' }] }] },
    { name: 'rest', matchers: [{ prefix: '/' }] },
  ))
  t.equal(table.match(req('/x', { query: 'b' }))?.route.name, 'rest')
  t.equal(parses, 0, 'no matcher that got past its uri needed the query')
  t.equal(table.match(req('/q', { query: 'b' }))?.route.name, 'q2')
  t.equal(parses, 1, 'two matchers shared one parse')
})

t.test('an invalid regex fails at compile time with a config error', async (t) => {
  t.throws(() => compileRouteTable(routes({ name: 'bad', matchers: [{ regex: '(' }] })), { code: 'TG_ERR_CONFIG_INVALID' })
  t.throws(() => compileRouteTable(routes({ matchers: [{ headers: [{ name: 'x', value: '[', regex: true }] }] })), { code: 'TG_ERR_CONFIG_INVALID' })
})

// Shadowed routes: reported only when an earlier route provably takes all their requests.
import t from 'tap'
import { findShadowedRoutes } from '../../src/routing/shadowing.js'
import { routes, type RouteSpec } from './fixtures/routes.js'

const shadowed: Array<[title: string, earlier: RouteSpec, later: RouteSpec]> = [
  ['a catch-all route shadows everything after it', {}, { matchers: [{ prefix: '/ratings', methods: ['GET'] }] }],
  ['prefix / is a catch-all', { matchers: [{ prefix: '/' }] }, { matchers: [{ regex: '/x.*' }] }],
  ['a shorter prefix shadows a longer one', { matchers: [{ prefix: '/ratings' }] }, { matchers: [{ prefix: '/ratings/1' }] }],
  ['a prefix shadows an exact under it', { matchers: [{ prefix: '/ratings' }] }, { matchers: [{ exact: '/ratings/1' }] }],
  ['the same exact path', { matchers: [{ exact: '/a' }] }, { matchers: [{ exact: '/a' }] }],
  ['an ignoreCase prefix shadows a differently cased one', { matchers: [{ prefix: '/API', ignoreCase: true }] }, { matchers: [{ prefix: '/api/v1', ignoreCase: true }] }],
  ['a case-sensitive prefix without letters shadows an ignoreCase one', { matchers: [{ prefix: '/1' }] }, { matchers: [{ prefix: '/1/A', ignoreCase: true }] }],
  ['fewer methods is not a constraint when the earlier has none', { matchers: [{ prefix: '/a' }] }, { matchers: [{ prefix: '/a', methods: ['GET'] }] }],
  ['a superset of methods', { matchers: [{ prefix: '/a', methods: ['GET', 'POST'] }] }, { matchers: [{ prefix: '/a/b', methods: ['GET'] }] }],
  ['the same header condition', { matchers: [{ prefix: '/', headers: [{ name: 'x-v', value: '1' }] }] }, { matchers: [{ prefix: '/a', headers: [{ name: 'x-v', value: '1' }, { name: 'x-w' }] }] }],
  ['the same regex', { matchers: [{ regex: '/a.*' }] }, { matchers: [{ regex: '/a.*' }] }],
  ['"*" hosts shadow specific hosts', { hosts: ['*'] }, { hosts: ['api.example.com'] }],
  ['a wildcard shadows hosts under it', { hosts: ['*.example.com'] }, { hosts: ['a.example.com', '*.b.example.com'] }],
  ['every later matcher is covered by some earlier one', { matchers: [{ prefix: '/a' }, { prefix: '/b' }] }, { matchers: [{ exact: '/b/1' }, { prefix: '/a/' }] }],
  ['a host without port shadows the same host with one', { hosts: ['a.com'] }, { hosts: ['a.com:8080'] }],
]

for (const [title, earlier, later] of shadowed) {
  t.test(`reports: ${title}`, async (t) => {
    t.same(findShadowedRoutes(routes(earlier, later)), [{ route: 1, shadowedBy: 0 }])
  })
}

const notShadowed: Array<[title: string, earlier: RouteSpec, later: RouteSpec]> = [
  ['a longer prefix does not shadow a shorter one', { matchers: [{ prefix: '/ratings/1' }] }, { matchers: [{ prefix: '/ratings' }] }],
  ['an exact does not shadow a prefix', { matchers: [{ exact: '/a' }] }, { matchers: [{ prefix: '/a' }] }],
  ['a case-sensitive prefix does not shadow an ignoreCase one', { matchers: [{ prefix: '/a' }] }, { matchers: [{ prefix: '/a/b', ignoreCase: true }] }],
  ['methods restrict', { matchers: [{ prefix: '/', methods: ['GET'] }] }, { matchers: [{ prefix: '/a' }] }],
  ['methods are not a superset', { matchers: [{ prefix: '/', methods: ['GET'] }] }, { matchers: [{ prefix: '/a', methods: ['GET', 'POST'] }] }],
  ['headers restrict', { matchers: [{ prefix: '/', headers: [{ name: 'x-v' }] }] }, { matchers: [{ prefix: '/a' }] }],
  ['query parameters restrict', { matchers: [{ prefix: '/', queryParameters: [{ name: 'q' }] }] }, {}],
  ['a different host', { hosts: ['a.example.com'] }, { hosts: ['b.example.com'] }],
  ['a wildcard does not cover its own apex', { hosts: ['*.example.com'] }, { hosts: ['example.com'] }],
  ['a specific host does not cover "*"', { hosts: ['a.com'] }, {}],
  ['a port restricts', { hosts: ['a.com:8080'] }, { hosts: ['a.com'] }],
  ['a regex is not compared with prefixes', { matchers: [{ regex: '/.*' }] }, { matchers: [{ prefix: '/a' }] }],
  ['a prefix does not cover a regex', { matchers: [{ prefix: '/a' }] }, { matchers: [{ regex: '/a.*' }] }],
  ['only one later matcher covered', { matchers: [{ prefix: '/a' }] }, { matchers: [{ prefix: '/a/1' }, { prefix: '/b' }] }],
]

for (const [title, earlier, later] of notShadowed) {
  t.test(`does not report: ${title}`, async (t) => {
    t.same(findShadowedRoutes(routes(earlier, later)), [])
  })
}

t.test('names the first earlier route that shadows, for every shadowed route', async (t) => {
  const found = findShadowedRoutes(routes(
    { matchers: [{ prefix: '/a' }] },
    { matchers: [{ prefix: '/' }] },
    { matchers: [{ prefix: '/a/b' }] },
    { matchers: [{ prefix: '/c' }] },
  ))
  t.same(found, [{ route: 2, shadowedBy: 0 }, { route: 3, shadowedBy: 1 }])
})

// Defaults, normalisation and policy selection in the compiled GatewayConfig.
import t from 'tap'
import { loadConfigText } from '../../src/config/load.js'
import { formatProblem, type ConfigError } from '../../src/errors.js'

const head = 'upstreams:\n  u:\n    url: http://127.0.0.1:1\n'

t.test('routes: hosts lower-cased, matchers and header names normalised', async (t) => {
  const { config } = loadConfigText(`${head}routes:
  - name: a
    hosts: [API.Example.com, '*.Example.org:8443']
    matchers:
      - methods: [GET, POST]
        headers: [{ name: X-Version, value: 'v[12]', regex: true }]
        queryParameters: [{ name: Debug }]
      - uri: { regex: '/r/[0-9]+', ignoreCase: true }
    forwardTo: { upstream: u, preserveHost: true }
`, 'c.yaml', {})
  const route = config.routes[0]!
  t.strictSame(route.hosts, ['api.example.com', '*.example.org:8443'])
  t.strictSame(route.matchers, [
    { uri: { kind: 'any' }, methods: ['GET', 'POST'], headers: [{ name: 'x-version', value: 'v[12]', regex: true, invertMatch: false }], queryParameters: [{ name: 'Debug', regex: false }] },
    { uri: { kind: 'regex', value: '/r/[0-9]+', ignoreCase: true }, headers: [], queryParameters: [] },
  ])
  t.equal(route.preserveHost, true)
  t.strictSame(route.labels, {})
})

const policyDoc = (atv: string, extra = ''): string => `${head}routes:
  - name: a
    labels: { tier: gold, team: x }
    forwardTo: { upstream: u }
  - name: b
    labels: { tier: gold }
    forwardTo: { upstream: u }
  - name: c
    forwardTo: { upstream: u }
policies:
  - name: p
    applyToRoutes:
      - route: { labels: { tier: gold, team: x } }
    config:
      oauth2:
        accessTokenValidation:
${atv}${extra}`

t.test('a selector matches routes whose labels contain all its pairs', async (t) => {
  const { config } = loadConfigText(policyDoc('          introspectionUrl: http://h/i\n'), 'c.yaml', {})
  t.strictSame(config.routes.map((r) => r.policy), ['p', undefined, undefined])
})

t.test('applyToRoutes omitted selects every route', async (t) => {
  const text = `${head}routes:\n  - name: a\n    forwardTo: { upstream: u }\n  - name: b\n    forwardTo: { upstream: u }\npolicies:\n  - name: all\n    config: { oauth2: { accessTokenValidation: { introspectionUrl: 'https://h/i' } } }\n`
  t.strictSame(loadConfigText(text, 'c.yaml', {}).config.routes.map((r) => r.policy), ['all', 'all'])
})

t.test('policy: introspection with a secret file, token source, identity headers', async (t) => {
  const atv = `          introspection:
            introspectionUrl: https://hydra:4445/admin/oauth2/introspect
            clientId: gateway
            clientSecretFile: secrets/client-secret
          requiredScopes: [ratings:read]
          cacheTimeout: 0
          timeout: 500ms
          deniedStatus: 401
          tokenSource: { cookie: at }
          claimsToHeaders: [{ claim: sub, header: X-User }]
          userIdHeader: X-User-Id
`
  const read: string[] = []
  const readFile = (path: string): string => {
    read.push(path)
    return 's3cret\n'
  }
  const { config } = loadConfigText(policyDoc(atv), '/etc/tokengate/gateway.yaml', {}, { readFile })
  t.strictSame(read, ['/etc/tokengate/secrets/client-secret'], 'relative to the config file')
  t.match(config.policies.get('p'), {
    introspection: { url: 'https://hydra:4445/admin/oauth2/introspect', clientId: 'gateway', clientSecret: 's3cret', userIdAttributeName: 'sub', timeoutMs: 500 },
    requiredScopes: ['ratings:read'],
    cacheTimeoutMs: 0,
    deniedStatus: 401,
    tokenSource: { kind: 'cookie', name: 'at' },
    claimsToHeaders: [{ claim: 'sub', header: 'x-user', append: false }],
    userIdHeader: 'x-user-id',
    stripAuthorization: false,
  })
})

t.test('tokenSource header: Authorization (any case) means the Bearer scheme', async (t) => {
  for (const [source, expected] of [
    ['{ header: Authorization }', { kind: 'authorization' }],
    ['{ header: X-Token }', { kind: 'header', name: 'x-token' }],
    ['{ queryParameter: access_token }', { kind: 'query', name: 'access_token' }],
  ] as const) {
    const { config } = loadConfigText(policyDoc('          introspectionUrl: http://h/i\n', `          tokenSource: ${source}\n`), 'c.yaml', {})
    t.strictSame(config.policies.get('p')?.tokenSource, expected, source)
  }
})

t.test('an invalid LOG_LEVEL is reported', async (t) => {
  const text = `${head}routes:\n  - name: a\n    forwardTo: { upstream: u }\n`
  const err = t.throws(() => loadConfigText(text, 'c.yaml', { LOG_LEVEL: 'loud' })) as ConfigError
  t.strictSame(err.problems.map(formatProblem), ['c.yaml: the environment variable LOG_LEVEL is "loud"; use one of fatal, error, warn, info, debug, trace, silent'])
})

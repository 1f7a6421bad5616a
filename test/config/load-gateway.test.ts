// config/gateway.yaml, the shipped configuration, loads to the values the walkthrough needs.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { loadConfigFile } from '../../src/config/load.js'

t.test('config/gateway.yaml points editors at the schema and loads cleanly', async (t) => {
  t.match(readFileSync('config/gateway.yaml', 'utf8').split('\n')[0], /^# yaml-language-server: \$schema=\.\/tokengate\.schema\.json$/)
  const { config, warnings, locate } = loadConfigFile('config/gateway.yaml', {})
  t.strictSame(warnings, [])
  t.equal(config.file, resolve('config/gateway.yaml'))
  t.match(config.server, { host: '0.0.0.0', port: 8080, requireAuth: false })
  t.match(config.admin, { enabled: true, host: '127.0.0.1', port: 9901 })
  t.equal(config.logLevel, 'info')
  t.strictSame(config.upstreams.get('ratings'), {
    name: 'ratings', origin: 'http://127.0.0.1:9080', basePath: '', timeoutMs: 30_000, connectTimeoutMs: 5_000, maxConnections: 128,
  })
  t.strictSame(config.routes.map((r) => [r.name, r.index, r.hosts, r.matchers[0]?.uri, r.pathRewrite, r.policy]), [
    ['ratings', 0, ['*'], { kind: 'prefix', value: '/ratings', ignoreCase: false }, undefined, 'ratings-hydra'],
    ['ratings-public', 1, ['*'], { kind: 'prefix', value: '/public/ratings', ignoreCase: false }, '/ratings', undefined],
  ])
  const policy = config.policies.get('ratings-hydra')
  t.match(policy, {
    introspection: { url: 'http://127.0.0.1:4445/admin/oauth2/introspect', timeoutMs: 2_000 },
    cacheTimeoutMs: 600_000,
    deniedStatus: 403,
    statusOnError: 503,
    tokenSource: { kind: 'authorization' },
  })
  t.strictSame(locate('routes.1.forwardTo.pathRewrite'), { line: 33, col: 20 })
  t.equal(locate('no.such.path')?.line, 6, 'a missing path falls back to the nearest node (here the document)')
})

t.test('the environment fills the shipped file', async (t) => {
  const { config } = loadConfigFile('config/gateway.yaml', {
    TOKENGATE_PORT: '18080', RATINGS_URL: 'https://ratings.internal:8443/v1/', HYDRA_ADMIN_URL: 'http://hydra:4445', LOG_LEVEL: 'debug',
  })
  t.equal(config.server.port, 18080)
  t.match(config.upstreams.get('ratings'), { origin: 'https://ratings.internal:8443', basePath: '/v1' })
  t.equal(config.policies.get('ratings-hydra')?.introspection?.url, 'http://hydra:4445/admin/oauth2/introspect')
  t.equal(config.logLevel, 'debug', 'LOG_LEVEL wins')
})

t.test('the loaded config is deeply frozen', async (t) => {
  const { config } = loadConfigFile('config/gateway.yaml', {})
  t.ok(Object.isFrozen(config))
  t.ok(Object.isFrozen(config.server))
  t.ok(Object.isFrozen(config.routes))
  t.ok(Object.isFrozen(config.routes[0]?.matchers[0]?.uri))
  t.ok(Object.isFrozen(config.policies.get('ratings-hydra')?.introspection))
  t.throws(() => {
    (config.routes as unknown as unknown[]).push({})
  }, TypeError)
  t.throws(() => {
    (config.server as { port: number }).port = 1
  }, TypeError)
  t.throws(() => (config.upstreams as Map<string, unknown>).set('x', {}), TypeError)
  t.throws(() => (config.policies as Map<string, unknown>).delete('ratings-hydra'), TypeError)
})

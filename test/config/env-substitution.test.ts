// ${VAR} substitution happens on parsed scalar values: the environment cannot reshape the document.
import t from 'tap'
import { substitute, resolvePlainScalar } from '../../src/config/env-substitution.js'
import { loadConfigText } from '../../src/config/load.js'
import { formatProblem, type ConfigError } from '../../src/errors.js'

t.test('substitute()', async (t) => {
  const env = { A: 'alpha', EMPTY: '' }
  const cases: Array<[string, string]> = [
    ['${A}', 'alpha'],
    ['x-${A}-y', 'x-alpha-y'],
    ['${A}${A}', 'alphaalpha'],
    ['${B:-beta}', 'beta'],
    ['${A:-beta}', 'alpha'],
    ['${EMPTY:-fallback}', 'fallback'],
    ['${EMPTY}', ''],
    ['${B:-}', ''],
    ['${B:-http://h:1/p}', 'http://h:1/p'],
    ['$${A}', '${A}'],
    ['a$${b}c', 'a${b}c'],
    ['cost: $5', 'cost: $5'],
  ]
  for (const [input, expected] of cases) t.strictSame(substitute(input, env), { ok: true, value: expected }, input)
  t.match(substitute('${B}', env), { ok: false, message: 'environment variable B is not set; set it or write ${B:-default}' })
  t.match(substitute('${1X}', env), { ok: false, message: /is not a variable reference/ })
  t.match(substitute('abc ${A', env), { ok: false, message: /^unclosed "\$\{"/ })
})

t.test('resolvePlainScalar() follows the YAML 1.2 core schema', async (t) => {
  t.equal(resolvePlainScalar('8080'), 8080)
  t.equal(resolvePlainScalar('0x1F'), 31)
  t.equal(resolvePlainScalar('1.5'), 1.5)
  t.equal(resolvePlainScalar('true'), true)
  t.equal(resolvePlainScalar('False'), false)
  t.equal(resolvePlainScalar('null'), null)
  t.equal(resolvePlainScalar('yes'), 'yes', 'YAML 1.1 booleans are strings in 1.2')
  t.equal(resolvePlainScalar('[a, b]'), '[a, b]', 'never a collection')
  t.equal(resolvePlainScalar('a: b'), 'a: b')
})

const base = (server: string): string => `server:\n${server}upstreams:\n  u:\n    url: http://127.0.0.1:1\nroutes:\n  - name: r\n    forwardTo: { upstream: u }\n`

t.test('a plain scalar that is exactly one reference takes the type of its value', async (t) => {
  const { config } = loadConfigText(base('  port: ${PORT:-8080}\n  requireAuth: ${OPEN}\n'), 'c.yaml', { OPEN: 'false' })
  t.equal(config.server.port, 8080)
  t.equal(config.server.requireAuth, false)
  t.equal(loadConfigText(base('  port: ${PORT:-8080}\n'), 'c.yaml', { PORT: '9000' }).config.server.port, 9000)
})

t.test('a quoted scalar stays a string', async (t) => {
  const err = t.throws(() => loadConfigText(base('  port: "${PORT:-8080}"\n'), 'c.yaml', {})) as ConfigError
  t.strictSame(err.problems.map(formatProblem), ['c.yaml:2:9 server.port: must be an integer (got "8080")'])
  t.equal(loadConfigText(base("  host: '${H:-::1}'\n"), 'c.yaml', {}).config.server.host, '::1')
})

t.test('a reference inside a longer plain scalar stays a string', async (t) => {
  const { config } = loadConfigText(base('  host: ${A:-10}.0.0.1\n'), 'c.yaml', {})
  t.equal(config.server.host, '10.0.0.1')
})

t.test('an environment value cannot change the structure of the document', async (t) => {
  const evil = 'x\nadmin:\n  host: 0.0.0.0'
  const { config } = loadConfigText(base('  host: ${EVIL}\n'), 'c.yaml', { EVIL: evil })
  t.equal(config.server.host, evil)
  t.equal(config.admin.host, '127.0.0.1')
  const list = loadConfigText(base('  host: ${L}\n'), 'c.yaml', { L: '[a, b]' })
  t.equal(list.config.server.host, '[a, b]')
})

t.test('comments and keys are never substituted; $${ escapes', async (t) => {
  const text = base('  # ${NOT_SET} in a comment is fine\n  host: $${literal}\n')
  t.equal(loadConfigText(text, 'c.yaml', {}).config.server.host, '${literal}')
})

t.test('an unset variable is located at its scalar, with lines as written', async (t) => {
  const text = base('  host: ${A}\n  port: ${B}\n')
  const err = t.throws(() => loadConfigText(text, 'c.yaml', {})) as ConfigError
  t.strictSame(err.problems.map(formatProblem), [
    'c.yaml:2:9 server.host: environment variable A is not set; set it or write ${A:-default}',
    'c.yaml:3:9 server.port: environment variable B is not set; set it or write ${B:-default}',
  ])
})

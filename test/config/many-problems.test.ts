// A user fixes a file in one pass only if every problem is reported at once, in file order.
import t from 'tap'
import { loadConfigFile } from '../../src/config/load.js'
import { ConfigError, formatProblem } from '../../src/errors.js'

t.test('every problem of a file is reported together', async (t) => {
  const file = 'test/config/fixtures/many-problems.yaml'
  const err = t.throws(() => loadConfigFile(file, {})) as ConfigError
  t.ok(err instanceof ConfigError)
  const ATV = 'policies.0.config.oauth2.accessTokenValidation'
  t.strictSame(err.problems.map(formatProblem), [
    `${file}:2:9 server.port: must be at most 65535 (got 80800)`,
    `${file}:6:5 upstreams.ratings.timeot: unknown key "timeot"; did you mean "timeout"?`,
    `${file}:11:14 routes.0.matchers.0.uri: uri needs exactly one of prefix, exact or regex (found prefix and regex); omit uri to match every path`,
    `${file}:13:17 routes.0.forwardTo.upstream: upstream "ratingz" is not defined; defined upstreams: ratings`,
    `${file}:14:11 routes.1.name: duplicate route name "ratings" (also routes.0); route names must be unique`,
    `${file}:25:29 ${ATV}.introspectionUrl: environment variable HYDRA_URL is not set; set it or write \${HYDRA_URL:-default}`,
    `${file}:26:25 ${ATV}.cacheTimeout: must be a duration like 500ms, 30s, 10m or 1h, or 0 (got "10 minutes")`,
  ])
  t.equal(err.message.split('\n').length, 7, 'the message carries each one')
})

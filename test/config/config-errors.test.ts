// One fixture per configuration error: the exact `file:line:col path: message` a user sees.
import t from 'tap'
import { loadConfigFile } from '../../src/config/load.js'
import { ConfigError, formatProblem } from '../../src/errors.js'

const dir = 'test/config/fixtures'
const ATV = 'policies.0.config.oauth2.accessTokenValidation'

/** fixture name → expected lines, each without the leading `${dir}/${name}.yaml`. */
const cases: Record<string, string[]> = {
  'unknown-key': [`:18:11 ${ATV}.introspectionURL: unknown key "introspectionURL"; did you mean "introspectionUrl"?`],
  'unknown-upstream': [':16:17 routes.1.forwardTo.upstream: upstream "ratingz" is not defined; defined upstreams: ratings'],
  'duplicate-route': [':11:11 routes.1.name: duplicate route name "ratings" (also routes.0); route names must be unique'],
  'duplicate-policy': [':25:11 policies.1.name: duplicate policy name "hydra" (also policies.0); policy names must be unique'],
  'matcher-two-kinds': [':8:14 routes.0.matchers.0.uri: uri needs exactly one of prefix, exact or regex (found prefix and exact); omit uri to match every path'],
  'matcher-no-kind': [':8:14 routes.0.matchers.0.uri: uri needs exactly one of prefix, exact or regex (found none); omit uri to match every path'],
  'bad-regex': [':8:23 routes.0.matchers.0.uri.regex: invalid regular expression "/ratings/([0-9]+": /^(?:/ratings/([0-9]+)$/: Unterminated group'],
  'bad-header-regex': [':10:39 routes.0.matchers.0.headers.0.value: invalid regular expression "v[12": /^(?:v[12)$/: Unterminated character class'],
  'bad-url': [':3:10 upstreams.ratings.url: "ftp://127.0.0.1:9080" uses ftp; only http:// and https:// are supported'],
  'upstream-url-query': [':3:10 upstreams.ratings.url: "http://127.0.0.1:9080/api?x=1" must not have a query or fragment; give an origin with an optional base path, e.g. http://127.0.0.1:9080/api'],
  'upstream-url-userinfo': [':3:10 upstreams.ratings.url: "http://user:***@127.0.0.1:9080" must not contain user:password@; upstream credentials do not belong in the URL'],
  'bad-introspection-url': [`:18:29 ${ATV}.introspectionUrl: "127.0.0.1:4445/admin/oauth2/introspect" is not a valid URL; write an absolute http:// or https:// URL, e.g. http://127.0.0.1:9080`],
  'prefix-no-slash': [':8:24 routes.0.matchers.0.uri.prefix: prefix "ratings" must start with "/"; write "/ratings"'],
  'path-rewrite-non-prefix': [':11:20 routes.0.forwardTo.pathRewrite: pathRewrite replaces the matched prefix, so every matcher of this route needs uri.prefix; use a prefix matcher or drop pathRewrite'],
  'bad-host': [':6:30 routes.0.hosts.1: host "api.*.example.com" is not a valid host pattern; a wildcard may only be the whole left-most label, as in "*.example.com"'],
  'two-policies-one-route': [':19:11 policies.1.name: route "ratings" is selected by both policy "hydra" and policy "everything"; a route may have at most one policy — narrow applyToRoutes with labels'],
  'require-auth-open-route': [':13:5 routes.1: route "health" has no policy but server.requireAuth is true; give it labels a policy selects, or set requireAuth: false'],
  'both-introspection-forms': [`:18:11 ${ATV}: needs exactly one of introspectionUrl or introspection (found both); use introspection: { introspectionUrl, clientId, clientSecret } when the endpoint requires client credentials`],
  'neither-introspection-form': [`:18:11 ${ATV}: needs exactly one of introspectionUrl or introspection (found neither); use introspection: { introspectionUrl, clientId, clientSecret } when the endpoint requires client credentials, or jwt for JWT access tokens`],
  'secret-and-secret-file': [`:22:13 ${ATV}.introspection.clientSecretFile: clientSecret and clientSecretFile are exclusive; keep one`],
  'secret-without-client-id': [`:19:13 ${ATV}.introspection: a client secret needs clientId; add clientId`],
  'client-id-without-secret': [`:19:13 ${ATV}.introspection: clientId needs clientSecret or clientSecretFile; set disableClientSecret: true if the endpoint takes the id alone`],
  'disable-secret-with-secret': [`:22:34 ${ATV}.introspection.disableClientSecret: disableClientSecret: true contradicts the configured client secret; remove one of them`],
  'secret-file-unreadable': [`:21:31 ${ATV}.introspection.clientSecretFile: cannot read client secret file "does-not-exist.txt" (ENOENT); check the path and its permissions`],
  'token-source-two': [`:19:24 ${ATV}.tokenSource: tokenSource needs exactly one of header, queryParameter or cookie (found header and cookie); omit tokenSource for Authorization: Bearer`],
  'reserved-claim-header': [`:21:43 ${ATV}.claimsToHeaders.1.header: header "Authorization" must not be set from token claims (it controls the connection, routing, identity or message framing); choose another name such as x-user-id`],
  'reserved-user-id-header': [`:19:25 ${ATV}.userIdHeader: header "Transfer-Encoding" must not be set from token claims (it controls the connection, routing, identity or message framing); choose another name such as x-user-id`],
  'unset-env': [':3:10 upstreams.ratings.url: environment variable RATINGS_URL is not set; set it or write ${RATINGS_URL:-default}'],
  'bad-env-reference': [':3:10 upstreams.ratings.url: "${RATINGS HOST}" is not a variable reference; write ${NAME} or ${NAME:-default} (NAME: letters, digits, _), or "$${" for a literal "${"'],
  'yaml-syntax': [':7:5: YAML syntax: Flow sequence in block collection must be sufficiently indented and end with a ]'],
  'duplicate-key': [':8:5: duplicate key "forwardTo"; a key may appear only once in a mapping, remove or merge one'],
  'bad-duration': [':4:14 upstreams.ratings.timeout: must be a duration like 500ms, 30s, 10m or 1h, or 0 (got "30 seconds")'],
  'duration-too-long': [`:19:25 ${ATV}.cacheTimeout: 1000h is too long; durations may be at most 596h (the longest timer Node.js supports)`],
  'zero-introspection-timeout': [`:19:20 ${ATV}.timeout: must be greater than 0: every introspection call needs a timeout`],
  'wrong-type': [':2:9 server.port: must be an integer (got "eighty")'],
  'missing-required': [':5:5 routes.0: missing required key "forwardTo"'],
  'bad-upstream-name': [':2:3 upstreams.ratings service: name "ratings service" must start with a letter or digit and use only letters, digits, ".", "_" and "-"'],
  'bad-log-level': [':2:10 log.level: must be one of "fatal", "error", "warn", "info", "debug", "trace", "silent" (got "verbose")'],
  'bad-denied-status': [`:19:25 ${ATV}.deniedStatus: must be one of 401, 403 (got 404)`],
  'bad-method': [':9:19 routes.0.matchers.0.methods.0: must be an upper-case HTTP method such as GET (got "get")'],
  'empty': [': the file is empty; it needs at least "upstreams" and "routes"'],
}

function problemsOf(file: string): string[] {
  try {
    loadConfigFile(file, {})
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map(formatProblem)
    throw err
  }
  return []
}

for (const [name, expected] of Object.entries(cases)) {
  t.test(name, async (t) => {
    const file = `${dir}/${name}.yaml`
    t.strictSame(problemsOf(file), expected.map((line) => `${file}${line}`))
  })
}

t.test('the ConfigError message lists every error, one per line', async (t) => {
  const file = `${dir}/unknown-upstream.yaml`
  t.throws(() => loadConfigFile(file, {}), {
    name: 'ConfigError',
    code: 'TG_ERR_CONFIG_INVALID',
    message: `${file}:16:17 routes.1.forwardTo.upstream: upstream "ratingz" is not defined; defined upstreams: ratings`,
  })
})

t.test('a policy that selects no route is a warning, not an error', async (t) => {
  const file = `${dir}/policy-selects-nothing.yaml`
  const { warnings, config } = loadConfigFile(file, {})
  t.strictSame(warnings.map(formatProblem), [
    `${file}:14:7 policies.0.applyToRoutes: warning: policy "hydra" selects no route, so it protects nothing; check the labels in applyToRoutes`,
  ])
  t.equal(config.routes[0]?.policy, undefined)
})

t.test('an unreadable config file is one problem, caused by TG_ERR_CONFIG_READ', async (t) => {
  const err = t.throws(() => loadConfigFile(`${dir}/no-such-file.yaml`, {})) as ConfigError
  t.equal(err.problems.length, 1)
  t.equal(formatProblem(err.problems[0]!), `${dir}/no-such-file.yaml: cannot read the configuration file (ENOENT); check the path given with --config or TOKENGATE_CONFIG`)
  t.match(err.cause, { code: 'TG_ERR_CONFIG_READ' })
})

// accessTokenValidation.jwt (issue 8): what a valid block compiles to, and every refusal with
// its path in the document.
import t from 'tap'
import { loadConfigFile } from '../../src/config/load.js'
import { ConfigError } from '../../src/errors.js'

const dir = 'test/config/fixtures'
const JWT = 'policies.0.config.oauth2.accessTokenValidation.jwt'

function problemsOf(name: string): Array<[string, string]> {
  try {
    loadConfigFile(`${dir}/${name}.yaml`, {})
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.filter((p) => p.severity === 'error').map((p) => [p.path, p.message])
    throw err
  }
  return []
}

const refusals: Record<string, Array<[string, RegExp]>> = {
  'jwt-no-jwks': [[JWT, /^jwt needs exactly one of remoteJwks or localJwks \(found neither\)/]],
  'jwt-both-jwks': [[JWT, /^jwt needs exactly one of remoteJwks or localJwks \(found both\)/]],
  'jwt-bad-algorithms': [
    [`${JWT}.algorithms.1`, /^algorithm "none" is refused/],
    [`${JWT}.algorithms.2`, /^algorithm "HS256" is refused/],
    [`${JWT}.algorithms.3`, /^unsupported algorithm "XY999"/],
  ],
  'jwt-bad-inline-json': [[`${JWT}.localJwks.inlineString`, /^is not valid JSON/]],
  'jwt-symmetric-key': [[`${JWT}.localJwks.inlineString`, /^keys\[0\] is a symmetric key/]],
  'jwt-bad-url': [[`${JWT}.remoteJwks.url`, /is not a valid URL/]],
}

for (const [name, expected] of Object.entries(refusals)) {
  t.test(name, async (t) => {
    const got = problemsOf(name)
    t.equal(got.length, expected.length, JSON.stringify(got))
    expected.forEach(([path, message], i) => {
      t.equal(got[i]?.[0], path)
      t.match(got[i]?.[1], message)
    })
  })
}

t.test('a JWT-only policy compiles without introspection', async (t) => {
  const policy = loadConfigFile(`${dir}/jwt-local.yaml`, {}).config.policies.get('hydra')!
  t.equal(policy.introspection, undefined)
  t.match(policy.jwt, {
    jwks: { kind: 'local', jwks: { keys: [{ kty: 'EC', kid: 'k1' }] } },
    audiences: [],
    algorithms: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'],
    clockSkewMs: 30_000,
    requireTyp: false,
  })
  t.ok(Object.isFrozen(policy.jwt?.jwks))
})

t.test('a mixed policy keeps both, with the shared timeout and user-id claim', async (t) => {
  const policy = loadConfigFile(`${dir}/jwt-mixed.yaml`, {}).config.policies.get('hydra')!
  t.equal(policy.introspection?.url, 'http://127.0.0.1:4445/admin/oauth2/introspect')
  t.strictSame(policy.jwt, {
    jwks: { kind: 'remote', url: 'http://127.0.0.1:4444/.well-known/jwks.json', refreshIntervalMs: 300_000, timeoutMs: 2000 },
    issuer: 'http://127.0.0.1:4444/',
    audiences: ['ratings'],
    algorithms: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'],
    clockSkewMs: 10_000,
    requireTyp: true,
    userIdAttributeName: 'sub',
  })
})

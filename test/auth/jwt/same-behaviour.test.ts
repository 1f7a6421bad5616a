// Issue 8's "done when": introspection and local JWT validation pass the same behavioural table —
// one `decide`, one set of identity headers, one deny response — plus mixed-mode dispatch.
import t from 'tap'
import type { Test } from 'tap'
import { Authenticator } from '../../../src/auth/authenticator.js'
import { JwtVerifier } from '../../../src/auth/jwt/verifier.js'
import type { AuthOutcome, AuthRequest } from '../../../src/auth/authenticator.js'
import type { AccessTokenPolicy, JwtConfig } from '../../../src/config/types.js'
import { startIntrospectionStub } from '../../helpers/introspection-stub.js'
import type { IntrospectionStub } from '../../helpers/introspection-stub.js'
import { testPolicy } from '../fixtures/policy.js'
import { ISSUER, sign, startJwksServer, testKey } from './fixtures/keys.js'
import type { JwksServer } from './fixtures/keys.js'

const k1 = await testKey('k1')
const nowSeconds = () => Math.floor(Date.now() / 1000)

const bearer = (token: string, extra: Record<string, string> = {}): AuthRequest => ({
  headers: { authorization: `Bearer ${token}`, ...extra },
  rawHeaders: ['Authorization', `Bearer ${token}`, ...Object.entries(extra).flat()],
  query: '',
})

/** What both modes know about one token: the claims, as Hydra would introspect them. */
interface Claims {
  readonly scope?: string
  readonly sub?: string
  readonly exp?: number
  readonly nbf?: number
  readonly tokenUse?: 'access_token' | 'refresh_token'
  readonly email?: string
}

interface Mode {
  readonly name: string
  token(claims: Claims): Promise<string>
  readonly auth: Authenticator
  readonly introspections: () => number
}

const policyFor = (stub: IntrospectionStub, jwks: JwksServer, which: 'introspection' | 'jwt' | 'both'): AccessTokenPolicy => {
  const jwt: JwtConfig = {
    jwks: { kind: 'remote', url: jwks.url, refreshIntervalMs: 600_000, timeoutMs: 1000 },
    issuer: ISSUER, audiences: [], algorithms: ['RS256'], clockSkewMs: 10_000, requireTyp: false, userIdAttributeName: 'email',
  }
  const introspection = { url: stub.url, timeoutMs: 1000, userIdAttributeName: 'email' }
  const { introspection: _dropped, ...base } = testPolicy({
    requiredScopes: ['ratings:read'],
    claimsToHeaders: [{ claim: 'sub', header: 'x-user-id', append: false }],
    userIdHeader: 'x-email',
  })
  void _dropped
  return { ...base, ...(which === 'jwt' ? {} : { introspection }), ...(which === 'introspection' ? {} : { jwt }) }
}

async function modes(t: Test): Promise<{ modes: Mode[]; stub: IntrospectionStub; jwks: JwksServer }> {
  const stub = await startIntrospectionStub()
  const jwks = await startJwksServer([k1.publicJwk])
  const introspectionAuth = new Authenticator(policyFor(stub, jwks, 'introspection'))
  const jwtAuth = new Authenticator(policyFor(stub, jwks, 'jwt'))
  t.teardown(async () => {
    await introspectionAuth.close()
    await jwtAuth.close()
    await stub.close()
    await jwks.close()
  })
  let n = 0
  return {
    stub,
    jwks,
    modes: [
      {
        name: 'introspection',
        auth: introspectionAuth,
        introspections: () => stub.callCount,
        async token(c) {
          const token = `opaque-${++n}`
          stub.setToken(token, { ...c, ...(c.email === undefined ? {} : { ext: { email: c.email } }) })
          return token
        },
      },
      {
        name: 'jwt',
        auth: jwtAuth,
        introspections: () => stub.callCount,
        token: (c) => {
          // Only what the case sets: `undefined` would remove the signer's default (e.g. exp).
          const defined = Object.entries({ scope: c.scope, sub: c.sub, exp: c.exp, nbf: c.nbf, token_use: c.tokenUse }).filter(([, v]) => v !== undefined)
          return sign(k1, { ...Object.fromEntries(defined), ...(c.email === undefined ? {} : { ext: { email: c.email } }) }, { nowSeconds: nowSeconds() })
        },
      },
    ],
  }
}

type Expect = { kind: 'allow'; headers?: Array<[string, string]> } | { kind: 'deny'; error: string; status: number }

const cases: Array<[string, () => Claims, Expect]> = [
  ['a valid token with the scope', () => ({ scope: 'ratings:read', sub: 'alice', email: 'a@example.com' }),
    { kind: 'allow', headers: [['x-user-id', 'alice'], ['x-email', 'a@example.com']] }],
  ['a token without the required scope', () => ({ scope: 'other', email: 'a@example.com' }), { kind: 'deny', error: 'insufficient_scope', status: 403 }],
  ['an expired token', () => ({ scope: 'ratings:read', exp: nowSeconds() - 3600, email: 'a@example.com' }), { kind: 'deny', error: 'invalid_token', status: 403 }],
  ['a token not valid for an hour', () => ({ scope: 'ratings:read', nbf: nowSeconds() + 3600, email: 'a@example.com' }), { kind: 'deny', error: 'invalid_token', status: 403 }],
  ['a refresh token', () => ({ scope: 'ratings:read', tokenUse: 'refresh_token', email: 'a@example.com' }), { kind: 'deny', error: 'invalid_token', status: 403 }],
  ['a token without the user-id claim', () => ({ scope: 'ratings:read' }), { kind: 'deny', error: 'invalid_token', status: 403 }],
]

function summary(out: AuthOutcome): unknown {
  if (out.kind === 'allow') return { kind: 'allow', headers: out.setHeaders }
  if (out.kind === 'deny') return { kind: 'deny', error: (JSON.parse(out.response.body) as { error: string }).error, status: out.response.statusCode }
  return { kind: 'error' }
}

t.test('both modes give the same outcome for the same claims', async (t) => {
  const { modes: all } = await modes(t)
  for (const [name, claims, expected] of cases) {
    for (const mode of all) {
      const out = await mode.auth.authenticate(bearer(await mode.token(claims()), { 'x-user-id': 'spoofed' }))
      t.match(summary(out), expected, `${name} (${mode.name})`)
      if (out.kind === 'allow') t.ok(out.removeHeaders.includes('x-user-id'), 'the client\'s identity header is removed')
    }
  }
})

t.test('a JWT-only policy denies an opaque token as invalid_token without any call', async (t) => {
  const { modes: all, jwks } = await modes(t)
  const out = await all[1]!.auth.authenticate(bearer('some-opaque-token'))
  t.match(out, { kind: 'deny', reason: 'jwt_malformed', response: { statusCode: 403 } })
  if (out.kind === 'deny') t.match(out.response.headers['www-authenticate'], /error="invalid_token"/)
  t.equal(jwks.fetches, 0)
})

t.test('mixed policy: JWTs are verified locally, other tokens introspected', async (t) => {
  const { stub, jwks } = await modes(t)
  const auth = new Authenticator(policyFor(stub, jwks, 'both'))
  t.teardown(() => auth.close())
  const jwt = await sign(k1, { scope: 'ratings:read', ext: { email: 'a@example.com' } }, { nowSeconds: nowSeconds() })
  t.match(await auth.authenticate(bearer(jwt)), { kind: 'allow', cache: 'miss' })
  t.match(await auth.authenticate(bearer(jwt)), { kind: 'allow', cache: 'hit' })
  t.equal(stub.callCount, 0, 'no introspection for a JWT')
  stub.setToken('opaque', { scope: 'ratings:read', ext: { email: 'a@example.com' } })
  t.match(await auth.authenticate(bearer('opaque')), { kind: 'allow' })
  t.equal(stub.callCount, 1)
  t.equal(auth.cacheSize, 2)
  t.equal(auth.purge(), 2)
})

t.test('a rejected JWT is denied with its own reason; an unjudgeable one is statusOnError', async (t) => {
  const { stub, jwks } = await modes(t)
  const policy = policyFor(stub, jwks, 'jwt')
  // No cooldown: the unknown kid makes the verifier try the (failing) endpoint at once.
  const verifier = new JwtVerifier(policy.jwt!, { cooldownMs: 0 })
  const auth = new Authenticator(policy, { jwt: verifier })
  t.teardown(() => verifier.close())
  const other = await testKey('k9')
  const forged = await sign({ ...other, kid: 'k1' }, { scope: 'ratings:read' }, { nowSeconds: nowSeconds() })
  t.match(await auth.authenticate(bearer(forged)), { kind: 'deny', reason: 'jwt_signature', response: { statusCode: 403 } })
  t.match(await auth.authenticate(bearer(await sign(k1, { scope: 'ratings:read', exp: nowSeconds() - 3600 }, { nowSeconds: nowSeconds() }))), { kind: 'deny', reason: 'expired' })
  jwks.up = false
  const unknown = await sign(other, { scope: 'ratings:read' }, { nowSeconds: nowSeconds() })
  t.match(await auth.authenticate(bearer(unknown)), { kind: 'error', code: 'TG_ERR_INTROSPECTION_UNAVAILABLE', response: { statusCode: 503 } })
})

// JwtVerifier against keys the tests generate and a JWK Set server on 127.0.0.1:0: every way a
// JWT access token can be wrong is a rejection with a reason; only "cannot judge" throws.
import t from 'tap'
import type { Test } from 'tap'
import { SignJWT } from 'jose'
import { KeyObject } from 'node:crypto'
import type { JwtConfig } from '../../../src/config/types.js'
import { JwtVerifier } from '../../../src/auth/jwt/verifier.js'
import type { JwtVerifierDeps } from '../../../src/auth/jwt/verifier.js'
import { AUDIENCE, ISSUER, sign, startJwksServer, testKey, unsecured } from './fixtures/keys.js'
import type { JwksServer } from './fixtures/keys.js'

const NOW_MS = 1_750_000_000_000
const nowSeconds = NOW_MS / 1000
const k1 = await testKey('k1')
const k2 = await testKey('k2', 'ES256')
const impostor = await testKey('k1') // same kid, other key

function config(jwks: JwksServer, over: Partial<JwtConfig> = {}): JwtConfig {
  return {
    jwks: { kind: 'remote', url: jwks.url, refreshIntervalMs: 600_000, timeoutMs: 1000 },
    issuer: ISSUER,
    audiences: [AUDIENCE],
    algorithms: ['RS256', 'ES256'],
    clockSkewMs: 10_000,
    requireTyp: false,
    ...over,
  }
}

async function setup(t: Test, over: Partial<JwtConfig> = {}, deps: JwtVerifierDeps = {}): Promise<{ jwks: JwksServer; verifier: JwtVerifier; clock: { ms: number } }> {
  const jwks = await startJwksServer([k1.publicJwk])
  const clock = { ms: NOW_MS }
  const verifier = new JwtVerifier(config(jwks, over), { now: () => clock.ms, cooldownMs: 0, ...deps })
  t.teardown(async () => {
    await verifier.close()
    await jwks.close()
  })
  return { jwks, verifier, clock }
}

t.test('a valid token maps onto the trimmed introspection answer', async (t) => {
  const { verifier } = await setup(t, {}, { keepClaims: ['email', 'groups'] })
  const token = await sign(k1, { scope: 'ratings:read ratings:write', email: 'a@example.com', groups: ['x', 'y'] }, { nowSeconds })
  const { response, rejection, cache } = await verifier.verify(token)
  t.equal(rejection, undefined)
  t.equal(cache, 'miss')
  t.strictSame({ ...response, claims: { ...response.claims } }, {
    active: true, scope: 'ratings:read ratings:write', clientId: 'my-client', sub: 'alice', iss: ISSUER, tokenUse: 'access_token',
    exp: nowSeconds + 3600, aud: [AUDIENCE], claims: { email: 'a@example.com', groups: 'x,y' },
  })
})

t.test('scp as a list or a string stands in for scope', async (t) => {
  const { verifier } = await setup(t)
  t.equal((await verifier.verify(await sign(k1, { scp: ['a', 'b'] }, { nowSeconds }))).response.scope, 'a b')
  t.equal((await verifier.verify(await sign(k1, { scp: 'c d' }, { nowSeconds }))).response.scope, 'c d')
})

const rejections: Array<[string, () => Promise<string>, string, Partial<JwtConfig>?]> = [
  ['signed by another key with the same kid', () => sign(impostor, {}, { nowSeconds }), 'jwt_signature'],
  ['an algorithm outside the allow-list', () => sign(k1, {}, { nowSeconds, header: { alg: 'RS256' } }), 'jwt_algorithm', { algorithms: ['ES256'] }],
  ['alg: none', async () => unsecured({ iss: ISSUER, aud: AUDIENCE, exp: nowSeconds + 60 }), 'jwt_algorithm'],
  ['HS256 keyed with the public key (algorithm confusion)', async () => {
    const secret = Buffer.from(KeyObject.from(k1.publicKey).export({ type: 'spki', format: 'pem' }))
    return new SignJWT({ iss: ISSUER, aud: AUDIENCE, exp: nowSeconds + 60 }).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).sign(secret)
  }, 'jwt_algorithm'],
  ['expired beyond the skew', () => sign(k1, { exp: nowSeconds - 60 }, { nowSeconds }), 'expired'],
  ['not valid for another minute', () => sign(k1, { nbf: nowSeconds + 60 }, { nowSeconds }), 'not_yet_valid'],
  ['another issuer', () => sign(k1, { iss: 'https://evil.test/' }, { nowSeconds }), 'issuer'],
  ['another audience', () => sign(k1, { aud: 'https://other.test' }, { nowSeconds }), 'audience'],
  ['no exp', () => sign(k1, { exp: undefined }, { nowSeconds }), 'jwt_claims'],
  ['a claim of the wrong type', () => sign(k1, { client_id: 42 }, { nowSeconds }), 'jwt_claims'],
  ['a typ of another kind of JWT', () => sign(k1, {}, { nowSeconds, header: { typ: 'logout+jwt' } }), 'jwt_typ'],
  ['typ JWT when requireTyp', () => sign(k1, {}, { nowSeconds, header: { typ: 'JWT' } }), 'jwt_typ', { requireTyp: true }],
  ['an opaque token', async () => 'ory_at_abc.def', 'jwt_malformed'],
]

for (const [name, make, reason, over] of rejections) {
  t.test(`rejected: ${name}`, async (t) => {
    const { verifier } = await setup(t, over)
    const { response, rejection } = await verifier.verify(await make())
    t.strictSame(response, { active: false })
    t.equal(rejection?.reason, reason)
  })
}

t.test('typ: JWT and absent pass by default; application/at+jwt passes strict', async (t) => {
  const { verifier } = await setup(t)
  t.equal((await verifier.verify(await sign(k1, {}, { nowSeconds, header: { typ: 'JWT' } }))).rejection, undefined)
  t.equal((await verifier.verify(await sign(k1, {}, { nowSeconds, header: { typ: undefined } }))).rejection, undefined)
  const strict = (await setup(t, { requireTyp: true })).verifier
  t.equal((await strict.verify(await sign(k1, {}, { nowSeconds, header: { typ: 'application/at+jwt' } }))).rejection, undefined)
})

t.test('nbf within the clock skew passes', async (t) => {
  const { verifier } = await setup(t)
  t.equal((await verifier.verify(await sign(k1, { nbf: nowSeconds + 5 }, { nowSeconds }))).rejection, undefined)
})

t.test('an unknown kid refetches the set once, then is denied', async (t) => {
  const { jwks, verifier } = await setup(t)
  await verifier.verify(await sign(k1, {}, { nowSeconds }))
  t.equal(jwks.fetches, 1)
  const { rejection } = await verifier.verify(await sign(k2, {}, { nowSeconds }))
  t.equal(rejection?.reason, 'jwt_unknown_key')
  t.equal(jwks.fetches, 2, 'one refetch for the unknown kid')
})

t.test('the refetch for unknown kids is rate-limited by the cooldown', async (t) => {
  const { jwks, verifier } = await setup(t, {}, { cooldownMs: 60_000 })
  await verifier.verify(await sign(k1, {}, { nowSeconds }))
  for (let i = 0; i < 3; i++) t.equal((await verifier.verify(await sign(k2, { jti: String(i) }, { nowSeconds }))).rejection?.reason, 'jwt_unknown_key')
  t.equal(jwks.fetches, 1)
})

t.test('key rotation: a new kid at the endpoint is accepted after a refetch', async (t) => {
  const { jwks, verifier } = await setup(t)
  await verifier.verify(await sign(k1, {}, { nowSeconds }))
  jwks.keys = [k1.publicJwk, k2.publicJwk]
  t.equal((await verifier.verify(await sign(k2, {}, { nowSeconds }))).rejection, undefined)
  t.equal(jwks.fetches, 2)
})

t.test('JWK Set endpoint down, cached key → pass; unknown kid → TG_ERR_INTROSPECTION_UNAVAILABLE', async (t) => {
  const jwks = await startJwksServer([k1.publicJwk])
  const clock = { ms: NOW_MS }
  const verifier = new JwtVerifier(config(jwks, { jwks: { kind: 'remote', url: jwks.url, refreshIntervalMs: 0, timeoutMs: 1000 } }), { now: () => clock.ms, cooldownMs: 30_000 })
  t.teardown(async () => {
    await verifier.close()
    await jwks.close()
  })
  t.equal((await verifier.verify(await sign(k1, { jti: 'a' }, { nowSeconds }))).rejection, undefined)
  jwks.up = false
  t.equal((await verifier.verify(await sign(k1, { jti: 'b' }, { nowSeconds }))).rejection, undefined, 'stale set, endpoint failing: the known key verifies')
  const fetchesAfterFailure = jwks.fetches
  t.equal((await verifier.verify(await sign(k1, { jti: 'c' }, { nowSeconds }))).rejection, undefined)
  t.equal(jwks.fetches, fetchesAfterFailure, 'within the cooldown the failing endpoint is not asked again')
  await t.rejects(verifier.verify(await sign(k2, {}, { nowSeconds })), { code: 'TG_ERR_INTROSPECTION_UNAVAILABLE' })
  clock.ms += 31_000
  await t.rejects(verifier.verify(await sign(k2, {}, { nowSeconds: nowSeconds + 31 })), { code: 'TG_ERR_INTROSPECTION_UNAVAILABLE' })
  t.equal(jwks.fetches, fetchesAfterFailure + 1, 'after the cooldown the endpoint is tried again')
})

t.test('JWK Set endpoint never reachable → TG_ERR_INTROSPECTION_UNAVAILABLE', async (t) => {
  const verifier = new JwtVerifier(config({ url: 'http://127.0.0.1:1/jwks.json' } as JwksServer), { now: () => NOW_MS })
  t.teardown(() => verifier.close())
  await t.rejects(verifier.verify(await sign(k1, {}, { nowSeconds })), { code: 'TG_ERR_INTROSPECTION_UNAVAILABLE' })
})

t.test('a local JWK Set verifies without any fetch', async (t) => {
  const verifier = new JwtVerifier(
    { jwks: { kind: 'local', jwks: { keys: [k1.publicJwk as Record<string, unknown>] } }, audiences: [], algorithms: ['RS256'], clockSkewMs: 0, requireTyp: false },
    { now: () => NOW_MS },
  )
  t.equal((await verifier.verify(await sign(k1, {}, { nowSeconds }))).rejection, undefined)
  t.equal((await verifier.verify(await sign(impostor, {}, { nowSeconds }))).rejection?.reason, 'jwt_signature')
})

t.test('verified tokens are cached up to their exp, rejections never', async (t) => {
  const { jwks, verifier, clock } = await setup(t, {}, { cacheTimeoutMs: 600_000, cacheMaxEntries: 10 })
  const token = await sign(k1, { exp: nowSeconds + 60 }, { nowSeconds })
  t.equal((await verifier.verify(token)).cache, 'miss')
  t.equal((await verifier.verify(token)).cache, 'hit')
  t.equal(verifier.cacheSize, 1)
  clock.ms += 60_000
  const after = await verifier.verify(token)
  t.equal(after.cache, 'miss', 'the entry ended at exp')
  t.equal(after.rejection, undefined, 'within the skew jose accepts; decide() denies it as expired')
  const bad = await sign(impostor, {}, { nowSeconds })
  await verifier.verify(bad)
  t.equal((await verifier.verify(bad)).cache, 'miss')
  t.equal(jwks.fetches, 1)
})

// The JWT scenario's material (issue 8): a fresh RS256 key pair per run, its public JWK Set (inlined
// into the generated YAML, so no JWKS server is measured) and one RFC 9068 access token signed with it.
import { randomUUID } from 'node:crypto'
import { SignJWT, exportJWK, generateKeyPair } from 'jose'

export const JWT_ISSUER = 'https://bench.tokengate.invalid/'
export const JWT_AUDIENCE = 'ratings'
const ALG = 'RS256'
// Outlives any run (the default one takes about 7 minutes), like Hydra's 1 h access tokens.
const LIFETIME_S = 3600

/** Returns { jwksJson, token }: the public JWK Set as JSON text and a valid access token. */
export async function jwtMaterial() {
  const { publicKey, privateKey } = await generateKeyPair(ALG, { extractable: true })
  const kid = 'bench-1'
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: ALG, use: 'sig' }
  const nowS = Math.floor(Date.now() / 1000)
  const token = await new SignJWT({ scope: 'ratings:read', client_id: 'bench-client' })
    // RFC 9068 §2.1: typ "at+jwt" marks an access token (not an ID token).
    .setProtectedHeader({ alg: ALG, kid, typ: 'at+jwt' })
    .setIssuer(JWT_ISSUER)
    .setAudience(JWT_AUDIENCE)
    .setSubject('bench-user')
    .setIssuedAt(nowS)
    .setExpirationTime(nowS + LIFETIME_S)
    .setJti(randomUUID())
    .sign(privateKey)
  return { jwksJson: JSON.stringify({ keys: [jwk] }), token }
}

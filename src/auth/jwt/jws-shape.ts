// Which tokens go to the JWT verifier: those in the JWS Compact Serialization (RFC 7515 §7.1) whose
// protected header names an `alg`. Pure and cheap: it runs before every validation of a policy
// with `jwt`, and an opaque token (oidc-provider's, or Hydra's `ory_at_….…`) never matches.

const BASE64URL = /^[A-Za-z0-9_-]*$/
/** A header is a few dozen bytes; anything far past that is not worth decoding to find out. */
const MAX_HEADER_CHARS = 2048

export function looksLikeJws(token: string): boolean {
  const first = token.indexOf('.')
  const second = first < 0 ? -1 : token.indexOf('.', first + 1)
  if (first <= 0 || second < 0 || token.indexOf('.', second + 1) >= 0) return false
  const header = token.slice(0, first)
  // The signature may be empty: `alg: none` tokens must reach the verifier, which refuses them.
  if (second === first + 1 || header.length > MAX_HEADER_CHARS) return false
  if (!BASE64URL.test(header) || !BASE64URL.test(token.slice(first + 1, second)) || !BASE64URL.test(token.slice(second + 1))) return false
  try {
    const json: unknown = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'))
    return typeof json === 'object' && json !== null && typeof (json as { alg?: unknown }).alg === 'string'
  } catch {
    return false
  }
}

// Policy checks beyond the schema: one introspection form, coherent client credentials, one token
// source, identity headers that cannot be abused. Reads clientSecretFile (I/O injected).
import type { AccessTokenValidationDocument, PolicyDocument } from './schema.js'
import { DEFAULT_JWT_ALGORITHMS } from '../defaults.js'
import { checkIntrospectionUrl } from './urls.js'
import type { DocPath, Problems } from './problems.js'
import type { Shape } from './shape.js'
import { soundItems } from './shape.js'

export type ReadFile = (path: string) => string

type JwtDocument = NonNullable<AccessTokenValidationDocument['jwt']>

/** What jose verifies that is asymmetric: the defaults plus RFC 9864's fully specified Ed25519. */
const JWT_ALGORITHMS: readonly string[] = [...DEFAULT_JWT_ALGORITHMS, 'Ed25519']

/**
 * Headers a claim must never set: hop-by-hop headers (RFC 9110 §7.6.1) are the connection's, not
 * the request's; host, authorization and cookie decide routing and identity upstream; the length
 * and framing headers decide where the request ends (a smuggling vector).
 */
export const RESERVED_HEADERS: ReadonlySet<string> = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade',
  'proxy-authenticate', 'proxy-authorization', 'host', 'authorization', 'content-length', 'cookie',
])

/** Returns each policy's client secret read from `clientSecretFile`, by policy index. */
export function checkPolicies(policies: unknown, shape: Shape, readSecret: ReadFile, problems: Problems): Map<number, string> {
  const secrets = new Map<number, string>()
  const seen = new Map<string, number>()
  for (const { item: policy, index, path } of soundItems<PolicyDocument>(policies, ['policies'], shape)) {
    const first = seen.get(policy.name)
    if (first === undefined) seen.set(policy.name, index)
    else problems.error([...path, 'name'], `duplicate policy name "${policy.name}" (also policies.${first}); policy names must be unique`)
    const atv = policy.config.oauth2.accessTokenValidation
    const atvPath = [...path, 'config', 'oauth2', 'accessTokenValidation']
    checkIntrospection(atv, atvPath, problems)
    const secret = readClientSecret(atv, atvPath, readSecret, problems)
    if (secret !== undefined) secrets.set(index, secret)
    checkTokenSource(atv, atvPath, problems)
    checkIdentityHeaders(atv, atvPath, problems)
  }
  return secrets
}

function checkIntrospection(atv: AccessTokenValidationDocument, path: DocPath, problems: Problems): void {
  const both = atv.introspectionUrl !== undefined && atv.introspection !== undefined
  // `jwt` alone is a whole policy (issue 8); beside an introspection form it serves mixed fleets.
  const neither = atv.introspectionUrl === undefined && atv.introspection === undefined && atv.jwt === undefined
  if (both || neither) {
    const found = both ? 'both' : 'neither'
    problems.error(path, `needs exactly one of introspectionUrl or introspection (found ${found}); use introspection: { introspectionUrl, clientId, clientSecret } when the endpoint requires client credentials${both ? '' : ', or jwt for JWT access tokens'}`)
  }
  if (atv.timeout === 0) problems.error([...path, 'timeout'], 'must be greater than 0: every introspection call needs a timeout')
  if (atv.jwt !== undefined) checkJwt(atv.jwt, [...path, 'jwt'], problems)
  const url = atv.introspectionUrl ?? atv.introspection?.introspectionUrl
  const urlPath = atv.introspectionUrl !== undefined ? [...path, 'introspectionUrl'] : [...path, 'introspection', 'introspectionUrl']
  if (url !== undefined) {
    const { problem } = checkIntrospectionUrl(url)
    if (problem !== undefined) problems.error(urlPath, problem)
  }
  const i = atv.introspection
  if (i === undefined) return
  const at = [...path, 'introspection']
  const hasSecret = i.clientSecret !== undefined || i.clientSecretFile !== undefined
  if (i.clientSecret !== undefined && i.clientSecretFile !== undefined) {
    problems.error([...at, 'clientSecretFile'], 'clientSecret and clientSecretFile are exclusive; keep one', { atKey: true })
  }
  if (hasSecret && i.clientId === undefined) problems.error(at, 'a client secret needs clientId; add clientId')
  if (hasSecret && i.disableClientSecret === true) {
    problems.error([...at, 'disableClientSecret'], 'disableClientSecret: true contradicts the configured client secret; remove one of them')
  }
  if (i.clientId !== undefined && !hasSecret && i.disableClientSecret !== true) {
    problems.error(at, 'clientId needs clientSecret or clientSecretFile; set disableClientSecret: true if the endpoint takes the id alone')
  }
}

/** RFC 8725 §3.1: an allow-list of algorithms; `none` and HMAC keyed with a public key are the classic forgeries. */
function checkJwt(jwt: JwtDocument, path: DocPath, problems: Problems): void {
  if ((jwt.remoteJwks === undefined) === (jwt.localJwks === undefined)) {
    const found = jwt.remoteJwks === undefined ? 'neither' : 'both'
    problems.error(path, `jwt needs exactly one of remoteJwks or localJwks (found ${found}); use remoteJwks: { url } for the issuer's /.well-known/jwks.json`)
  }
  if (jwt.remoteJwks !== undefined) {
    const problem = jwksUrlProblem(jwt.remoteJwks.url)
    if (problem !== undefined) problems.error([...path, 'remoteJwks', 'url'], problem)
  }
  if (jwt.localJwks !== undefined) {
    const problem = jwksTextProblem(jwt.localJwks.inlineString)
    if (problem !== undefined) problems.error([...path, 'localJwks', 'inlineString'], problem)
  }
  jwt.algorithms?.forEach((alg, i) => {
    const at = [...path, 'algorithms', String(i)]
    if (alg.toLowerCase() === 'none' || /^HS/i.test(alg)) {
      problems.error(at, `algorithm "${alg}" is refused: unsigned and HMAC-signed tokens could be forged by anyone who knows the issuer's public key; use ${JWT_ALGORITHMS.join(', ')}`)
    } else if (!JWT_ALGORITHMS.includes(alg)) {
      problems.error(at, `unsupported algorithm "${alg}"; use ${JWT_ALGORITHMS.join(', ')}`)
    }
  })
}

function jwksUrlProblem(text: string): string | undefined {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return `"${text}" is not a valid URL; write an absolute http:// or https:// URL, e.g. http://127.0.0.1:4444/.well-known/jwks.json`
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `"${text}" uses ${url.protocol.slice(0, -1)}; only http:// and https:// are supported`
  // Never echoed: a password in it would end up in logs. A JWK Set is public anyway.
  if (url.username !== '' || url.password !== '') return 'the URL must not contain user:password@; a JWK Set is public'
  return undefined
}

/** A JWK Set (RFC 7517 §5) of public asymmetric keys. */
function jwksTextProblem(text: string): string | undefined {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    return `is not valid JSON (${err instanceof Error ? err.message : String(err)}); write a JWK Set such as {"keys": [{"kty": "RSA", ...}]}`
  }
  const keys = typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as { keys?: unknown }).keys : undefined
  if (!Array.isArray(keys) || keys.length === 0) return 'is not a JWK Set: it needs a non-empty "keys" array (RFC 7517 §5)'
  for (const [i, key] of keys.entries()) {
    if (typeof key !== 'object' || key === null || typeof (key as { kty?: unknown }).kty !== 'string') return `keys[${i}] is not a JWK: it needs a "kty" string (RFC 7517 §4.1)`
    const jwk = key as { kty: string; d?: unknown }
    if (jwk.kty === 'oct') return `keys[${i}] is a symmetric key; only public keys (RSA, EC, OKP) may verify access tokens`
    if (jwk.d !== undefined) return `keys[${i}] contains private key material ("d"); give the public key only`
  }
  return undefined
}

function readClientSecret(atv: AccessTokenValidationDocument, path: DocPath, readSecret: ReadFile, problems: Problems): string | undefined {
  const file = atv.introspection?.clientSecretFile
  // With both set the exclusivity error stands alone; reading the file would only add noise.
  if (file === undefined || atv.introspection?.clientSecret !== undefined) return atv.introspection?.clientSecret
  const at = [...path, 'introspection', 'clientSecretFile']
  let text: string
  try {
    text = readSecret(file)
  } catch (err) {
    const reason = (err as { code?: string }).code ?? (err instanceof Error ? err.message : String(err))
    problems.error(at, `cannot read client secret file "${file}" (${reason}); check the path and its permissions`)
    return undefined
  }
  // Files written by `echo` or kubectl end in a newline that is not part of the secret.
  const secret = text.replace(/\r?\n$/, '')
  if (secret === '') problems.error(at, `client secret file "${file}" is empty`)
  return secret
}

function checkTokenSource(atv: AccessTokenValidationDocument, path: DocPath, problems: Problems): void {
  const source = atv.tokenSource
  if (source === undefined) return
  const given = (['header', 'queryParameter', 'cookie'] as const).filter((k) => source[k] !== undefined)
  if (given.length !== 1) {
    const found = given.length === 0 ? 'none' : given.join(' and ')
    problems.error([...path, 'tokenSource'], `tokenSource needs exactly one of header, queryParameter or cookie (found ${found}); omit tokenSource for Authorization: Bearer`)
  }
}

function checkIdentityHeaders(atv: AccessTokenValidationDocument, path: DocPath, problems: Problems): void {
  const refuse = (at: DocPath, header: string): void => {
    if (RESERVED_HEADERS.has(header.toLowerCase())) {
      problems.error(at, `header "${header}" must not be set from token claims (it controls the connection, routing, identity or message framing); choose another name such as x-user-id`)
    }
  }
  atv.claimsToHeaders?.forEach((c, i) => refuse([...path, 'claimsToHeaders', String(i), 'header'], c.header))
  if (atv.userIdHeader !== undefined) refuse([...path, 'userIdHeader'], atv.userIdHeader)
}

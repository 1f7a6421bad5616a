// Policy checks beyond the schema: one introspection form, coherent client credentials, one token
// source, identity headers that cannot be abused. Reads clientSecretFile (I/O injected).
import type { AccessTokenValidationDocument, PolicyDocument } from './schema.js'
import { checkIntrospectionUrl } from './urls.js'
import type { DocPath, Problems } from './problems.js'
import type { Shape } from './shape.js'
import { soundItems } from './shape.js'

export type ReadFile = (path: string) => string

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
  if ((atv.introspectionUrl === undefined) === (atv.introspection === undefined)) {
    const found = atv.introspectionUrl === undefined ? 'neither' : 'both'
    problems.error(path, `needs exactly one of introspectionUrl or introspection (found ${found}); use introspection: { introspectionUrl, clientId, clientSecret } when the endpoint requires client credentials`)
  }
  if (atv.timeout === 0) problems.error([...path, 'timeout'], 'must be greater than 0: every introspection call needs a timeout')
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

// Step 5: the identity headers an allowed request carries upstream. The client's own copies of
// every header we set are removed first, so an upstream can trust them (no spoofing).
import type { AccessTokenPolicy } from '../config/types.js'
import type { IntrospectionResponse } from './introspection-response.js'

/** The claim that carries the user id: `userIdAttributeName`, Gloo's default `sub`. */
export function userIdClaim(policy: AccessTokenPolicy): string {
  return namedUserIdClaim(policy) ?? 'sub'
}

/** Compiled from one setting into whichever validation modes the policy has. */
function namedUserIdClaim(policy: AccessTokenPolicy): string | undefined {
  return policy.introspection?.userIdAttributeName ?? policy.jwt?.userIdAttributeName
}

/** Claims the introspection client must keep for this policy's decisions and headers. */
export function claimsNeeded(policy: AccessTokenPolicy): readonly string[] {
  const names = new Set(policy.claimsToHeaders.map((c) => c.claim))
  if (policy.userIdHeader !== undefined || namedUserIdClaim(policy) !== undefined) {
    names.add(userIdClaim(policy))
  }
  return [...names]
}

/**
 * Lower-case names to remove from the client's request. Both the `-` and `_` spellings go:
 * WSGI/CGI-style stacks read `x_user_id` (and `x-user_id`) as `x-user-id` (oauth2-proxy's
 * CVE-2025-64484). Mixed spellings are caught by `isIdentityHeader`.
 */
export function identityHeaderNames(policy: AccessTokenPolicy): readonly string[] {
  const names = new Set<string>()
  for (const canonical of canonicalIdentityHeaders(policy)) {
    names.add(canonical)
    names.add(canonical.replaceAll('-', '_'))
  }
  return Object.freeze([...names])
}

/** A predicate for any spelling of an identity header: case and `-`/`_` do not matter. */
export function identityHeaderMatcher(policy: AccessTokenPolicy): (name: string) => boolean {
  const canonical = canonicalIdentityHeaders(policy)
  return (name) => canonical.has(canonicalName(name))
}

function canonicalIdentityHeaders(policy: AccessTokenPolicy): Set<string> {
  const headers = policy.claimsToHeaders.map((c) => c.header)
  if (policy.userIdHeader !== undefined) headers.push(policy.userIdHeader)
  return new Set(headers.map(canonicalName))
}

function canonicalName(name: string): string {
  return name.toLowerCase().replaceAll('_', '-')
}

/**
 * Header values from the kept claims. A value a header cannot carry safely (CR, LF, NUL, other
 * controls, or beyond Latin-1, which Node refuses) is dropped, never set: the header is then
 * simply absent, as if the claim were.
 */
export function identityHeaderValues(response: IntrospectionResponse, policy: AccessTokenPolicy): Array<[string, string]> {
  if (policy.claimsToHeaders.length === 0 && policy.userIdHeader === undefined) return []
  const values = new Map<string, string>()
  const put = (header: string, value: string | undefined, append: boolean): void => {
    if (value === undefined || !isSafeHeaderValue(value)) return
    const name = header.toLowerCase()
    const previous = values.get(name)
    values.set(name, append && previous !== undefined ? `${previous}, ${value}` : value)
  }
  for (const { claim, header, append } of policy.claimsToHeaders) put(header, claimValue(response, claim), append)
  if (policy.userIdHeader !== undefined) put(policy.userIdHeader, claimValue(response, userIdClaim(policy)), false)
  return [...values]
}

function claimValue(response: IntrospectionResponse, claim: string): string | undefined {
  const kept = response.claims?.[claim]
  if (kept !== undefined) return kept
  if (claim === 'sub') return response.sub
  if (claim === 'client_id') return response.clientId
  return undefined
}

/** RFC 9110 §5.5 field-value: VCHAR, SP, HTAB and obs-text; Node also refuses code points past 0xFF. */
function isSafeHeaderValue(value: string): boolean {
  return !/[^\t\x20-\x7e\x80-\xff]/.test(value)
}

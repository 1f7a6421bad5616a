// Step 4: every denial and every "cannot decide" answer is built here, so the status, the
// `WWW-Authenticate` challenge (RFC 6750 §3) and the JSON body can never disagree.
import type { AccessTokenPolicy } from '../config/types.js'
import type { ErrorCode } from '../errors.js'

export type BearerError = 'invalid_request' | 'invalid_token' | 'insufficient_scope'

export interface DenyResponse {
  readonly statusCode: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

export interface DenyOutcome {
  /** Absent when the request carried no credentials (RFC 6750 §3.1: no error code then). */
  readonly error?: BearerError
  readonly description: string
}

const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  // A denial is about one request's credentials; no cache may reuse it (RFC 6749 §5.1 in spirit).
  'cache-control': 'no-store',
} as const

export function denial(policy: AccessTokenPolicy, outcome: DenyOutcome): DenyResponse {
  const params = [`realm=${quoted(policy.realm)}`]
  if (outcome.error !== undefined) {
    params.push(`error=${quoted(outcome.error)}`, `error_description=${quoted(descriptionChars(outcome.description))}`)
    // RFC 6750 §3: the scope attribute tells the client which scopes would have been enough.
    if (outcome.error === 'insufficient_scope' && policy.requiredScopes.length > 0) {
      params.push(`scope=${quoted(policy.requiredScopes.join(' '))}`)
    }
  }
  const body = JSON.stringify({
    // The body always names an OAuth error, as the guide's clients expect; only the challenge
    // omits it for missing credentials.
    error: outcome.error ?? 'invalid_request',
    error_description: outcome.description,
  })
  return {
    statusCode: statusFor(policy, outcome.error),
    headers: { ...JSON_HEADERS, 'www-authenticate': `Bearer ${params.join(', ')}` },
    body,
  }
}

/** The introspection endpoint could not answer: fail closed with `statusOnError`. */
export function unavailable(policy: AccessTokenPolicy, code: ErrorCode): DenyResponse {
  return {
    statusCode: policy.statusOnError,
    headers: { ...JSON_HEADERS },
    body: JSON.stringify({ error: 'temporarily_unavailable', code }),
  }
}

/**
 * 403 everywhere by default, as in the guide. With `deniedStatus: 401` (strict RFC 6750 §3.1):
 * missing credentials and invalid_token → 401, invalid_request → 400. insufficient_scope is
 * 403 in both modes.
 */
function statusFor(policy: AccessTokenPolicy, error: BearerError | undefined): number {
  if (error === 'insufficient_scope') return 403
  if (error === 'invalid_request' && policy.deniedStatus === 401) return 400
  return policy.deniedStatus
}

/** RFC 7230 §3.2.6 quoted-string: backslash-escape `"` and `\`, drop what a header cannot carry. */
function quoted(value: string): string {
  return `"${value.replace(/[^\t\x20-\x7e]/g, '').replace(/["\\]/g, '\\$&')}"`
}

/** RFC 6750 §3: error_description is limited to %x20-21 / %x23-5B / %x5D-7E (no `"` or `\`). */
function descriptionChars(description: string): string {
  return description.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, '')
}

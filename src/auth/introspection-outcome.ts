// How one introspection call ended, as the metric label `outcome`: a closed set, derived from
// the answer or the error's code, never from the server's text.
import type { ErrorCode } from '../errors.js'
import { isTokengateError } from '../errors.js'
import type { IntrospectionOutcome } from '../observability/metrics.js'

const BY_CODE: Partial<Record<ErrorCode, IntrospectionOutcome>> = {
  TG_ERR_INTROSPECTION_TIMEOUT: 'timeout',
  TG_ERR_INTROSPECTION_UNAVAILABLE: 'unavailable',
  TG_ERR_INTROSPECTION_STATUS: 'bad_status',
  TG_ERR_INTROSPECTION_RESPONSE: 'bad_response',
  TG_ERR_INTROSPECTION_OVERLOADED: 'overloaded',
  TG_ERR_INTROSPECTION_CIRCUIT_OPEN: 'circuit_open',
}

export function outcomeOfAnswer(active: boolean): IntrospectionOutcome {
  return active ? 'active' : 'inactive'
}

export function outcomeOfError(err: unknown): IntrospectionOutcome {
  return (isTokengateError(err) ? BY_CODE[err.code] : undefined) ?? 'unavailable'
}

export type IntrospectionObserver = (outcome: IntrospectionOutcome, seconds: number) => void

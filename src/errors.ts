// Every error tokengate raises or answers with, in one registry. Denials of a token are not
// errors: they answer with OAuth's own wire codes (invalid_token, …), built in auth/challenge.ts.
// Code branches on `code`, never on message text; `statusCode` is what a client sees when the
// error ends a request.
// test/errors.test.ts keeps this file and docs/errors.md in step.

export const ErrorCodes = {
  TG_ERR_CONFIG_INVALID: { statusCode: 500, message: 'The configuration is invalid' },
  TG_ERR_CONFIG_READ: { statusCode: 500, message: 'The configuration file cannot be read' },
  TG_ERR_PATH_INVALID: { statusCode: 400, message: 'The request path cannot be normalised safely' },
  TG_ERR_HOST_INVALID: { statusCode: 400, message: 'The Host header is missing or malformed' },
  TG_ERR_ROUTE_NOT_FOUND: { statusCode: 404, message: 'No route matches the request' },
  TG_ERR_UPSTREAM_UNAVAILABLE: { statusCode: 502, message: 'The upstream refused or reset the connection' },
  TG_ERR_UPSTREAM_TIMEOUT: { statusCode: 504, message: 'The upstream did not answer in time' },
  TG_ERR_BODY_TOO_LARGE: { statusCode: 413, message: 'The request body is larger than allowed' },
  TG_ERR_INTROSPECTION_UNAVAILABLE: { statusCode: 503, message: 'The introspection endpoint could not be reached' },
  TG_ERR_INTROSPECTION_TIMEOUT: { statusCode: 503, message: 'The introspection endpoint did not answer in time' },
  TG_ERR_INTROSPECTION_STATUS: { statusCode: 503, message: 'The introspection endpoint answered with an unexpected status' },
  TG_ERR_INTROSPECTION_RESPONSE: { statusCode: 503, message: 'The introspection response is not a valid RFC 7662 answer' },
  TG_ERR_INTROSPECTION_OVERLOADED: { statusCode: 503, message: 'Too many introspection calls are waiting' },
  TG_ERR_INTROSPECTION_CIRCUIT_OPEN: { statusCode: 503, message: 'The introspection endpoint failed repeatedly; failing fast' },
  TG_ERR_INTERNAL: { statusCode: 500, message: 'Internal error' },
} as const

export type ErrorCode = keyof typeof ErrorCodes

export class TokengateError extends Error {
  readonly code: ErrorCode
  readonly statusCode: number

  constructor(code: ErrorCode, message?: string, options?: { cause?: unknown; statusCode?: number }) {
    super(message ?? ErrorCodes[code].message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'TokengateError'
    this.code = code
    this.statusCode = options?.statusCode ?? ErrorCodes[code].statusCode
  }
}

export function isTokengateError(err: unknown): err is TokengateError {
  return err instanceof TokengateError
}

/** One problem found in a configuration file, located as precisely as the document allows. */
export interface ConfigProblem {
  readonly file: string
  /** Dotted path in the document, e.g. `routes.0.forwardTo.upstream`; empty for the whole file. */
  readonly path: string
  readonly line?: number
  readonly col?: number
  readonly message: string
  /** `warning` problems are printed by `validate` but do not make a file invalid. */
  readonly severity: 'error' | 'warning'
}

export function formatProblem(p: ConfigProblem): string {
  const where = p.line === undefined ? p.file : `${p.file}:${p.line}:${p.col ?? 1}`
  const path = p.path === '' ? '' : ` ${p.path}`
  const tag = p.severity === 'warning' ? 'warning: ' : ''
  return `${where}${path}: ${tag}${p.message}`
}

/** Raised with every problem of a file at once, so a user fixes them in one pass. */
export class ConfigError extends TokengateError {
  readonly problems: readonly ConfigProblem[]

  constructor(problems: readonly ConfigProblem[], options?: { cause?: unknown }) {
    const errors = problems.filter((p) => p.severity === 'error')
    super('TG_ERR_CONFIG_INVALID', errors.map(formatProblem).join('\n'), options)
    this.name = 'ConfigError'
    this.problems = problems
  }
}

// One pino logger for the process. Credentials are redacted at the logger, so no call site can
// leak them by accident; request logging is our own access line (see access-log.ts), which never
// carries the query string (it may hold `access_token`, RFC 6750 §2.3).
import { pino, type Logger, type DestinationStream } from 'pino'
import type { LogLevel } from '../config/types.js'

export type { Logger }

const CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key']

/** Paths compiled once by pino (fast-redact); `*` covers any one level of nesting. */
export const REDACT_PATHS: readonly string[] = [
  ...CREDENTIAL_HEADERS.flatMap((h) => [`headers["${h}"]`, `req.headers["${h}"]`, `*.headers["${h}"]`]),
  'token', '*.token', 'clientSecret', '*.clientSecret', 'access_token', '*.access_token',
]

export interface LoggerOptions {
  readonly level: LogLevel
  /** Tells cluster workers' lines apart. */
  readonly pid?: number
  readonly destination?: DestinationStream
}

export function createLogger(opts: LoggerOptions): Logger {
  return pino(
    {
      level: opts.level,
      base: opts.pid === undefined ? { service: 'tokengate' } : { service: 'tokengate', pid: opts.pid },
      redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    opts.destination,
  )
}

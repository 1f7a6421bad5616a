// Durations as users write them (`500ms`, `30s`, `10m`, `1h`, or 0) to milliseconds.
import { TokengateError } from '../errors.js'
import type { Milliseconds } from './types.js'

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const
const DURATION = /^([0-9]+)(ms|s|m|h)$/

/**
 * The longest duration Node.js timers honour (2^31 − 1 ms, about 596 h); a longer one makes
 * `setTimeout` fire at once, which would turn a long cache timeout into no cache at all.
 */
export const MAX_DURATION_MS: Milliseconds = 2 ** 31 - 1

export const DURATION_HINT = 'must be a duration like 500ms, 30s, 10m or 1h'

/** Milliseconds for a duration, or undefined when the text is not one. */
export function tryParseDuration(value: unknown): Milliseconds | undefined {
  if (value === 0) return 0
  if (typeof value !== 'string') return undefined
  const m = DURATION.exec(value)
  if (m === null) return undefined
  const amount = Number(m[1])
  const unit = m[2] as keyof typeof UNIT_MS
  return amount * UNIT_MS[unit]
}

/** `parseDuration('10m') → 600000`, `parseDuration(0) → 0`; throws on anything else. */
export function parseDuration(value: string | number): Milliseconds {
  const ms = tryParseDuration(value)
  if (ms === undefined) {
    throw new TokengateError('TG_ERR_CONFIG_INVALID', `${JSON.stringify(value)} ${DURATION_HINT}`)
  }
  return ms
}

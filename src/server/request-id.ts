// A client's x-request-id is kept when it is short and plain, so traces join up across hops;
// anything else is replaced, because it lands in our logs and in the upstream's headers.
import { Buffer } from 'node:buffer'
import { randomFillSync } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { MAX_REQUEST_ID_LENGTH } from '../defaults.js'

const SANE_REQUEST_ID = new RegExp(`^[A-Za-z0-9._:/+=-]{1,${MAX_REQUEST_ID_LENGTH}}$`)

export function requestIdFor(req: IncomingMessage): string {
  const given = req.headers['x-request-id']
  return typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : nextUuid()
}

/**
 * Random (version 4) UUIDs, formatted a batch at a time. `crypto.randomUUID` already draws its
 * randomness in batches, but builds each string from ~20 concatenations: ~600 bytes of garbage
 * per request, which the gateway then flattens to write the header (issue 6, sampled allocation
 * profile). Here one call formats 128 UUIDs into one string, and each id is a slice of it.
 */
const UUIDS_PER_BATCH = 128
const UUID_LENGTH = 36
const HEX = Buffer.from('0123456789abcdef', 'latin1')
const DASH = 0x2d

let batch = ''
let nextInBatch = UUIDS_PER_BATCH

export function nextUuid(): string {
  if (nextInBatch === UUIDS_PER_BATCH) {
    batch = formatUuids(randomFillSync(new Uint8Array(16 * UUIDS_PER_BATCH)))
    nextInBatch = 0
  }
  const start = nextInBatch++ * UUID_LENGTH
  return batch.slice(start, start + UUID_LENGTH)
}

/** RFC 9562 §5.4: every 16 random bytes become one version-4, variant-10 UUID, back to back. */
export function formatUuids(random: Uint8Array): string {
  const count = Math.floor(random.length / 16)
  const out = Buffer.allocUnsafe(count * UUID_LENGTH)
  let at = 0
  for (let offset = 0; offset < count * 16; offset += 16) {
    for (let i = 0; i < 16; i++) {
      let byte = random[offset + i] as number
      if (i === 6) byte = (byte & 0x0f) | 0x40
      else if (i === 8) byte = (byte & 0x3f) | 0x80
      out[at++] = HEX[byte >> 4] as number
      out[at++] = HEX[byte & 0x0f] as number
      if (i === 3 || i === 5 || i === 7 || i === 9) out[at++] = DASH
    }
  }
  return out.toString('latin1')
}

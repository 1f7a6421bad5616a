// A client's x-request-id is kept when it is short and plain, so traces join up across hops;
// anything else is replaced, because it lands in our logs and in the upstream's headers.
import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { MAX_REQUEST_ID_LENGTH } from '../defaults.js'

const SANE_REQUEST_ID = new RegExp(`^[A-Za-z0-9._:/+=-]{1,${MAX_REQUEST_ID_LENGTH}}$`)

export function requestIdFor(req: IncomingMessage): string {
  const given = req.headers['x-request-id']
  return typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : randomUUID()
}

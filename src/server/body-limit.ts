// Request bodies stream to the upstream unparsed, so Fastify's bodyLimit does not apply; this
// enforces ours: a declared length over the limit is refused before anything is read, and a
// chunked body is cut off (413) the moment it passes the limit.
import { Transform, type Readable } from 'node:stream'
import type { IncomingHttpHeaders } from 'node:http'
import { TokengateError } from '../errors.js'

export function limitBody(headers: IncomingHttpHeaders, payload: Readable, limitBytes: number): Readable {
  const declared = headers['content-length']
  if (declared !== undefined && Number(declared) > limitBytes) throw new TokengateError('TG_ERR_BODY_TOO_LARGE')
  if (declared !== undefined) return payload
  let seen = 0
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length
      if (seen > limitBytes) callback(new TokengateError('TG_ERR_BODY_TOO_LARGE'))
      else callback(null, chunk)
    },
  })
  payload.on('error', (err) => counter.destroy(err))
  return payload.pipe(counter)
}

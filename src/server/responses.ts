// Error answers the gateway itself gives (not the upstream's): JSON with a stable code.
import type { FastifyReply } from 'fastify'
import type { TokengateError } from '../errors.js'

export function sendError(reply: FastifyReply, err: TokengateError): FastifyReply {
  return reply
    .code(err.statusCode)
    .header('content-type', 'application/json; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(JSON.stringify({ error: err.message, code: err.code }))
}

export function sendPrepared(reply: FastifyReply, response: { statusCode: number; headers: Readonly<Record<string, string>>; body: string }): FastifyReply {
  return reply.code(response.statusCode).headers(response.headers).send(response.body)
}

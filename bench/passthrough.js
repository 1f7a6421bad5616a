// The Node upper bound: Fastify 5 + @fastify/http-proxy forwarding everything to the upstream,
// with no authentication and no logging. Usage: node bench/passthrough.js --port N --upstream URL
// It keeps a tick object alive as tokengate does (keepTickObjectShape, src/v8-tuning.ts), so the
// upper bound is not lowered by the nextTick state that avoids (run `npm run build` first).
import Fastify from 'fastify'
import { keepTickObjectShape } from '../dist/v8-tuning.js'
import proxy from '@fastify/http-proxy'
import process from 'node:process'
import console from 'node:console'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    upstream: { type: 'string' },
  },
})
if (values.upstream === undefined) throw new Error('--upstream is required')
keepTickObjectShape()

const app = Fastify({ logger: false })
await app.register(proxy, { upstream: values.upstream })
await app.listen({ port: Number(values.port), host: values.host })
console.log(JSON.stringify({ msg: 'listening', name: 'passthrough', port: app.server.address().port }))
process.on('SIGTERM', () => {
  app.close().then(() => process.exit(0), () => process.exit(1))
})

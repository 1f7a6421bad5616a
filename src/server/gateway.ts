// Runs one gateway: the traffic listener, the admin listener, and the current runtime, with
// reload and graceful shutdown. The CLI owns signals and exit codes; this owns the sockets.
import type { AddressInfo } from 'node:net'
import { isDeepStrictEqual } from 'node:util'
import type { FastifyInstance } from 'fastify'
import type { GatewayConfig } from '../config/types.js'
import type { Logger } from '../observability/logger.js'
import type { Metrics } from '../observability/metrics.js'
import { buildAdminApp } from '../admin/admin-server.js'
import { buildGatewayApp } from './gateway-app.js'
import { buildRuntime, purgeCaches, retireRuntime, type Runtime } from './runtime.js'

/** How long a replaced runtime stays usable for requests that started on it. */
const RETIRE_AFTER_MS = 30_000

export interface GatewayDeps {
  readonly logger: Logger
  readonly metrics: Metrics
  /** False in a cluster worker: the primary runs the one admin listener for all workers. */
  readonly withAdmin?: boolean
}

export interface Gateway {
  readonly address: string
  readonly adminAddress: string | undefined
  runtime(): Runtime
  /** Drops cached introspection answers: one token's, or all; returns how many went. */
  purge(token?: string): number
  /** Swaps in a new config atomically; listeners' host/port changes need a restart. */
  reload(config: GatewayConfig): void
  shutdown(graceMs?: number): Promise<void>
}

export async function startGateway(config: GatewayConfig, deps: GatewayDeps): Promise<Gateway> {
  const { logger, metrics } = deps
  let current = buildRuntime(config, undefined, metrics)
  let ready = false
  const retiring = new Map<Runtime, NodeJS.Timeout>()
  metrics.setConfigNames({ routes: config.routes.map((r) => r.name), policies: config.policies.keys() })
  metrics.countReload('success')
  metrics.setCacheSizeSource(() => [...current.authenticators].map(([policy, a]) => ({ policy, size: a.cacheSize })))

  const app = buildGatewayApp({
    getRuntime: () => current,
    logger,
    metrics,
    maxHeaderBytes: config.server.maxHeaderBytes,
    headersTimeoutMs: config.server.headersTimeoutMs,
    bodyLimitBytes: config.server.bodyLimitBytes,
    keepAliveTimeoutMs: config.server.keepAliveTimeoutMs,
    requestTimeoutMs: config.server.requestTimeoutMs,
  })
  const admin = config.admin.enabled && deps.withAdmin !== false
    ? buildAdminApp({
        metrics,
        isReady: () => ready,
        purgeCache: (token) => purgeCaches(current, token),
        logger: logger.child({ listener: 'admin' }),
      })
    : undefined

  const address = await listen(app, config.server.host, config.server.port)
  const adminAddress = admin === undefined ? undefined : await listen(admin, config.admin.host, config.admin.port)
  ready = true
  logger.info({ address, admin: adminAddress, routes: config.routes.length, policies: config.policies.size }, 'listening')

  return {
    address,
    adminAddress,
    runtime: () => current,
    purge: (token?: string) => purgeCaches(current, token),
    reload(next: GatewayConfig): void {
      const previous = current
      if (!isDeepStrictEqual(next.server, previous.config.server) || !isDeepStrictEqual(next.admin, previous.config.admin)) {
        logger.warn('server and admin settings (addresses, limits, grace period) take effect at the next restart; routes, upstreams and policies were reloaded')
      }
      current = buildRuntime(next, previous, metrics)
      metrics.setConfigNames({ routes: next.routes.map((r) => r.name), policies: next.policies.keys() })
      const timer = setTimeout(() => {
        retiring.delete(previous)
        void retireRuntime(previous, current)
      }, RETIRE_AFTER_MS)
      timer.unref()
      retiring.set(previous, timer)
    },
    async shutdown(graceMs = config.server.shutdownGraceMs): Promise<void> {
      ready = false
      const force = setTimeout(() => app.server.closeAllConnections(), graceMs)
      force.unref()
      try {
        await app.close()
      } finally {
        clearTimeout(force)
      }
      for (const [old, timer] of retiring) {
        clearTimeout(timer)
        await retireRuntime(old, current)
      }
      retiring.clear()
      await retireRuntime(current)
      await admin?.close()
    },
  }
}

async function listen(app: FastifyInstance, host: string, port: number): Promise<string> {
  // Fastify's own "listening" line is silenced: startGateway logs one line for both listeners.
  const log = app.log
  const level = log.level
  log.level = 'warn'
  try {
    await app.listen({ host, port })
  } finally {
    log.level = level
  }
  const info = app.server.address() as AddressInfo
  const shownHost = info.family === 'IPv6' ? `[${info.address}]` : info.address
  return `http://${shownHost}:${info.port}`
}

// A runtime is everything compiled from one config: route table, authenticators, upstream pools.
// Each request takes the current runtime once, at its start, and keeps it to the end; a reload
// builds a new runtime and swaps the reference, so no request ever sees half of two configs.
import { isDeepStrictEqual } from 'node:util'
import type { GatewayConfig } from '../config/types.js'
import { compileRouteTable, type RouteTable } from '../routing/route-table.js'
import { Authenticator } from '../auth/authenticator.js'
import { UpstreamPools } from '../proxy/upstream-pools.js'
import type { Metrics } from '../observability/metrics.js'

export interface Runtime {
  readonly config: GatewayConfig
  readonly table: RouteTable
  readonly authenticators: ReadonlyMap<string, Authenticator>
  readonly pools: UpstreamPools
}

/**
 * Builds a runtime, reusing from `previous` the authenticators whose policy did not change (so
 * their caches survive a reload) and the upstream pools (so connections stay warm).
 */
export function buildRuntime(config: GatewayConfig, previous?: Runtime, metrics?: Metrics): Runtime {
  const authenticators = new Map<string, Authenticator>()
  for (const [name, policy] of config.policies) {
    const old = previous?.config.policies.get(name)
    const reusable = old !== undefined && isDeepStrictEqual(old, policy) ? previous?.authenticators.get(name) : undefined
    authenticators.set(
      name,
      reusable ??
        new Authenticator(policy, metrics === undefined ? {} : { observeIntrospection: (outcome, seconds) => metrics.observeIntrospection(name, outcome, seconds) }),
    )
  }
  return {
    config,
    table: compileRouteTable(config.routes),
    authenticators,
    pools: new UpstreamPools(config.upstreams.values(), previous?.pools),
  }
}

/** Releases what `old` owns and `next` did not take over. In-flight requests finish first. */
export async function retireRuntime(old: Runtime, next?: Runtime): Promise<void> {
  const kept = new Set(next?.authenticators.values() ?? [])
  const closing = [...old.authenticators.values()].filter((a) => !kept.has(a)).map((a) => a.close())
  await Promise.allSettled([...closing, old.pools.close()])
}

export function purgeCaches(runtime: Runtime, token?: string): number {
  let purged = 0
  for (const authenticator of runtime.authenticators.values()) purged += authenticator.purge(token)
  return purged
}

// Prometheus metrics for one gateway process. Each call to createMetrics owns its own Registry —
// never prom-client's global one — so tests, reloads and several gateways in one process never
// collide. Label values come only from the configuration (route and policy names) or from the
// closed sets below: a client must not be able to grow the label space (Prometheus keeps one
// series per label tuple, forever).
import { AggregatorRegistry, Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client'
import { CounterSeries, HistogramSeries } from './series.js'

export const INTROSPECTION_OUTCOMES = [
  'active', 'inactive', 'timeout', 'unavailable', 'bad_status', 'bad_response', 'overloaded', 'circuit_open',
] as const
export type IntrospectionOutcome = (typeof INTROSPECTION_OUTCOMES)[number]

export const CACHE_EVENTS = ['hit', 'miss', 'coalesced'] as const
export type CacheEvent = (typeof CACHE_EVENTS)[number]

export type ReloadOutcome = 'success' | 'failure'

/** The label value for a request that matched no route, or a route without a policy. */
export const NO_NAME = 'none'

/** Seconds. Upstream calls may run up to their 30 s default timeout. */
const REQUEST_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
/** Seconds. Introspection calls time out after 2 s by default; most answer in milliseconds. */
const INTROSPECTION_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5]

export interface CacheSize {
  readonly policy: string
  readonly size: number
}

export interface Metrics {
  /** Restricts route and policy labels to these names (call on every config load); others become `none`. */
  setConfigNames(names: { routes: Iterable<string>; policies: Iterable<string> }): void
  /** Read at every scrape to set `tokengate_cache_entries`. */
  setCacheSizeSource(source: () => readonly CacheSize[]): void
  observeRequest(route: string | undefined, status: number, seconds: number): void
  observeUpstream(route: string | undefined, seconds: number): void
  observeIntrospection(policy: string, outcome: IntrospectionOutcome, seconds: number): void
  /** `reason` must come from a closed set in code (e.g. an OAuth error code), never from a request. */
  countDecision(policy: string, granted: boolean, reason: string): void
  countCache(policy: string, event: CacheEvent): void
  /** A success also stamps `tokengate_config_last_reload_success_timestamp_seconds`. */
  countReload(outcome: ReloadOutcome): void
  metricsText(): Promise<string>
  readonly contentType: string
  /** For tests and custom collectors; do not register global metrics in it. */
  readonly registry: Registry
}

/** What the admin listener needs: one process's metrics, or a cluster's aggregate. */
export type MetricsText = Pick<Metrics, 'metricsText' | 'contentType'>

export interface MetricsOptions {
  /** Default process metrics (CPU, memory, event loop lag, GC). Default true. */
  readonly processMetrics?: boolean
  /** Wall clock in epoch milliseconds, for the reload timestamp. */
  readonly now?: () => number
}

/** Any status outside 100–599 is reported as `other`, so a broken upstream cannot add series. */
function statusKey(status: number): number {
  return Number.isInteger(status) && status >= 100 && status <= 599 ? status : 0
}

interface LabelCache<C> {
  get(a: string, b?: string | number): C
}

/**
 * Finding a series by its label values joins them into a key; keeping the child per label tuple
 * in nested Maps makes the hot path two Map reads and no string building.
 */
function labelCache<C>(make: (a: string, b: string) => C): LabelCache<C> {
  const outer = new Map<string, Map<string | number, C>>()
  return {
    get(a, b = '') {
      let inner = outer.get(a)
      if (inner === undefined) outer.set(a, (inner = new Map()))
      let child = inner.get(b)
      if (child === undefined) inner.set(b, (child = make(a, b === 0 ? 'other' : String(b))))
      return child
    },
  }
}

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry()
  const now = options.now ?? Date.now
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry })
  const registers = [registry]

  const requests = new CounterSeries({
    name: 'tokengate_requests_total', help: 'Requests answered, by route and HTTP status.',
    labelNames: ['route', 'status'] as const, registers,
  })
  const requestDuration = new HistogramSeries({
    name: 'tokengate_request_duration_seconds', help: 'Time from request received to response sent.',
    labelNames: ['route'] as const, buckets: REQUEST_BUCKETS_S, registers,
  })
  const upstreamDuration = new HistogramSeries({
    name: 'tokengate_upstream_duration_seconds', help: 'Time spent waiting for the upstream response.',
    labelNames: ['route'] as const, buckets: REQUEST_BUCKETS_S, registers,
  })
  const introspectionDuration = new HistogramSeries({
    name: 'tokengate_introspection_duration_seconds', help: 'Duration of introspection calls (RFC 7662), by outcome.',
    labelNames: ['policy', 'outcome'] as const, buckets: INTROSPECTION_BUCKETS_S, registers,
  })
  const introspectionCalls = new CounterSeries({
    name: 'tokengate_introspection_calls_total', help: 'Introspection calls, by outcome.',
    labelNames: ['policy', 'outcome'] as const, registers,
  })
  const decisions = new CounterSeries({
    name: 'tokengate_auth_decisions_total', help: 'Access decisions, by policy, result and reason.',
    labelNames: ['policy', 'granted', 'reason'] as const, registers,
  })
  const cacheEvents = new CounterSeries({
    name: 'tokengate_cache_events_total', help: 'Introspection cache lookups: hit, miss, or coalesced with a call in flight.',
    labelNames: ['policy', 'event'] as const, registers,
  })
  const reloads = new Counter({
    name: 'tokengate_config_reloads_total', help: 'Configuration reloads, by outcome.',
    labelNames: ['outcome'] as const, registers,
  })
  const lastReload = new Gauge({
    name: 'tokengate_config_last_reload_success_timestamp_seconds',
    help: 'When the configuration was last loaded successfully (Unix time).', registers,
    aggregator: 'max', // across cluster workers the latest reload counts, not the sum
  })

  let cacheSizeSource: () => readonly CacheSize[] = () => []
  let routeNames: ReadonlySet<string> | undefined
  let policyNames: ReadonlySet<string> | undefined
  new Gauge({
    name: 'tokengate_cache_entries', help: 'Entries in the introspection cache, by policy.',
    labelNames: ['policy'] as const, registers,
    collect() {
      // Reset first so that a policy removed by a reload stops being reported.
      this.reset()
      for (const { policy, size } of cacheSizeSource()) this.set({ policy: policyLabel(policy) }, size)
    },
  })

  const routeLabel = (name: string | undefined): string =>
    name === undefined || name === '' || (routeNames !== undefined && !routeNames.has(name)) ? NO_NAME : name
  const policyLabel = (name: string | undefined): string =>
    name === undefined || name === '' || (policyNames !== undefined && !policyNames.has(name)) ? NO_NAME : name

  const requestChild = labelCache((route, status) => requests.child(route, status))
  const requestDurationChild = labelCache((route) => requestDuration.child(route))
  const upstreamChild = labelCache((route) => upstreamDuration.child(route))
  const introspectionChild = labelCache((policy, outcome) => ({
    calls: introspectionCalls.child(policy, outcome),
    duration: introspectionDuration.child(policy, outcome),
  }))
  const grantedChild = labelCache((policy, reason) => decisions.child(policy, 'true', reason))
  const deniedChild = labelCache((policy, reason) => decisions.child(policy, 'false', reason))
  const cacheChild = labelCache((policy, event) => cacheEvents.child(policy, event))

  return {
    registry,
    contentType: registry.contentType,
    setConfigNames(names) {
      routeNames = new Set(names.routes)
      policyNames = new Set(names.policies)
    },
    setCacheSizeSource(source) {
      cacheSizeSource = source
    },
    observeRequest(route, status, seconds) {
      const r = routeLabel(route)
      requestChild.get(r, statusKey(status)).inc()
      requestDurationChild.get(r).observe(seconds)
    },
    observeUpstream(route, seconds) {
      upstreamChild.get(routeLabel(route)).observe(seconds)
    },
    observeIntrospection(policy, outcome, seconds) {
      const child = introspectionChild.get(policyLabel(policy), outcome)
      child.calls.inc()
      child.duration.observe(seconds)
    },
    countDecision(policy, granted, reason) {
      ;(granted ? grantedChild : deniedChild).get(policyLabel(policy), reason).inc()
    },
    countCache(policy, event) {
      cacheChild.get(policyLabel(policy), event).inc()
    },
    countReload(outcome) {
      reloads.labels(outcome).inc()
      if (outcome === 'success') lastReload.set(now() / 1000)
    },
    metricsText: () => registry.metrics(),
  }
}

/** In a cluster worker: answer the primary's metric requests (prom-client's IPC protocol) from this registry. */
export function shareWithClusterPrimary(metrics: Metrics): void {
  AggregatorRegistry.setRegistries([metrics.registry])
  new AggregatorRegistry() // installs the worker's message listener
}

/** In the cluster primary: every worker's metrics combined (counters summed), for the primary's admin listener. */
export function createClusterMetricsView(): MetricsText {
  const aggregator = new AggregatorRegistry()
  return { contentType: aggregator.contentType, metricsText: () => aggregator.clusterMetrics() }
}

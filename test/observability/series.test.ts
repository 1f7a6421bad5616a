import t from 'tap'
import { AggregatorRegistry, Counter, Histogram, Registry } from 'prom-client'
import { CounterSeries, HistogramSeries } from '../../src/observability/series.js'

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

/** A deterministic stream of observations: bucket edges exactly, values between, above the last. */
function observations(n: number): number[] {
  const out: number[] = [0, ...BUCKETS, 31, 1e6]
  let x = 12345
  for (let i = 0; i < n; i += 1) {
    x = (x * 1103515245 + 12345) % 2 ** 31
    out.push((x / 2 ** 31) * 40)
  }
  return out
}

/** The same traffic through prom-client's classes and through ours, into two registries. */
function twin() {
  const theirs = new Registry()
  const ours = new Registry()
  const requestsTheirs = new Counter({ name: 'x_requests_total', help: 'Requests.', labelNames: ['route', 'status'], registers: [theirs] })
  const requestsOurs = new CounterSeries({ name: 'x_requests_total', help: 'Requests.', labelNames: ['route', 'status'], registers: [ours] })
  const durationTheirs = new Histogram({ name: 'x_duration_seconds', help: 'Duration.', labelNames: ['route'], buckets: BUCKETS, registers: [theirs] })
  const durationOurs = new HistogramSeries({ name: 'x_duration_seconds', help: 'Duration.', labelNames: ['route'], buckets: BUCKETS, registers: [ours] })
  const feed = (offset: number) => {
    observations(500).forEach((v, i) => {
      const route = ['ratings', 'open', 'we"ird\\route'][(i + offset) % 3] as string
      const status = String([200, 403, 503][(i * 7 + offset) % 3])
      requestsTheirs.labels(route, status).inc()
      requestsOurs.child(route, status).inc()
      durationTheirs.labels(route).observe(v)
      durationOurs.child(route).observe(v)
    })
  }
  return { theirs, ours, feed }
}

t.test('the Prometheus text is the same as prom-client Counter and Histogram produce', async (t) => {
  const { theirs, ours, feed } = twin()
  t.equal(await ours.metrics(), await theirs.metrics(), 'before any observation')
  feed(0)
  const text = await ours.metrics()
  t.equal(text, await theirs.metrics())
  t.match(text, 'x_duration_seconds_bucket{le="+Inf",route="ratings"}')
  t.match(text, '# TYPE x_requests_total counter')
})

t.test('cluster aggregation sums workers the same way', async (t) => {
  const a = twin()
  const b = twin()
  a.feed(0)
  b.feed(1)
  const theirs = AggregatorRegistry.aggregate([await a.theirs.getMetricsAsJSON(), await b.theirs.getMetricsAsJSON()])
  const ours = AggregatorRegistry.aggregate([await a.ours.getMetricsAsJSON(), await b.ours.getMetricsAsJSON()])
  t.equal(await ours.metrics(), await theirs.metrics())
})

t.test('a child is found once and keeps counting; reset clears values in place', async (t) => {
  const registry = new Registry()
  const counter = new CounterSeries({ name: 'c_total', help: 'C.', labelNames: ['route'], registers: [registry] })
  const child = counter.child('r')
  t.equal(counter.child('r'), child, 'the same series for the same label values')
  child.inc()
  child.inc(2)
  t.match(await registry.metrics(), 'c_total{route="r"} 3')
  registry.resetMetrics()
  child.inc()
  t.match(await registry.metrics(), 'c_total{route="r"} 1')
})

t.test('bad values are dropped, never thrown on the hot path', async (t) => {
  const registry = new Registry()
  const counter = new CounterSeries({ name: 'c_total', help: 'C.', labelNames: ['route'], registers: [registry] })
  const histogram = new HistogramSeries({ name: 'h_seconds', help: 'H.', labelNames: ['route'], buckets: [1], registers: [registry] })
  const c = counter.child('r')
  const h = histogram.child('r')
  for (const bad of [Number.NaN, -1, Number.POSITIVE_INFINITY]) c.inc(bad)
  for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) h.observe(bad)
  const text = await registry.metrics()
  t.match(text, 'c_total{route="r"} 0')
  t.match(text, 'h_seconds_count{route="r"} 0')
  t.match(text, 'h_seconds_sum{route="r"} 0')
})

t.test('the label values must match the label names', async (t) => {
  const counter = new CounterSeries({ name: 'c_total', help: 'C.', labelNames: ['route', 'status'], registers: [] })
  t.throws(() => counter.child('only-one'), /expected 2 label values, got 1/)
})

import t from 'tap'
import { AggregatorRegistry, register as globalRegistry } from 'prom-client'
import { createMetrics } from '../../src/observability/metrics.js'

/** The value of one sample line in Prometheus text, or undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(series + ' ')) return Number(line.slice(series.length + 1))
  }
  return undefined
}

t.test('each instance owns its registry; the global one stays empty', async (t) => {
  const a = createMetrics({ processMetrics: false })
  const b = createMetrics({ processMetrics: false })
  a.observeRequest('r', 200, 0.01)
  t.equal(sample(await a.metricsText(), 'tokengate_requests_total{route="r",status="200"}'), 1)
  t.equal(sample(await b.metricsText(), 'tokengate_requests_total{route="r",status="200"}'), undefined)
  t.equal((await globalRegistry.metrics()).includes('tokengate_'), false)
})

t.test('every documented metric is exported with its type', async (t) => {
  const m = createMetrics({ processMetrics: false })
  const text = await m.metricsText()
  const expected = {
    tokengate_requests_total: 'counter',
    tokengate_request_duration_seconds: 'histogram',
    tokengate_upstream_duration_seconds: 'histogram',
    tokengate_introspection_duration_seconds: 'histogram',
    tokengate_introspection_calls_total: 'counter',
    tokengate_auth_decisions_total: 'counter',
    tokengate_cache_events_total: 'counter',
    tokengate_cache_entries: 'gauge',
    tokengate_config_reloads_total: 'counter',
    tokengate_config_last_reload_success_timestamp_seconds: 'gauge',
  }
  for (const [name, type] of Object.entries(expected)) t.match(text, `# TYPE ${name} ${type}\n`, name)
  t.match(m.contentType, /^text\/plain; version=0\.0\.4/)
})

t.test('requests: counted by route and status, duration observed', async (t) => {
  const m = createMetrics({ processMetrics: false })
  m.observeRequest('ratings', 200, 0.02)
  m.observeRequest('ratings', 200, 0.5)
  m.observeRequest('ratings', 403, 0.001)
  m.observeRequest(undefined, 404, 0.001)
  m.observeRequest('', 404, 0.001)
  m.observeRequest('ratings', 1000, 0.001)
  m.observeUpstream('ratings', 0.3)
  const text = await m.metricsText()
  t.equal(sample(text, 'tokengate_requests_total{route="ratings",status="200"}'), 2)
  t.equal(sample(text, 'tokengate_requests_total{route="ratings",status="403"}'), 1)
  t.equal(sample(text, 'tokengate_requests_total{route="none",status="404"}'), 2)
  t.equal(sample(text, 'tokengate_requests_total{route="ratings",status="other"}'), 1)
  t.equal(sample(text, 'tokengate_request_duration_seconds_count{route="ratings"}'), 4)
  t.equal(sample(text, 'tokengate_request_duration_seconds_bucket{le="0.025",route="ratings"}'), 3)
  t.equal(sample(text, 'tokengate_upstream_duration_seconds_count{route="ratings"}'), 1)
  t.equal(sample(text, 'tokengate_upstream_duration_seconds_sum{route="ratings"}'), 0.3)
})

t.test('setConfigNames: names not in the configuration are reported as none', async (t) => {
  const m = createMetrics({ processMetrics: false })
  m.setConfigNames({ routes: ['ratings'], policies: ['hydra'] })
  m.observeRequest('/attacker/chosen', 404, 0.001)
  m.countDecision('made-up', false, 'invalid_token')
  m.countDecision('hydra', false, 'invalid_token')
  const text = await m.metricsText()
  t.equal(sample(text, 'tokengate_requests_total{route="none",status="404"}'), 1)
  t.notMatch(text, 'attacker')
  t.equal(sample(text, 'tokengate_auth_decisions_total{policy="none",granted="false",reason="invalid_token"}'), 1)
  t.equal(sample(text, 'tokengate_auth_decisions_total{policy="hydra",granted="false",reason="invalid_token"}'), 1)
})

t.test('introspection calls and durations by outcome; decisions; cache events', async (t) => {
  const m = createMetrics({ processMetrics: false })
  m.observeIntrospection('hydra', 'active', 0.004)
  m.observeIntrospection('hydra', 'active', 0.006)
  m.observeIntrospection('hydra', 'timeout', 2)
  m.countDecision('hydra', true, 'ok')
  m.countDecision('hydra', false, 'insufficient_scope')
  m.countCache('hydra', 'hit')
  m.countCache('hydra', 'hit')
  m.countCache('hydra', 'coalesced')
  const text = await m.metricsText()
  t.equal(sample(text, 'tokengate_introspection_calls_total{policy="hydra",outcome="active"}'), 2)
  t.equal(sample(text, 'tokengate_introspection_calls_total{policy="hydra",outcome="timeout"}'), 1)
  t.equal(sample(text, 'tokengate_introspection_duration_seconds_count{policy="hydra",outcome="active"}'), 2)
  t.equal(sample(text, 'tokengate_introspection_duration_seconds_bucket{le="0.005",policy="hydra",outcome="active"}'), 1)
  t.equal(sample(text, 'tokengate_auth_decisions_total{policy="hydra",granted="true",reason="ok"}'), 1)
  t.equal(sample(text, 'tokengate_auth_decisions_total{policy="hydra",granted="false",reason="insufficient_scope"}'), 1)
  t.equal(sample(text, 'tokengate_cache_events_total{policy="hydra",event="hit"}'), 2)
  t.equal(sample(text, 'tokengate_cache_events_total{policy="hydra",event="coalesced"}'), 1)
  t.equal(sample(text, 'tokengate_cache_events_total{policy="hydra",event="miss"}'), undefined)
})

t.test('cache entries are read from the source at each scrape; removed policies disappear', async (t) => {
  const m = createMetrics({ processMetrics: false })
  let sizes = [{ policy: 'a', size: 3 }, { policy: 'b', size: 7 }]
  m.setCacheSizeSource(() => sizes)
  let text = await m.metricsText()
  t.equal(sample(text, 'tokengate_cache_entries{policy="a"}'), 3)
  t.equal(sample(text, 'tokengate_cache_entries{policy="b"}'), 7)
  sizes = [{ policy: 'a', size: 4 }]
  text = await m.metricsText()
  t.equal(sample(text, 'tokengate_cache_entries{policy="a"}'), 4)
  t.equal(sample(text, 'tokengate_cache_entries{policy="b"}'), undefined)
})

t.test('reloads: counted by outcome; a success stamps the time from the injected clock', async (t) => {
  let nowMs = 1_700_000_000_000
  const m = createMetrics({ processMetrics: false, now: () => nowMs })
  m.countReload('success')
  nowMs += 5_000
  m.countReload('failure')
  let text = await m.metricsText()
  t.equal(sample(text, 'tokengate_config_reloads_total{outcome="success"}'), 1)
  t.equal(sample(text, 'tokengate_config_reloads_total{outcome="failure"}'), 1)
  t.equal(sample(text, 'tokengate_config_last_reload_success_timestamp_seconds'), 1_700_000_000)
  m.countReload('success')
  text = await m.metricsText()
  t.equal(sample(text, 'tokengate_config_last_reload_success_timestamp_seconds'), 1_700_000_005)
})

t.test('default process metrics are on unless turned off', async (t) => {
  t.match(await createMetrics().metricsText(), /^process_cpu_user_seconds_total /m)
  t.notMatch(await createMetrics({ processMetrics: false }).metricsText(), /process_cpu_user_seconds_total/)
})

t.test('across cluster workers counters add up and the reload timestamp is the latest', async (t) => {
  const a = createMetrics({ processMetrics: false, now: () => 1_000_000 })
  const b = createMetrics({ processMetrics: false, now: () => 3_000_000 })
  a.observeRequest('r', 200, 0.01)
  b.observeRequest('r', 200, 0.01)
  a.countReload('success')
  b.countReload('success')
  const text = await AggregatorRegistry.aggregate([
    await a.registry.getMetricsAsJSON(), await b.registry.getMetricsAsJSON(),
  ]).metrics()
  t.equal(sample(text, 'tokengate_requests_total{route="r",status="200"}'), 2)
  t.equal(sample(text, 'tokengate_config_reloads_total{outcome="success"}'), 2)
  t.equal(sample(text, 'tokengate_config_last_reload_success_timestamp_seconds'), 3_000)
})

// Reading tokengate's own Prometheus metrics from its admin listener between runs (never during
// one): V8's heap and the time spent in garbage collection, which explain gaps that requests/s
// alone cannot.
import { httpRequest } from './http.js'

const sample = (name) => new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'gm')

function sum(body, name) {
  let total = null
  for (const m of body.matchAll(sample(name))) total = (total ?? 0) + Number(m[1])
  return total
}

/** { heapUsedBytes, gcSeconds } (each null when missing), or null when the listener does not answer. */
export async function scrapeGatewayMetrics(metricsUrl) {
  try {
    const res = await httpRequest(metricsUrl)
    if (res.status !== 200) return null
    return { heapUsedBytes: sum(res.body, 'nodejs_heap_size_used_bytes'), gcSeconds: sum(res.body, 'nodejs_gc_duration_seconds_sum') }
  } catch {
    return null
  }
}

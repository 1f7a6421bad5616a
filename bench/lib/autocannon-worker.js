// autocannon in its own process (pinned like wrk would be), used when wrk is not installed.
// argv[2]: JSON { url, path, connections, durationS, mode, timeoutS }. Prints BENCH_JSON {…}
// in load.js's normalised shape. SIGINT ends the run early and still reports.
import autocannon from 'autocannon'
import { readFileSync } from 'node:fs'
import process from 'node:process'
import console from 'node:console'

const o = JSON.parse(process.argv[2] ?? '{}')

function requestsFor(mode) {
  if (mode.kind === 'fixed') {
    const headers = mode.token === null ? {} : { authorization: `Bearer ${mode.token}` }
    return [{ method: 'GET', path: o.path, headers }]
  }
  if (mode.kind === 'rotate') {
    const tokens = readFileSync(mode.file, 'utf8').split('\n').filter((t) => t !== '')
    let next = 0
    return [{
      method: 'GET',
      path: o.path,
      setupRequest: (req) => {
        const token = tokens[next]
        next = (next + 1) % tokens.length
        return { ...req, headers: { ...req.headers, authorization: `Bearer ${token}` } }
      },
    }]
  }
  let counter = 0
  return [{
    method: 'GET',
    path: o.path,
    setupRequest: (req) => {
      counter += 1
      return { ...req, headers: { ...req.headers, authorization: `Bearer ${mode.prefix}${counter}` } }
    },
  }]
}

const instance = autocannon({
  url: o.url,
  connections: o.connections,
  duration: o.durationS,
  timeout: o.timeoutS,
  requests: requestsFor(o.mode),
}, (error, r) => {
  if (error) {
    console.error(error)
    process.exit(1)
  }
  const durationS = r.duration
  console.log(`BENCH_JSON ${JSON.stringify({
    requests: r.requests.total,
    durationS,
    rps: durationS > 0 ? r.requests.total / durationS : 0,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    non2xx: r.non2xx,
    socketErrors: r.errors - r.timeouts,
    timeouts: r.timeouts,
  })}`)
})
process.once('SIGINT', () => instance.stop())

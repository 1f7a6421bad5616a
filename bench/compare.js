// Two proxies on one core, alternating short runs of the same load, many pairs: the ratio B/A per
// pair and its median. Finer than the suite (bench/run.js) for one question at a time — did this
// change make the gateway faster, is route X as fast as the passthrough — because neighbouring
// runs share the machine's state and a median over many pairs shrugs off a noisy one.
//
//   node bench/compare.js --a passthrough --b dist/cli.js --path /open/ratings/1
//   node bench/compare.js --a /tmp/old/dist/cli.js --b dist/cli.js --pairs 12
//   node bench/compare.js --a dist/cli.js --b dist/cli.js --mixed-b   # what other traffic does to a process
//   node bench/compare.js --a passthrough --b dist/cli.js --shared     # both loaded at once on one core
//   node bench/compare.js --a passthrough --b dist/cli.js --shared --history   # B before and after that traffic
//   node bench/compare.js --a passthrough --b dist/cli.js --shared --history --traffic invalid --traffic-seconds 20 --warm-up 30
//
// A side is `passthrough` or the path of a built tokengate CLI (for an older build: check it out
// elsewhere, `npm ci && npm run build` there, pass its dist/cli.js). Both get the suite's generated
// config; the passthrough is always asked for /ratings/1.
import { mkdtempSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import os from 'node:os'
import process from 'node:process'
import console from 'node:console'
import { allowedCpus, cpuLayout, findExecutable, freePorts } from './lib/system.js'
import { installCleanup, onExit, stopAll } from './lib/procs.js'
import { startPassthrough, startStub, startTokengate, startUpstream } from './lib/targets.js'
import { runLoad } from './lib/load.js'
import { tokenLike, writeTokenFile } from './lib/tokens.js'

const USAGE = `node bench/compare.js --a SIDE --b SIDE [--path P] [--pairs N] [--duration S] [--warm-up S] [--connections N]
  SIDE        passthrough | path to a built tokengate dist/cli.js
  --path      what tokengate is asked for (default /ratings/1: the warm protected route; /open/ratings/1: no policy)
  --pairs     alternating pairs (default 10); the order flips every pair; without --shared the
              p99 ratio is reported too (median and range over the pairs)
  --duration  seconds per run (default 3)
  --warm-up   seconds of load each side gets before the pairs (default 5; the JIT is still
              settling after 5 s, so a before/after question wants 30)
  --shared    run each pair's two sides at the same moment, sharing the core, instead of one after
              the other: the machine's drift then hits both alike (see bench/README.md)
  --mixed-b   before the pairs, B (a tokengate) also serves what the suite sends between its warm
              runs: 5 s without a token, 5 s of distinct invalid tokens, 5 s of a 20,000-token rotation
  --history   the pairs run twice, before and after that traffic, with the same B process: what
              the traffic leaves behind, free of the differences between one process and another
  --traffic   which of that traffic B serves, comma-separated: no-token, invalid, rotation (default all)
  --traffic-seconds  seconds of each kind (default 5)`

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

/**
 * What the suite's tokengate serves between its warm runs: denials, and introspection calls with
 * their answers, which run through the same Node and undici code as the proxied requests. Issue 6
 * used it to ask whether that traffic leaves a process slower afterwards.
 */
const TRAFFIC = {
  'no-token': { what: 'requests without a token', mode: () => ({ kind: 'fixed', token: null }) },
  invalid: { what: 'distinct invalid tokens', mode: () => ({ kind: 'unique', prefix: 'invalid-' }) },
  rotation: { what: 'a 20,000-token rotation', mode: (dir) => ({ kind: 'rotate', file: writeTokenFile(dir, 'mixed.txt', 20_000) }) },
}

function trafficKinds(list) {
  const kinds = list.split(',').map((k) => k.trim()).filter((k) => k !== '')
  const unknown = kinds.filter((k) => !Object.hasOwn(TRAFFIC, k))
  if (kinds.length === 0 || unknown.length > 0) throw new Error(`--traffic: expected a comma-separated list of ${Object.keys(TRAFFIC).join(', ')}; got "${list}"`)
  return kinds
}

async function serveMixedTraffic(side, common, dir, kinds) {
  const path = '/ratings/1'
  for (const kind of kinds) await runLoad({ ...common, origin: side.origin, path, mode: TRAFFIC[kind].mode(dir) })
  console.error(`compare: B served ${kinds.map((k) => TRAFFIC[k].what).join(', ')} (${common.durationS} s each)`)
}

async function main() {
  const { values } = parseArgs({ options: {
    a: { type: 'string' }, b: { type: 'string' }, path: { type: 'string', default: '/ratings/1' },
    pairs: { type: 'string', default: '10' }, duration: { type: 'string', default: '3' },
    'warm-up': { type: 'string', default: '5' }, connections: { type: 'string', default: '50' },
    'mixed-b': { type: 'boolean', default: false }, traffic: { type: 'string', default: Object.keys(TRAFFIC).join(',') },
    'traffic-seconds': { type: 'string', default: '5' },
    shared: { type: 'boolean', default: false }, history: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  } })
  if (values.help || values.a === undefined || values.b === undefined) return console.log(USAGE)
  if ((values['mixed-b'] || values.history) && values.b === 'passthrough') throw new Error('--mixed-b, --history: B must be a tokengate build (the passthrough has no token checks)')
  installCleanup((m) => console.error(m))
  const wrk = findExecutable('wrk')
  const loadgen = { kind: wrk === null ? 'autocannon' : 'wrk', path: wrk }
  const layout = cpuLayout(allowedCpus(findExecutable('taskset')), true)
  const pairs = Number(values.pairs)
  const durationS = Number(values.duration)
  const warmUpS = Number(values['warm-up'])
  const kinds = trafficKinds(values.traffic)
  const trafficS = Number(values['traffic-seconds'])
  const lifetimeS = 120 + 2 * warmUpS + (values.history ? 2 : 1) * pairs * 2 * (durationS + 5) + kinds.length * trafficS
  const dir = mkdtempSync(join(os.tmpdir(), 'tokengate-compare-'))
  onExit(() => rmSync(dir, { recursive: true, force: true }))

  const [upstreamPort, stubPort, passthroughPort, portA, portB] = await freePorts(5)
  await startUpstream({ port: upstreamPort, cpu: layout.aux, lifetimeS })
  await startStub({ port: stubPort, cpu: layout.aux, lifetimeS, delayMs: 2 })
  const side = async (spec, name, port) => spec === 'passthrough'
    ? { name, origin: (await startPassthrough({ port: passthroughPort, upstreamPort, cpu: layout.target, lifetimeS })).origin, path: '/ratings/1' }
    : { name, origin: (await startTokengate({ cli: resolve(spec), name, file: `${name}.yaml`, dir, port, upstreamPort, stubPort, cacheMaxEntries: 200_000, cpu: layout.target, lifetimeS })).origin, path: values.path }
  const a = await side(values.a, 'A', portA)
  const b = await side(values.b, 'B', portB)
  const common = { loadgen, connections: Number(values.connections), threads: 1, cpu: layout.aux, mode: { kind: 'fixed', token: tokenLike('warm') } }
  const load = (s, seconds) => runLoad({ ...common, origin: s.origin, path: s.path, durationS: seconds })
  const run = async (s, seconds) => (await load(s, seconds)).rps

  console.error(`compare: A = ${values.a}, B = ${values.b} (${values.path}); ${layout.note}; ${pairs} ${values.shared ? 'shared-core runs' : 'pairs'} × ${durationS} s`)
  for (const s of [a, b]) await run(s, warmUpS)
  const measure = async (label) => {
    const ratios = []
    const p99Ratios = []
    for (let i = 0; i < pairs; i += 1) {
      const r = {}
      if (values.shared) [r.A, r.B] = await Promise.all([load(a, durationS), load(b, durationS)])
      else for (const s of i % 2 === 0 ? [a, b] : [b, a]) r[s.name] = await load(s, durationS)
      ratios.push(r.B.rps / r.A.rps)
      // On a shared core p99 mostly measures the other process's time slices: alternating runs only.
      if (!values.shared) p99Ratios.push(r.B.p99Ms / r.A.p99Ms)
      console.error(`${label}pair ${i + 1}: A ${Math.round(r.A.rps)} req/s, B ${Math.round(r.B.rps)} req/s, B/A ${(r.B.rps / r.A.rps).toFixed(3)}` +
        (values.shared ? '' : `; p99 A ${r.A.p99Ms.toFixed(2)} ms, B ${r.B.p99Ms.toFixed(2)} ms, B/A ${(r.B.p99Ms / r.A.p99Ms).toFixed(3)}`))
    }
    const sorted = [...ratios].sort((x, y) => x - y)
    const p99 = p99Ratios.length === 0 ? {} : { p99MedianRatio: Number(median(p99Ratios).toFixed(3)), p99Min: Number(Math.min(...p99Ratios).toFixed(3)), p99Max: Number(Math.max(...p99Ratios).toFixed(3)) }
    return { medianRatio: Number(median(ratios).toFixed(3)), min: Number(sorted[0].toFixed(3)), max: Number(sorted.at(-1).toFixed(3)), ...p99 }
  }
  const summary = { a: values.a, b: values.b, path: values.path, shared: values.shared, pairs, durationS, warmUpS,
    ...(values.history || values['mixed-b'] ? { traffic: kinds, trafficS } : {}) }
  if (values.history) {
    const before = await measure('before: ')
    await serveMixedTraffic(b, { ...common, durationS: trafficS }, dir, kinds)
    for (const s of [a, b]) await run(s, 5)
    const after = await measure('after: ')
    console.log(JSON.stringify({ ...summary, before, after, afterOverBefore: Number((after.medianRatio / before.medianRatio).toFixed(3)) }))
  } else {
    if (values['mixed-b']) await serveMixedTraffic(b, { ...common, durationS: trafficS }, dir, kinds)
    console.log(JSON.stringify({ ...summary, ...(await measure('')) }))
  }
  await stopAll()
}

main().catch(async (error) => {
  console.error(error)
  await stopAll()
  process.exit(1)
})

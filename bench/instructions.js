// Instructions per request, counted by valgrind's callgrind: the passthrough, tokengate's
// unprotected route and its warm protected route (one cached token), each warmed up and then
// counted over exactly --requests requests. Counts repeat within ~1 % where requests/s move by
// ±20 %, so this answers "does tokengate do more work per request than the passthrough?" on any
// machine; it cannot see what costs cycles without instructions (cache misses, stalls).
//   node bench/instructions.js [--requests 4000] [--warmup 20000] [--repeats 3] [--frames 25]
// Needs valgrind (apt-get install -y valgrind) and a built dist/ (npm run build).
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import os from 'node:os'
import process from 'node:process'
import console from 'node:console'
import { freePorts } from './lib/system.js'
import { installCleanup, onExit, startProcess, stopAll, stopProcess, waitUntil } from './lib/procs.js'
import { TOKENGATE_CLI, startStub, startUpstream, tokengateV8Flags } from './lib/targets.js'
import { answers } from './lib/http.js'
import { tokengateYaml } from './lib/configs.js'
import { tokenLike } from './lib/tokens.js'
import { median } from './lib/report.js'
import { fixedLoadClient } from './lib/fixed-load.js'
import { callgrindPrefix, callgrindTools, dump, instrument, profileOf, removeDumps } from './lib/callgrind.js'
import { framesGrown } from './lib/frame-growth.js'
import { JWT_AUDIENCE, JWT_ISSUER, jwtMaterial } from './lib/jwt.js'

const USAGE = `node bench/instructions.js [options]   (npm run bench:instructions builds first)
  --requests N     requests counted per run (default 4000)
  --warmup N       uncounted requests first, so the JIT has settled (default 20000)
  --repeats N      runs per target, interleaved; the median is reported (default 3)
  --connections N  keep-alive connections of the load (default 8)
  --frames N       top frames (self instructions) listed per target (default 25)
  --simulate       also run callgrind's cache and branch-predictor models (slower) and report
                   their misses and callgrind's cycle estimate per request
  --pages          also run callgrind's simulator as a model of the TLBs (4 KiB lines: first-level
                   TLB misses and page walks per request; slower; see bench/lib/callgrind.js)
  --out DIR        where instructions.json / .md go, instructions-simulated.* with --simulate,
                   instructions-pages.* with --pages (default bench/results)
  --history        instead: one gateway's two routes counted before and after the suite's other
                   kinds of traffic (no token, distinct invalid tokens, distinct valid tokens,
                   JWTs), to find work that other traffic leaves behind (instructions-history.*)
  --history-requests N  requests of each kind of other traffic (default 5000)
`
const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url))
const READY_TIMEOUT_MS = 180_000
const TOKEN = tokenLike('instructions')

const CASES = [
  { id: 'passthrough', title: 'passthrough (Fastify + @fastify/http-proxy, no auth)', path: '/ratings/1' },
  { id: 'tg-open', title: 'tokengate, unprotected route', path: '/open/ratings/1' },
  { id: 'tg-warm', title: 'tokengate, protected route, cached token', path: '/ratings/1' },
]

function options(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      requests: { type: 'string', default: '4000' },
      warmup: { type: 'string', default: '20000' },
      repeats: { type: 'string', default: '3' },
      connections: { type: 'string', default: '8' },
      frames: { type: 'string', default: '25' },
      simulate: { type: 'boolean', default: false },
      pages: { type: 'boolean', default: false },
      history: { type: 'boolean', default: false },
      'history-requests': { type: 'string', default: '5000' },
      out: { type: 'string', default: join(BENCH_DIR, 'results') },
      help: { type: 'boolean', default: false },
    },
  })
  const count = (name) => {
    const n = Number(values[name])
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a whole number ≥ 1, got ${values[name]}`)
    return n
  }
  if (values.simulate && values.pages) throw new Error('--simulate and --pages are two models of one simulator: choose one')
  return {
    help: values.help,
    requests: count('requests'), warmup: count('warmup'), repeats: count('repeats'),
    connections: count('connections'), frames: count('frames'), out: values.out,
    model: values.simulate ? 'lines' : values.pages ? 'pages' : null,
    history: values.history, historyRequests: count('history-requests'),
  }
}

const ok = (tally, n) => tally.errors === 0 && tally.statuses[200] === n

/** Counts `opts.requests` requests to `path` on a target already under callgrind and warmed up. */
async function countRequests({ tools, pid, client, outFile, path, headers, opts, frames = opts.frames }) {
  await instrument(tools, pid, true)
  const counted = await client.send({ path, headers, count: opts.requests })
  await instrument(tools, pid, false)
  const file = await dump(tools, pid, outFile)
  if (!ok(counted, opts.requests)) throw new Error(`${path}: expected only 200s, got ${JSON.stringify(counted)}`)
  const perfMapFile = `/tmp/perf-${pid}.map`
  const profile = await profileOf(tools, file, perfMapFile)
  // The dumps are removed; the perf map stays while the process runs (the history mode counts again).
  removeDumps(outFile, null)
  const per = (n) => n / opts.requests
  const serving = Object.fromEntries(Object.entries(profile.events).map(([name, n]) => [name, per(n - profile.backgroundCompile[name])]))
  return {
    irPerRequest: per(profile.events.Ir),
    backgroundCompilePerRequest: per(profile.backgroundCompile.Ir),
    servingPerRequest: serving.Ir,
    ...(opts.model === null ? {} : { model: { ...serving, ...derivedEvents(opts.model, serving) } }),
    frames: profile.frames.slice(0, frames).map((f) => ({
      name: f.name, irPerRequest: per(f.ir),
      ...(opts.model === 'pages' ? { walksPerRequest: per(pageWalks(f.costs)) } : {}),
    })),
    // The page model's own ranking: the frames that miss the first-level TLBs most.
    ...(opts.model === 'pages'
      ? {
          tlbFrames: profile.frames
            .map((f) => ({ name: f.name, tlbMissesPerRequest: per(tlbMisses(f.costs)), walksPerRequest: per(pageWalks(f.costs)) }))
            .sort((a, b) => b.tlbMissesPerRequest - a.tlbMissesPerRequest)
            .slice(0, frames),
        }
      : {}),
  }
}

/** `node <args>` under callgrind, counting nothing until `instrument(pid, true)`. */
function startCounted({ tools, name, outFile, dir, opts, args }) {
  const { LOG_LEVEL: _level, TOKENGATE_CONFIG: _config, ...env } = process.env
  const [cmd, ...prefix] = callgrindPrefix(tools, outFile, { model: opts.model })
  return startProcess({
    name, cmd, args: [...prefix, process.execPath, ...args],
    // cwd: the temp dir, where --perf-basic-prof's isolate-*.log files go (and are removed with it).
    lifetimeS: 3600, env: { ...env, NODE_ENV: 'production' }, cwd: dir,
  })
}

/** Starts one target under callgrind (counting off), warms it up, counts `requests`, stops it. */
async function countOne({ tools, kase, dir, ports, opts, flags }) {
  const outFile = join(dir, `callgrind.${kase.id}.out`)
  const nodeArgs = [...flags, '--perf-basic-prof']
  const script = kase.id === 'passthrough'
    ? [join(BENCH_DIR, 'passthrough.js'), '--port', String(ports.target), '--upstream', `http://127.0.0.1:${ports.upstream}`]
    : [TOKENGATE_CLI, '--config', join(dir, 'tokengate.yaml')]
  const handle = startCounted({ tools, name: kase.id, outFile, dir, opts, args: [...nodeArgs, ...script] })
  const origin = `http://127.0.0.1:${ports.target}`
  const client = fixedLoadClient({ origin, connections: opts.connections })
  try {
    await waitUntil(handle, () => answers(`${origin}${kase.path}`), READY_TIMEOUT_MS, 'HTTP answer')
    const headers = { authorization: `Bearer ${TOKEN}` }
    const warm = await client.send({ path: kase.path, headers, count: opts.warmup })
    if (!ok(warm, opts.warmup)) throw new Error(`${kase.id}: expected only 200s, got ${JSON.stringify(warm)}`)
    return await countRequests({ tools, pid: handle.commandPid(), client, outFile, path: kase.path, headers, opts })
  } finally {
    // The pid is read before the stop: node's perf map is named after it.
    const pid = handle.commandPid()
    client.close()
    await stopProcess(handle)
    removeDumps(outFile, `/tmp/perf-${pid}.map`)
  }
}

/**
 * callgrind's own cycle estimate (its manual, and KCachegrind's "CEst"): an instruction is a cycle,
 * an L1 miss or a mispredicted branch 10 more, a last-level miss 100 more. A model, not this CPU.
 */
function estimatedCycles(e) {
  const l1 = e.I1mr + e.D1mr + e.D1mw
  const ll = e.ILmr + e.DLmr + e.DLmw
  return e.Ir + 10 * (l1 + e.Bcm + e.Bim) + 100 * ll
}

/** In the page model (bench/lib/callgrind.js) a first-level miss is a first-level TLB miss, a last-level one a page walk. */
const tlbMisses = (e) => e.I1mr + e.D1mr + e.D1mw
const pageWalks = (e) => e.ILmr + e.DLmr + e.DLmw

function derivedEvents(model, e) {
  return model === 'lines' ? { estimatedCycles: estimatedCycles(e) } : { tlbMisses: tlbMisses(e), pageWalks: pageWalks(e) }
}

const MODEL_EVENTS = {
  lines: ['I1mr', 'D1mr', 'D1mw', 'ILmr', 'DLmr', 'DLmw', 'Bcm', 'Bim', 'estimatedCycles'],
  pages: ['I1mr', 'D1mr', 'D1mw', 'ILmr', 'DLmr', 'DLmw', 'tlbMisses', 'pageWalks'],
}
const MODEL_LEGEND = {
  lines: 'callgrind\'s models, per request (medians; I1/D1 = first-level misses, LL = last-level, Bc/Bi = mispredicted conditional/indirect branches; estimated cycles = Ir + 10 × (L1 misses + mispredictions) + 100 × LL misses):',
  pages: 'callgrind\'s page model, per request (medians; 4 KiB lines: I1/D1 = first-level instruction/data TLB misses, IL/DL = page walks, from the shared second-level TLB; tlbMisses = I1mr + D1mr + D1mw, pageWalks = ILmr + DLmr + DLmw):',
}
// A modelled run keeps its own files: it is slower and rarer than the plain count.
const MODEL_SUFFIX = { none: '', lines: '-simulated', pages: '-pages' }
// The column the ratio to the passthrough is taken of, per model.
const MODEL_TOTAL = { lines: 'estimatedCycles', pages: 'pageWalks' }

function summarise(runs, model) {
  const byCase = Object.fromEntries(CASES.map((c) => [c.id, runs.filter((r) => r.caseId === c.id)]))
  const base = median(byCase.passthrough.map((r) => r.servingPerRequest))
  return CASES.map((c) => {
    const own = byCase[c.id]
    const serving = median(own.map((r) => r.servingPerRequest))
    // The frames of the run whose count is the median one (or the nearest to it).
    const typical = own.reduce((best, r) => (Math.abs(r.servingPerRequest - serving) < Math.abs(best.servingPerRequest - serving) ? r : best))
    return {
      caseId: c.id, title: c.title, path: c.path,
      servingPerRequest: serving,
      servingRange: [Math.min(...own.map((r) => r.servingPerRequest)), Math.max(...own.map((r) => r.servingPerRequest))],
      irPerRequest: median(own.map((r) => r.irPerRequest)),
      backgroundCompilePerRequest: median(own.map((r) => r.backgroundCompilePerRequest)),
      ratioToPassthrough: serving / base,
      ...(model === null ? {} : { model: Object.fromEntries(MODEL_EVENTS[model].map((e) => [e, median(own.map((r) => r.model[e]))])) }),
      frames: typical.frames,
      ...(typical.tlbFrames === undefined ? {} : { tlbFrames: typical.tlbFrames }),
    }
  })
}

const k = (n) => `${(n / 1000).toFixed(1)}k`

function markdown(result) {
  const lines = [
    `Instructions per request (callgrind; ${result.settings.requests} counted after ${result.settings.warmup} warm-up requests, ${result.settings.connections} connections, median of ${result.settings.repeats} interleaved runs; ${result.finishedAt})`,
    '',
    '| target | path | instructions / request | range | × passthrough | all threads | of which TurboFan (background) |',
    '|---|---|---:|---:|---:|---:|---:|',
  ]
  for (const s of result.summary) {
    lines.push(`| ${s.title} | \`${s.path}\` | ${k(s.servingPerRequest)} | ${k(s.servingRange[0])}–${k(s.servingRange[1])} | ${s.ratioToPassthrough.toFixed(3)} | ${k(s.irPerRequest)} | ${k(s.backgroundCompilePerRequest)} |`)
  }
  const model = result.settings.model
  if (model !== null) {
    const base = result.summary[0].model
    const events = MODEL_EVENTS[model]
    const total = MODEL_TOTAL[model]
    lines.push('', MODEL_LEGEND[model], '')
    lines.push(`| target | ${events.join(' | ')} | ${total} × passthrough |`, `|---|${events.map(() => '---:').join('|')}|---:|`)
    for (const s of result.summary) lines.push(`| ${s.title} | ${events.map((e) => Math.round(s.model[e]).toLocaleString('en-US')).join(' | ')} | ${(s.model[total] / base[total]).toFixed(3)} |`)
  }
  lines.push('', '"instructions / request" leaves out TurboFan\'s background compilation, whose progress after the warm-up depends on wall-clock time (valgrind runs ~50× slower); "all threads" includes it.')
  for (const s of result.summary) {
    lines.push('', `Top frames, ${s.title} (self instructions per request):`, '', '| instructions | frame |', '|---:|---|')
    for (const f of s.frames) lines.push(`| ${Math.round(f.irPerRequest)} | \`${f.name.replaceAll('|', '\\|')}\` |`)
  }
  for (const s of result.summary) {
    if (s.tlbFrames === undefined) continue
    lines.push('', `Top frames by first-level TLB misses, ${s.title} (per request):`, '', '| TLB misses | page walks | frame |', '|---:|---:|---|')
    for (const f of s.tlbFrames) lines.push(`| ${Math.round(f.tlbMissesPerRequest)} | ${f.walksPerRequest.toFixed(1)} | \`${f.name.replaceAll('|', '\\|')}\` |`)
  }
  return `${lines.join('\n')}\n`
}

const HISTORY_ROUTES = [
  { id: 'tg-open', title: 'unprotected route', path: '/open/ratings/1', headers: {} },
  { id: 'tg-warm', title: 'protected route, cached token', path: '/ratings/1', headers: { authorization: `Bearer ${TOKEN}` } },
]
// Enough frames that one which grew from nothing is still listed after the other traffic.
const HISTORY_FRAMES = 400
// Uncounted requests on a route just before it is counted: the JIT re-settles after other traffic.
const RESETTLE_REQUESTS = 3000

/**
 * The suite's other kinds of traffic, as `{ kind, path, headersOf, expect }`: `expect(status)` is
 * what each answer must be. Tokens are shaped like the suite's (the stub accepts "valid-…").
 */
function otherTraffic(jwtToken) {
  const tail = TOKEN.slice('valid-'.length)
  return [
    { kind: 'no token', path: '/ratings/1', headersOf: () => ({}), expect: (s) => s === 401 || s === 403 },
    { kind: 'distinct invalid tokens', path: '/ratings/1', headersOf: (i) => ({ authorization: `Bearer invalid-${i}-${tail}` }), expect: (s) => s === 401 || s === 403 },
    { kind: 'distinct valid tokens', path: '/ratings/1', headersOf: (i) => ({ authorization: `Bearer valid-history-${i}-${tail}` }), expect: (s) => s === 200 },
    { kind: 'one valid JWT (verified result cached)', path: '/jwt/ratings/1', headersOf: () => ({ authorization: `Bearer ${jwtToken}` }), expect: (s) => s === 200 },
    { kind: 'one valid JWT (verified every request)', path: '/jwt-nocache/ratings/1', headersOf: () => ({ authorization: `Bearer ${jwtToken}` }), expect: (s) => s === 200 },
  ]
}

/**
 * One tokengate under callgrind: both routes warmed up and counted, then `historyRequests` of each
 * kind of other traffic (not counted), then both routes counted again in the same process.
 */
async function countHistory({ tools, dir, ports, opts, flags, jwtToken }) {
  const outFile = join(dir, 'callgrind.history.out')
  const handle = startCounted({ tools, name: 'tg-history', outFile, dir, opts, args: [...flags, '--perf-basic-prof', TOKENGATE_CLI, '--config', join(dir, 'tokengate.yaml')] })
  const origin = `http://127.0.0.1:${ports.target}`
  const client = fixedLoadClient({ origin, connections: opts.connections })
  const serve = async (route, count) => {
    const tally = await client.send({ path: route.path, headers: route.headers, count })
    if (!ok(tally, count)) throw new Error(`${route.id}: expected only 200s, got ${JSON.stringify(tally)}`)
  }
  const countRoutes = async () => {
    const counts = {}
    for (const route of HISTORY_ROUTES) {
      await serve(route, RESETTLE_REQUESTS)
      counts[route.id] = await countRequests({ tools, pid: handle.commandPid(), client, outFile, path: route.path, headers: route.headers, opts, frames: HISTORY_FRAMES })
    }
    return counts
  }
  try {
    await waitUntil(handle, () => answers(`${origin}/open/ratings/1`), READY_TIMEOUT_MS, 'HTTP answer')
    // Both routes warmed up before either is counted: "before" is a gateway that has served both.
    for (const route of HISTORY_ROUTES) await serve(route, opts.warmup)
    const before = await countRoutes()
    const traffic = []
    for (const other of otherTraffic(jwtToken)) {
      // Connections of its own, as each of the suite's load runs opens: a connection's first
      // answer is part of what the traffic leaves behind (src/server/socket-shape.ts).
      const own = fixedLoadClient({ origin, connections: opts.connections })
      const tally = await own.sendEach({ path: other.path, headersOf: other.headersOf, count: opts.historyRequests }).finally(() => own.close())
      const unexpected = Object.entries(tally.statuses).filter(([status]) => !other.expect(Number(status)))
      if (tally.errors > 0 || unexpected.length > 0) throw new Error(`${other.kind}: unexpected answers ${JSON.stringify(tally)}`)
      traffic.push({ kind: other.kind, path: other.path, requests: opts.historyRequests, statuses: tally.statuses })
    }
    const after = await countRoutes()
    return { before, after, traffic }
  } finally {
    // The pid is read before the stop: node's perf map is named after it.
    const pid = handle.commandPid()
    client.close()
    await stopProcess(handle)
    removeDumps(outFile, `/tmp/perf-${pid}.map`)
  }
}

function summariseHistory(runs, top, model) {
  return HISTORY_ROUTES.map((route) => {
    const before = median(runs.map((r) => r.before[route.id].servingPerRequest))
    const after = median(runs.map((r) => r.after[route.id].servingPerRequest))
    // The frames of the run whose growth is the median one (or the nearest to it).
    const growth = (r) => r.after[route.id].servingPerRequest - r.before[route.id].servingPerRequest
    const typical = runs.reduce((best, r) => (Math.abs(growth(r) - (after - before)) < Math.abs(growth(best) - (after - before)) ? r : best))
    return {
      routeId: route.id, title: route.title, path: route.path, before, after, ratio: after / before,
      perRun: runs.map((r) => ({ before: r.before[route.id].servingPerRequest, after: r.after[route.id].servingPerRequest })),
      grown: framesGrown(typical.before[route.id].frames, typical.after[route.id].frames, top),
      ...(model === null ? {} : {
        model: Object.fromEntries(['before', 'after'].map((when) => [when, Object.fromEntries(MODEL_EVENTS[model].map((e) => [e, median(runs.map((r) => r[when][route.id].model[e]))]))])),
      }),
      // Where the page walks grew: the same ranking, by walks per request instead of instructions.
      ...(model === 'pages' ? { walksGrown: framesGrown(...['before', 'after'].map((when) => walksOf(typical[when][route.id].frames)), top) } : {}),
    }
  })
}

const walksOf = (frames) => frames.map((f) => ({ name: f.name, irPerRequest: f.walksPerRequest }))

const withoutFrames = (counts) => Object.fromEntries(Object.entries(counts).map(([id, { frames: _frames, tlbFrames: _tlbFrames, ...count }]) => [id, count]))

function historyMarkdown(result) {
  const lines = [
    `Instructions per request before and after other traffic (callgrind; one gateway per run, ${result.settings.requests} requests counted per route before and after, ${result.settings.historyRequests} of each other kind in between, median of ${result.settings.repeats} run(s); ${result.finishedAt})`,
    '',
    'Other traffic, in this order: ' + result.runs[0].traffic.map((x) => `${x.kind} (\`${x.path}\`)`).join(', ') + '.',
    '',
    '| route | path | before | after | after × before | per run |',
    '|---|---|---:|---:|---:|---|',
  ]
  for (const s of result.summary) {
    lines.push(`| ${s.title} | \`${s.path}\` | ${k(s.before)} | ${k(s.after)} | ${s.ratio.toFixed(3)} | ${s.perRun.map((r) => `${k(r.before)} → ${k(r.after)}`).join(', ')} |`)
  }
  const model = result.settings.model
  if (model !== null) {
    const events = MODEL_EVENTS[model]
    lines.push('', MODEL_LEGEND[model], '', `| route | when | ${events.join(' | ')} |`, `|---|---|${events.map(() => '---:').join('|')}|`)
    for (const s of result.summary) {
      for (const when of ['before', 'after']) lines.push(`| ${s.title} | ${when} | ${events.map((e) => Math.round(s.model[when][e]).toLocaleString('en-US')).join(' | ')} |`)
    }
  }
  // Page walks per request are fractions; instructions are whole.
  const frameTable = (title, frames, digits) => {
    lines.push('', title, '', '| before | after | growth | frame |', '|---:|---:|---:|---|')
    for (const f of frames) lines.push(`| ${f.before.toFixed(digits)} | ${f.after.toFixed(digits)} | +${f.growth.toFixed(digits)} | \`${f.name.replaceAll('|', '\\|')}\` |`)
  }
  for (const s of result.summary) frameTable(`Frames that grew most, ${s.title} (self instructions per request):`, s.grown, 0)
  for (const s of result.summary) if (s.walksGrown !== undefined) frameTable(`Frames whose page walks grew most, ${s.title} (page walks per request):`, s.walksGrown, 1)
  return `${lines.join('\n')}\n`
}

async function main() {
  const opts = options(process.argv.slice(2))
  if (opts.help) {
    console.log(USAGE)
    return
  }
  const tools = callgrindTools()
  if (tools === null) throw new Error('valgrind (with callgrind_control and callgrind_annotate) is not installed: apt-get install -y valgrind')
  installCleanup((m) => console.error(m))
  const dir = mkdtempSync(join(os.tmpdir(), 'tokengate-instructions-'))
  onExit(() => rmSync(dir, { recursive: true, force: true }))
  const startedAt = new Date().toISOString()
  const [upstreamPort, stubPort, targetPort] = await freePorts(3)
  const upstream = await startUpstream({ port: upstreamPort, cpu: null, lifetimeS: 7200 })
  const stub = await startStub({ port: stubPort, cpu: null, lifetimeS: 7200, delayMs: 2 })
  const flags = await tokengateV8Flags()
  const ports = { upstream: upstreamPort, target: targetPort }
  if (opts.history) {
    // The cache holds every token of the history, as the suite's gateway's does.
    const { jwksJson, token: jwtToken } = await jwtMaterial()
    writeFileSync(join(dir, 'tokengate.yaml'), tokengateYaml({ port: targetPort, upstreamPort, stubPort, cacheMaxEntries: opts.historyRequests + 1000, jwt: { jwksJson, issuer: JWT_ISSUER, audience: JWT_AUDIENCE } }))
    const runs = []
    for (let repeat = 1; repeat <= opts.repeats; repeat += 1) {
      const run = await countHistory({ tools, dir, ports, opts, flags, jwtToken })
      runs.push({ repeat, ...run })
      console.error(`history run ${repeat}: ${HISTORY_ROUTES.map((r) => `${r.id} ${k(run.before[r.id].servingPerRequest)} → ${k(run.after[r.id].servingPerRequest)}`).join(', ')} instructions/request`)
    }
    const result = {
      startedAt, finishedAt: new Date().toISOString(),
      settings: { requests: opts.requests, warmup: opts.warmup, repeats: opts.repeats, connections: opts.connections, model: opts.model, historyRequests: opts.historyRequests },
      environment: { node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown' },
      summary: summariseHistory(runs, opts.frames, opts.model),
      // Each count without its frame list (the summary keeps the frames that grew).
      runs: runs.map(({ before, after, ...run }) => ({ ...run, before: withoutFrames(before), after: withoutFrames(after) })),
    }
    mkdirSync(opts.out, { recursive: true })
    const base = `instructions-history${MODEL_SUFFIX[opts.model ?? 'none']}`
    writeFileSync(join(opts.out, `${base}.json`), `${JSON.stringify(result, null, 2)}\n`)
    const md = historyMarkdown(result)
    writeFileSync(join(opts.out, `${base}.md`), md)
    console.log(md)
    await Promise.all([stopProcess(upstream.handle), stopProcess(stub.handle)])
    return
  }
  writeFileSync(join(dir, 'tokengate.yaml'), tokengateYaml({ port: targetPort, upstreamPort, stubPort, cacheMaxEntries: 1000 }))
  const runs = []
  for (let repeat = 1; repeat <= opts.repeats; repeat += 1) {
    for (const kase of CASES) {
      const started = Date.now()
      const counted = await countOne({ tools, kase, dir, ports, opts, flags })
      runs.push({ caseId: kase.id, repeat, ...counted })
      console.error(`${kase.id.padEnd(12)} repeat ${repeat}: ${k(counted.servingPerRequest)} instructions/request (+${k(counted.backgroundCompilePerRequest)} TurboFan) in ${Math.round((Date.now() - started) / 1000)} s`)
    }
  }
  const introspectionCalls = await stub.calls()
  const result = {
    startedAt, finishedAt: new Date().toISOString(),
    settings: { requests: opts.requests, warmup: opts.warmup, repeats: opts.repeats, connections: opts.connections, model: opts.model },
    environment: { node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown' },
    // One token, cached during the first warm-up of each tokengate: a handful of calls in all.
    introspectionCalls,
    summary: summarise(runs, opts.model),
    runs,
  }
  mkdirSync(opts.out, { recursive: true })
  const base = `instructions${MODEL_SUFFIX[opts.model ?? 'none']}`
  writeFileSync(join(opts.out, `${base}.json`), `${JSON.stringify(result, null, 2)}\n`)
  const md = markdown(result)
  writeFileSync(join(opts.out, `${base}.md`), md)
  console.log(md)
  await Promise.all([stopProcess(upstream.handle), stopProcess(stub.handle)])
}

main().then(
  () => stopAll().then(() => process.exit(0)),
  (err) => {
    console.error(err instanceof Error ? err.message : err)
    stopAll().finally(() => process.exit(1))
  },
)

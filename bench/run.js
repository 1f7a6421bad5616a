// tokengate's side-by-side benchmark (issue 6). `npm run bench` builds, then runs this file.
// All processes on 127.0.0.1, on free ports, pinned and time-bounded (see lib/procs.js and
// lib/system.js); targets interleaved round by round so drift hits every target alike.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { URL, fileURLToPath } from 'node:url'
import os from 'node:os'
import process from 'node:process'
import console from 'node:console'
import { parseOptions } from './lib/options.js'
import { allowedCpus, cpuLayout, cpuTicks, findExecutable, freePorts, machineSummary, versionOf } from './lib/system.js'
import { installCleanup, isShuttingDown, onExit, stopAll } from './lib/procs.js'
import { startNginx, startPassthrough, startStub, startTokengate, startUpstream } from './lib/targets.js'
import { runLoad } from './lib/load.js'
import { tokenLike, writeTokenFile } from './lib/tokens.js'
import { checkTargets, markdown, summarise, summariseShared } from './lib/report.js'
import { JWT_AUDIENCE, JWT_ISSUER, jwtMaterial } from './lib/jwt.js'
import { httpRequest } from './lib/http.js'
import { measureMemory } from './memory.js'
import { setTimeout as sleep } from 'node:timers/promises'

const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url))
const ROTATION_SMALL = 1000
const RUN_OVERHEAD_S = 5

const fixed = (token) => ({ kind: 'fixed', token })

function buildCases({ tokens, warmToken, jwtToken, files }) {
  const n = tokens.toLocaleString('en-US')
  return [
    { id: 'direct', target: 'upstream', scenario: 'direct, no proxy', path: '/ratings/1', mode: () => fixed(warmToken) },
    { id: 'passthrough', target: 'passthrough', scenario: 'Fastify + http-proxy, no auth', path: '/ratings/1', mode: () => fixed(warmToken) },
    { id: 'nginx', target: 'nginx', scenario: 'plain reverse proxy', path: '/ratings/1', mode: () => fixed(warmToken) },
    // The issue's two ratio targets run as `--pairs` A B pairs next to passthrough runs of their
    // own (measureRounds): each ratio then compares runs seconds apart, not minutes.
    { id: 'tg-open', target: 'tokengate', scenario: 'unprotected route', path: '/open/ratings/1', pairedBaseline: 'passthrough', mode: () => fixed(warmToken) },
    { id: 'tg-warm', target: 'tokengate', scenario: 'one valid token (warm cache)', path: '/ratings/1', pairedBaseline: 'passthrough', mode: () => fixed(warmToken) },
    { id: 'tg-rot1k', target: 'tokengate', scenario: '1,000 valid tokens in rotation', path: '/ratings/1', mode: () => ({ kind: 'rotate', file: files.small }) },
    // A fresh token set per round, so every round's first pass is cold.
    { id: 'tg-rot-cold', target: 'tokengate', scenario: `${n} valid tokens, first pass (cold)`, path: '/ratings/1', cold: true, mode: (round) => ({ kind: 'rotate', file: files.large(round) }) },
    // Next to one-token runs of the same gateway, so both sides share the cold pass's aftermath
    // and the machine's moment: the ratio is then what 50,000 cached tokens cost against one.
    { id: 'tg-rot-warm', target: 'tokengate', scenario: `${n} valid tokens, second pass (warm)`, path: '/ratings/1', pairedBaseline: 'tg-warm', mode: (round) => ({ kind: 'rotate', file: files.large(round) }) },
    { id: 'tg-invalid', target: 'tokengate', scenario: 'distinct invalid tokens', path: '/ratings/1', mode: (round) => ({ kind: 'unique', prefix: `invalid-r${round}-` }) },
    { id: 'tg-none', target: 'tokengate', scenario: 'no token', path: '/ratings/1', mode: () => fixed(null) },
    // Issue 8: one valid JWT access token, verified locally (no introspection call).
    { id: 'tg-jwt', target: 'tokengate', scenario: 'one valid JWT, local JWKS (verified result cached)', path: '/jwt/ratings/1', jwt: true, mode: () => fixed(jwtToken) },
    { id: 'tg-jwt-nocache', target: 'tokengate', scenario: 'one valid JWT, cacheTimeout 0 (verified every request)', path: '/jwt-nocache/ratings/1', jwt: true, mode: () => fixed(jwtToken) },
  ]
}

function selectCases(cases, only) {
  if (only === null) return cases
  const wanted = new Set([...only, 'passthrough'])
  if (wanted.has('tg-rot-warm')) wanted.add('tg-rot-cold').add('tg-warm')
  if (wanted.has('tg-rot-cold')) wanted.add('tg-rot-warm')
  return cases.filter((c) => wanted.has(c.id))
}

/**
 * Requests still in flight when the load generator stops finish later and may call the stub;
 * wait until its counter holds still, so those calls are not booked to the next run.
 */
async function settledCalls(stub) {
  let last = await stub.calls()
  for (let i = 0; i < 30; i += 1) {
    await sleep(100)
    const now = await stub.calls()
    if (now === last && i >= 2) return now
    last = now
  }
  return last
}

/**
 * How busy the target's CPU was, and how much of that was not the target: other processes on
 * the machine make a run incomparable, and the report says so.
 */
function cpuProbe(cpu, target) {
  const none = { targetCpuPct: null, irqCpuPct: null, foreignCpuPct: null }
  if (cpu === null) return () => none
  const cpu0 = cpuTicks(cpu)
  const own0 = target.cpuTicks()
  return () => {
    const cpu1 = cpuTicks(cpu)
    if (cpu0 === null || cpu1 === null || cpu1.total === cpu0.total) return none
    const total = cpu1.total - cpu0.total
    const own = target.cpuTicks() - own0
    const pct = (x) => Number(Math.max(0, (100 * x) / total).toFixed(1))
    const irq = cpu1.irq - cpu0.irq
    return { targetCpuPct: pct(own), irqCpuPct: pct(irq), foreignCpuPct: pct(cpu1.busy - cpu0.busy - irq - own) }
  }
}

/** Share of a run's wall time the target spent in garbage collection (%), from its own metrics. */
function gcShare(before, after, durationS) {
  if (before?.gcSeconds == null || after?.gcSeconds == null || !(durationS > 0)) return null
  return Number(((100 * (after.gcSeconds - before.gcSeconds)) / durationS).toFixed(1))
}

const fmt = (x, d = 0) => x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d })
const describe = (r) => `${fmt(r.rps)} req/s  p50 ${fmt(r.p50Ms, 2)} ms  p99 ${fmt(r.p99Ms, 2)} ms  non-2xx ${fmt(r.non2xx)}  ` +
  `introspection ${fmt(r.introspectionCalls)}` +
  `${r.foreignCpuPct === null ? '' : `  cpu: target ${r.targetCpuPct}% irq ${r.irqCpuPct}% others ${r.foreignCpuPct}%`}` +
  `${r.gcPct == null ? '' : `  gc ${r.gcPct}%`}${r.socketErrors + r.timeouts > 0 ? `  socket errors ${r.socketErrors + r.timeouts}` : ''}`

/** Upstream and stub first (the targets need them), then every target that can start. */
async function startTargets({ opts, layout, dir, nginxPath, lifetimeS, notes, jwt }) {
  const [upstreamPort, stubPort, passthroughPort, nginxPort, tokengatePort, adminPort, controlPort, freshPort, freshAdminPort] = await freePorts(9)
  const upstream = await startUpstream({ port: upstreamPort, cpu: layout.aux, lifetimeS })
  const stub = await startStub({ port: stubPort, cpu: layout.aux, lifetimeS, delayMs: opts.stubDelayMs })
  const targets = { upstream, passthrough: await startPassthrough({ port: passthroughPort, upstreamPort, cpu: layout.target, lifetimeS }) }
  // The shared-core runs' control: a second, identical passthrough.
  if (opts.sharedRuns > 0) targets['passthrough-2'] = await startPassthrough({ port: controlPort, upstreamPort, cpu: layout.target, lifetimeS })
  const skipReasons = {}
  if (nginxPath !== null) targets.nginx = await startNginx({ nginxPath, dir, port: nginxPort, upstreamPort, cpu: layout.target, lifetimeS })
  else skipReasons.nginx = opts.nginx ? 'nginx not installed' : '--no-nginx'
  // Room for every token the run sends: rounds × the large rotation, the small one, and the
  // distinct invalid tokens (whose inactive answers are cached too).
  const cacheMaxEntries = Math.max(200_000, opts.rounds * opts.tokens * 2 + ROTATION_SMALL)
  try {
    targets.tokengate = await startTokengate({ dir, port: tokengatePort, upstreamPort, stubPort, cacheMaxEntries, cpu: layout.target, lifetimeS, adminPort, jwt })
  } catch (error) {
    skipReasons.tokengate = 'gateway did not start'
    notes.push(`tokengate skipped: ${String(error.message).split('\n').slice(0, 6).join(' | ')}`)
    console.error(`bench: tokengate skipped:\n${error.message}`)
  }
  // The shared-core runs' second reading of tokengate: the same build and config, serving
  // nothing until then, so the table shows what the suite's other scenarios leave behind. It
  // starts after the first one succeeded (same config); if it fails, only its rows are missing.
  if (opts.sharedRuns > 0 && targets.tokengate !== undefined) {
    try {
      targets['tokengate-fresh'] = await startTokengate({ dir, port: freshPort, upstreamPort, stubPort, cacheMaxEntries, cpu: layout.target, lifetimeS, adminPort: freshAdminPort, jwt, file: 'tokengate-fresh.yaml', name: 'tokengate-fresh' })
    } catch (error) {
      notes.push(`the second, fresh tokengate did not start; the shared-core table lacks its rows: ${String(error.message).split('\n')[0]}`)
    }
  }
  return { stub, targets, skipReasons }
}

/**
 * Every case once per round, in order (A B C … A B C …), so drift hits every target alike; a
 * case with a `pairedBaseline` (a case id) instead runs `pairs` times per round, each next to a
 * run of that baseline.
 */
async function measureRounds({ cases, targets, stub, common, rounds, pairs, durationS, settleS, tokens, coldCapS, targetCpu }) {
  const runs = []
  const plan = []
  for (const c of cases) {
    const baseline = cases.find((b) => b.id === c.pairedBaseline)
    if (baseline === undefined) plan.push(c)
    // A B, B A, A B …: adjacent runs, so machine drift hits both alike, and the order flips every
    // pair, so neither side is always the one that runs second.
    else {
      for (let pair = 1; pair <= pairs; pair += 1) {
        const ab = [{ ...baseline, pairedWith: c.id, pair }, { ...c, pair }]
        plan.push(...(pair % 2 === 1 ? ab : ab.reverse()))
      }
    }
  }
  for (let round = 1; round <= rounds; round += 1) {
    for (const c of plan) {
      const target = targets[c.target]
      if (target === undefined || c.skipReason !== undefined) continue
      const mode = c.mode(round)
      // A target that sat idle while the others ran has had its heap shrunk by V8 and answers
      // its first second slowly: the same requests, unmeasured, bring it back to steady state.
      // Only for repeated requests: a settle run would consume a rotation's or a cold pass's tokens.
      if (settleS > 0 && mode.kind === 'fixed') await runLoad({ ...common, origin: target.origin, path: c.path, mode, durationS: settleS })
      const callsBefore = await stub.calls()
      const gcBefore = await target.metrics?.()
      const probe = cpuProbe(c.target === 'upstream' ? null : targetCpu, target)
      const result = await runLoad({
        ...common,
        origin: target.origin,
        path: c.path,
        mode,
        durationS: c.cold ? coldCapS : durationS,
        // The first pass ends when every token has been introspected once.
        stopWhen: c.cold ? async () => (await stub.calls()) - callsBefore >= tokens : undefined,
      })
      const cpu = probe()
      const introspectionCalls = (await settledCalls(stub)) - callsBefore
      const gcPct = gcShare(gcBefore, await target.metrics?.(), result.durationS)
      const rpsPerCpuS = cpu.targetCpuPct > 0 ? result.rps / (cpu.targetCpuPct / 100) : null
      const run = { caseId: c.id, ...(c.pairedWith === undefined ? {} : { pairedWith: c.pairedWith }), round, ...(c.pair === undefined ? {} : { pair: c.pair }), ...result, ...cpu, rpsPerCpuS, introspectionCalls, gcPct, rssBytes: target.rssBytes() }
      if (c.cold) run.passComplete = introspectionCalls >= tokens
      runs.push(run)
      const label = `${c.pairedWith === undefined ? c.id : `${c.id} (for ${c.pairedWith})`}${c.pair === undefined ? '' : ` #${c.pair}`}`
      console.error(`[round ${round}] ${label.padEnd(12)} ${describe(run)}`)
    }
  }
  return runs
}

/**
 * The unprotected and warm cases once more, each loaded at the same moment as the passthrough,
 * both processes on the one target core. The scheduler gives each half of the core, so each
 * side's requests/s is what half a core buys it, and whatever speeds up or slows down the
 * machine during a run (the passthrough ranges 3.6k–5.6k req/s within one suite run here, more
 * than the differences measured) hits both sides in the same instant and divides out of the
 * ratio. The control, a second identical passthrough against the first, shows the method's own
 * error. p99 is not compared here: it mostly measures the other process's time slices.
 */
async function measureSharedCore({ cases, targets, common, runs, durationS, settleS }) {
  const baseline = targets.passthrough
  const plan = [
    { id: 'passthrough-2', scenario: 'control: a second passthrough', target: targets['passthrough-2'], path: '/ratings/1', mode: fixed(common.warmToken) },
    ...cases.filter((c) => c.pairedBaseline === 'passthrough' && c.skipReason === undefined && targets[c.target] !== undefined)
      .map((c) => ({ id: c.id, scenario: c.scenario, target: targets[c.target], path: c.path, mode: c.mode(1) })),
    ...cases.filter((c) => c.pairedBaseline === 'passthrough' && c.skipReason === undefined && c.target === 'tokengate' && targets['tokengate-fresh'] !== undefined)
      .map((c) => ({ id: `${c.id}-fresh`, scenario: `${c.scenario}, a gateway that served nothing else`, target: targets['tokengate-fresh'], path: c.path, mode: c.mode(1), fresh: true })),
  ].filter((p) => p.target !== undefined)
  const { warmToken, ...load } = common
  const both = (side, seconds) => Promise.all([
    runLoad({ ...load, origin: baseline.origin, path: '/ratings/1', mode: fixed(warmToken), durationS: seconds }),
    runLoad({ ...load, origin: side.target.origin, path: side.path, mode: side.mode, durationS: seconds }),
  ])
  // The control has idled since its warm-up while the passthrough served every round: it gets
  // the passthrough's JIT state back before it is compared with it.
  const control = plan.find((p) => p.id === 'passthrough-2')
  if (control !== undefined) await runLoad({ ...load, origin: control.target.origin, path: control.path, mode: control.mode, durationS: Math.max(10, durationS) })
  // The fresh gateway gets the same warm-up on each of its routes (which also caches the token)
  // and nothing else: the suite's gateway has served every scenario by now.
  for (const p of plan.filter((x) => x.fresh)) await runLoad({ ...load, origin: p.target.origin, path: p.path, mode: p.mode, durationS: Math.max(10, durationS) })
  const results = []
  for (let run = 1; run <= runs; run += 1) {
    for (const p of plan) {
      if (settleS > 0) await both(p, settleS)
      const [base, own] = await both(p, durationS)
      const ratio = base.rps > 0 ? own.rps / base.rps : null
      results.push({ caseId: p.id, scenario: p.scenario, run, rps: own.rps, baselineRps: base.rps, ratio, p99Ms: own.p99Ms, baselineP99Ms: base.p99Ms, non2xx: own.non2xx + base.non2xx, socketErrors: own.socketErrors + own.timeouts + base.socketErrors + base.timeouts })
      console.error(`[shared core ${run}] ${p.id.padEnd(13)} ${fmt(own.rps)} req/s against the passthrough's ${fmt(base.rps)}: ${ratio === null ? 'n/a' : ratio.toFixed(3)}×`)
    }
  }
  return results
}

/**
 * The JWT cases are measured only if their route lets the token through: a 401 or 500 under load
 * would measure the deny path instead.
 */
async function checkJwtCases({ cases, tokengate, jwtToken, notes }) {
  for (const c of cases.filter((x) => x.jwt && x.skipReason === undefined)) {
    const res = await httpRequest(`${tokengate.origin}${c.path}`, { headers: { authorization: `Bearer ${jwtToken}` } })
      .catch((error) => ({ status: 0, body: String(error.message) }))
    if (res.status === 200) continue
    c.skipReason = `answered ${res.status || 'nothing'} to a valid JWT`
    notes.push(`${c.id} skipped: ${c.path} answered ${res.status || 'nothing'} to a valid JWT (${res.body.slice(0, 160).replace(/\s+/g, ' ')}).`)
  }
}

function quietnessNote(runs) {
  const foreign = runs.map((r) => r.foreignCpuPct).filter((x) => x !== null).sort((a, b) => a - b)
  if (foreign.length === 0) return null
  const worst = foreign.at(-1)
  return `Other processes used up to ${worst}% of the target's CPU during a run (median ${foreign[Math.floor(foreign.length / 2)]}%)` +
    (worst > 5 ? ': the machine was not quiet, so treat these numbers as noisy and rerun on an idle machine.' : '.')
}

async function main() {
  const opts = parseOptions(process.argv.slice(2))
  if (opts.help) return console.log(opts.help)
  installCleanup((m) => console.error(m))
  const startedAt = new Date().toISOString()
  const loadAverageAtStart = Number(os.loadavg()[0].toFixed(2))
  const notes = []

  const wrkPath = findExecutable('wrk')
  const nginxPath = opts.nginx ? findExecutable('nginx') : null
  const taskset = findExecutable('taskset')
  const loadgenKind = opts.loadgen ?? (wrkPath !== null ? 'wrk' : 'autocannon')
  if (loadgenKind === 'wrk' && wrkPath === null) throw new Error('--loadgen wrk: wrk is not installed (apt-get install wrk)')
  if (wrkPath === null) notes.push('wrk is not installed: load from autocannon, which competes for the CPU it shares with the upstream (apt-get install wrk).')
  const loadgen = { kind: loadgenKind, path: wrkPath }
  const layout = cpuLayout(allowedCpus(taskset), opts.pin)
  if (nginxPath === null) notes.push(opts.nginx ? 'nginx is not installed: the native reference is skipped (apt-get install nginx).' : 'nginx left out (--no-nginx).')

  const dir = mkdtempSync(join(os.tmpdir(), 'tokengate-bench-'))
  onExit(() => rmSync(dir, { recursive: true, force: true }))
  const coldCapS = Math.max(30, Math.ceil(opts.tokens / 500))
  const lifetimeS = 120 + 6 * (opts.warmupS + RUN_OVERHEAD_S) + opts.rounds * ((14 + 6 * opts.pairs) * (opts.durationS + opts.settleS + 2 * RUN_OVERHEAD_S) + coldCapS) +
    5 * opts.sharedRuns * (opts.durationS + opts.settleS + 2 * RUN_OVERHEAD_S)
  const warmToken = tokenLike('warm')
  const { jwksJson, token: jwtToken } = await jwtMaterial()
  const jwt = { jwksJson, issuer: JWT_ISSUER, audience: JWT_AUDIENCE }
  const files = {
    small: writeTokenFile(dir, 'tokens-1k.txt', ROTATION_SMALL),
    large: (round) => join(dir, `tokens-large-r${round}.txt`),
  }
  for (let round = 1; round <= opts.rounds; round += 1) writeTokenFile(dir, `tokens-large-r${round}.txt`, opts.tokens)

  console.error(`bench: ${loadgenKind}, ${layout.note}; ${opts.rounds} rounds × ${opts.durationS} s, ${opts.connections} connections; temp ${dir}`)
  const { stub, targets, skipReasons } = await startTargets({ opts, layout, dir, nginxPath, lifetimeS, notes, jwt })
  const cases = selectCases(buildCases({ tokens: opts.tokens, warmToken, jwtToken, files }), opts.only)
  for (const c of cases) if (targets[c.target] === undefined) c.skipReason = skipReasons[c.target] ?? 'target missing'
  if (targets.tokengate !== undefined) await checkJwtCases({ cases, tokengate: targets.tokengate, jwtToken, notes })
  const common = { loadgen, connections: opts.connections, threads: opts.threads, cpu: layout.aux }
  for (const [name, target] of Object.entries(targets)) {
    if (name === 'tokengate-fresh') continue
    // On tokengate this also caches the warm token.
    await runLoad({ ...common, origin: target.origin, path: '/ratings/1', durationS: opts.warmupS, mode: fixed(warmToken) })
    console.error(`bench: warmed up ${name}`)
  }
  // The JWT route's code paths (jose, its cache) get the same JIT warm-up as the others.
  const jwtWarm = cases.find((c) => c.id === 'tg-jwt-nocache' && c.skipReason === undefined) ?? cases.find((c) => c.jwt && c.skipReason === undefined)
  if (jwtWarm !== undefined) {
    await runLoad({ ...common, origin: targets.tokengate.origin, path: jwtWarm.path, durationS: opts.warmupS, mode: fixed(jwtToken) })
    console.error('bench: warmed up tokengate JWT route')
  }
  const runs = await measureRounds({ cases, targets, stub, common, rounds: opts.rounds, pairs: opts.pairs, durationS: opts.durationS, settleS: opts.settleS, tokens: opts.tokens, coldCapS, targetCpu: layout.target })
  const sharedRuns = opts.sharedRuns > 0
    ? await measureSharedCore({ cases, targets, common: { ...common, warmToken }, runs: opts.sharedRuns, durationS: opts.durationS, settleS: opts.settleS })
    : []
  await stopAll()

  let memory = null
  if (opts.memory && targets.tokengate !== undefined) {
    console.error(`bench: memory — caching ${fmt(opts.memoryTokens)} tokens`)
    memory = await measureMemory({ dir, layout, loadgen, tokens: opts.memoryTokens, threads: opts.threads, log: (m) => console.error(m) })
  } else if (opts.memory) {
    notes.push('memory measurement skipped: tokengate did not start.')
  }

  const quiet = quietnessNote(runs)
  if (quiet !== null) notes.push(quiet)
  const summary = summarise(cases, runs)
  const sharedCore = summariseShared(sharedRuns)
  const result = {
    startedAt,
    finishedAt: new Date().toISOString(),
    settings: { durationS: opts.durationS, rounds: opts.rounds, pairs: opts.pairs, sharedRuns: opts.sharedRuns, settleS: opts.settleS, connections: opts.connections, threads: opts.threads, warmupS: opts.warmupS, tokens: opts.tokens, stubDelayMs: opts.stubDelayMs, coldCapS, quick: opts.quick },
    environment: {
      machine: machineSummary(),
      loadgen: loadgenKind === 'wrk' ? versionOf(wrkPath, ['-v']).split(' Copyright')[0] : 'autocannon',
      nginx: nginxPath === null ? null : versionOf(nginxPath, ['-v']).replace('nginx version: ', ''),
      layout: layout.note,
      loadAverageAtStart,
    },
    summary,
    sharedCore,
    targets: checkTargets(summary, runs, { tokens: opts.tokens, memory, sharedCore }),
    memory,
    notes,
    runs,
    sharedRuns,
  }
  const out = opts.out ?? RESULTS_DIR
  mkdirSync(out, { recursive: true })
  const table = markdown(result)
  writeFileSync(join(out, 'latest.json'), `${JSON.stringify(result, null, 2)}\n`)
  writeFileSync(join(out, 'latest.md'), table)
  rmSync(dir, { recursive: true, force: true })
  console.log(table)
  console.error(`bench: wrote ${join(out, 'latest.json')} and latest.md`)
}

main().catch(async (error) => {
  if (isShuttingDown()) return
  console.error(error)
  await stopAll()
  process.exit(1)
})

// Counting instructions instead of seconds: a target runs under valgrind's callgrind with
// instrumentation off, is warmed up, then counts exactly the instructions of a fixed number of
// requests (all of its threads). On a shared or virtualised machine requests/s move by ±20 %
// between identical runs; instruction counts repeat within ~1 %.
import { execFile } from 'node:child_process'
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { promisify } from 'node:util'
import { basename, dirname, join } from 'node:path'
import { findExecutable } from './system.js'

const run = promisify(execFile)

/** The valgrind tools this measurement needs, or null with what is missing. */
export function callgrindTools() {
  const valgrind = findExecutable('valgrind')
  const control = findExecutable('callgrind_control')
  const annotate = findExecutable('callgrind_annotate')
  if (valgrind === null || control === null || annotate === null) return null
  return { valgrind, control, annotate }
}

/**
 * callgrind's cache simulator, run as one of two models (`model` in callgrindPrefix):
 * - `lines`: caches and branch predictors. The cache sizes are fixed, not read from CPUID: a VM can
 *   report a last level that no CPU has (256 MiB, direct-mapped, seen here), which turns the
 *   model's LL misses into noise.
 * - `pages`: the same simulator with 4 KiB lines, so that it models address translation: a
 *   first-level "miss" is a page not in the first-level TLB, a last-level miss is a page walk.
 *   The sizes are those of Intel's Sunny/Cypress Cove core (the CPU this project's machines
 *   report): a 64-entry 4-way data TLB, a 128-entry 8-way instruction TLB, a shared 2 048-entry
 *   16-way second level. Page walks cost cycles that neither an instruction count nor the line
 *   model sees, and this VM exposes no hardware counter that would count them.
 */
export const MODELS = {
  lines: ['--cache-sim=yes', '--branch-sim=yes', '--I1=32768,8,64', '--D1=32768,8,64', '--LL=33554432,16,64'],
  pages: ['--cache-sim=yes', '--I1=524288,8,4096', '--D1=262144,4,4096', '--LL=8388608,16,4096'],
}

/**
 * The command prefix that starts `node …` under callgrind, counting nothing until `instrument(pid,
 * true)`. --perf-basic-prof (added to node's flags by the caller) names the JIT code. `model`:
 * null (instructions only, the fastest), 'lines' or 'pages' (see MODELS).
 */
export function callgrindPrefix(tools, outFile, { model = null } = {}) {
  const models = model === null ? [] : MODELS[model]
  return [tools.valgrind, '--tool=callgrind', '--instr-atstart=no', ...models, `--callgrind-out-file=${outFile}`]
}

export async function instrument(tools, pid, on) {
  await run(tools.control, ['-i', on ? 'on' : 'off', String(pid)], { timeout: 60_000 })
}

/** Writes the counts so far to `<outFile>.<n>`; returns that file's path once it exists. */
export async function dump(tools, pid, outFile) {
  const before = new Set(dumpsOf(outFile))
  await run(tools.control, ['-d', String(pid)], { timeout: 60_000 })
  for (let i = 0; i < 100; i += 1) {
    const added = dumpsOf(outFile).find((f) => !before.has(f) && totalsOf(f) !== null)
    if (added !== undefined) return added
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`callgrind wrote no dump for pid ${pid}`)
}

function dumpsOf(outFile) {
  const dir = dirname(outFile)
  const prefix = `${basename(outFile)}.`
  return readdirSync(dir).filter((f) => f.startsWith(prefix)).map((f) => join(dir, f))
}

/** The `totals:` line of a dump as `{ Ir, … }` (instructions, plus the models' events), or null. */
export function totalsOf(file) {
  const text = readFileSync(file, 'utf8')
  const events = /^events: (.+)$/m.exec(text)?.[1].trim().split(/\s+/)
  const totals = /^totals: (.+)$/m.exec(text)?.[1].trim().split(/\s+/).map(Number)
  if (events === undefined || totals === undefined) return null
  return Object.fromEntries(events.map((name, i) => [name, totals[i] ?? 0]))
}

/**
 * TurboFan compiles on a worker thread, and how far that has got after a warm-up depends on
 * wall-clock time, which valgrind stretches ~50×; its work is reported apart from the requests'.
 */
const BACKGROUND_COMPILE = 'v8::internal::OptimizingCompileDispatcher::CompileTask::RunInternal()'

const COMPILER_FRAME = /v8::internal::(compiler|turboshaft|maglev)::/

/**
 * A dump read through callgrind_annotate: `{ events, backgroundCompile, frames }`. `events` are
 * the totals (`Ir`, and the model's events when one ran); `backgroundCompile` the same events
 * under TurboFan's worker task; `frames` each function's self cost, `{ name, ir, costs }` with
 * `costs` every event by name, JIT code named from node's perf map (`/tmp/perf-<pid>.map`) when
 * there is one.
 */
export async function profileOf(tools, file, perfMapFile) {
  const annotate = async (...args) => (await run(tools.annotate, [...args, '--threshold=100', file], { maxBuffer: 256 << 20 })).stdout
  const events = totalsOf(file) ?? { Ir: 0 }
  const names = Object.keys(events)
  const jit = perfMapFile !== null && existsSync(perfMapFile) ? perfMap(perfMapFile) : null
  const frames = new Map()
  for (const { costs, name } of costLines(await annotate('--inclusive=no', `--show=${names.join(',')}`))) {
    const key = nameOf(name, jit)
    const sum = frames.get(key) ?? names.map(() => 0)
    frames.set(key, sum.map((n, i) => n + (costs[i] ?? 0)))
  }
  const compile = costLines(await annotate('--inclusive=yes')).find((l) => l.name.includes(BACKGROUND_COMPILE))
  return {
    events,
    backgroundCompile: Object.fromEntries(names.map((name, i) => [name, compile?.costs[i] ?? 0])),
    // The compiler's own frames are left out of the list: their sum is in `backgroundCompile`.
    frames: [...frames]
      .filter(([name]) => !COMPILER_FRAME.test(name))
      .map(([name, sums]) => ({ name, ir: sums[0], costs: Object.fromEntries(names.map((event, i) => [event, sums[i]])) }))
      .sort((a, b) => b.ir - a.ir),
  }
}

/**
 * callgrind_annotate's rows: per event `1,234 (0.5%)`, or `.` or a bare `0` for none (both appear
 * once more than one event is shown), then the function.
 */
export function costLines(text) {
  const lines = []
  for (const line of text.split('\n')) {
    const row = /^\s*((?:(?:[\d,]+ \(\s*[\d.]+%\)|0|\.)\s+)+)(\S.*)$/.exec(line)
    if (row === null || row[2].includes('PROGRAM TOTALS')) continue
    const costs = [...row[1].matchAll(/([\d,]+) \(\s*[\d.]+%\)|0|\./g)].map((m) => (m[1] === undefined ? 0 : Number(m[1].replaceAll(',', ''))))
    lines.push({ costs, name: row[2] })
  }
  return lines
}

/** `???:Builtins_LoadIC [/usr/bin/node]` → `Builtins_LoadIC`; a JIT address → its JS function. */
function nameOf(name, jit) {
  const address = /^\?\?\?:0x([0-9a-f]+) \[\?\?\?\]$/.exec(name)
  if (address !== null) {
    // `*handle file:///…/dist/server/gateway-app.js:89:20` → `*handle dist/server/gateway-app.js:89:20`
    return jit?.(Number.parseInt(address[1], 16))?.replace(/(?:file:\/\/)?\/\S*?\/(node_modules|dist)\//, '$1/') ?? 'JIT code (unnamed)'
  }
  return name.replace(/ \[[^\]]*\]$/, '').replace(/^\?\?\?:/, '').replace(/^.*\/(?=[^/]*:)/, '')
}

function perfMap(file) {
  const entries = []
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [start, size, ...name] = line.split(' ')
    if (name.length === 0) continue
    entries.push({ start: Number.parseInt(start, 16), end: Number.parseInt(start, 16) + Number.parseInt(size, 16), name: name.join(' ').replace(/^JS:/, '') })
  }
  entries.sort((a, b) => a.start - b.start)
  return (addr) => {
    let lo = 0
    let hi = entries.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      if (entries[mid].start <= addr) lo = mid + 1
      else hi = mid - 1
    }
    const entry = entries[hi]
    return entry !== undefined && addr < entry.end ? entry.name : undefined
  }
}

export function removeDumps(outFile, perfMapFile) {
  for (const f of [outFile, ...dumpsOf(outFile), ...(perfMapFile === null ? [] : [perfMapFile])]) rmSync(f, { force: true })
}

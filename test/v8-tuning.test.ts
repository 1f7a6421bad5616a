// The V8 flags tokengate sets at startup must take effect when set from inside a running
// process, and the ones V8 reads only at startup must be on every launcher's command line
// (src/v8-tuning.ts). V8 reports its pretenuring decisions with
// --trace-pretenuring-statistics: a process that allocates long-lived literals reports them,
// the same process after tuneV8()'s flags reports none.
import t from 'tap'
import { spawn, spawnSync } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { fileURLToPath } from 'node:url'
import { V8_COMMAND_LINE_FLAGS, V8_FLAGS, V8_STARTUP_FLAGS, keepTickObjectShape, missingStartupFlags } from '../src/v8-tuning.js'

// One allocation site whose objects survive several scavenges: V8's pretenuring candidate.
const ALLOCATE = `
const flags = JSON.parse(process.argv[1])
for (const flag of flags) require('node:v8').setFlagsFromString(flag)
const ring = new Array(200000).fill(null)
function make(i) { return { i, next: null } }
for (let k = 0; k < 1e6; k++) ring[k % ring.length] = make(k)
`

function pretenuringLines(flags: readonly string[]): number {
  const run = spawnSync(process.execPath, ['--trace-pretenuring-statistics', '-e', ALLOCATE, JSON.stringify(flags)], { encoding: 'utf8', timeout: 60_000 })
  if (run.status !== 0) throw new Error(`the allocating process failed: ${run.stderr}`)
  return run.stdout.split('\n').filter((line) => line.includes('pretenuring:')).length
}

t.test('without the flags V8 weighs pretenuring the site; with them it never does', async (t) => {
  t.ok(pretenuringLines([]) > 0, 'the control process reports pretenuring decisions')
  t.equal(pretenuringLines(V8_FLAGS), 0)
})

// Eight callees of 207 bytecode bytes each: the default cumulative budget (920) lets TurboFan
// inline four of them into the caller; the tuned budget, set from inside the process as the CLI
// sets it, all eight. --trace-turbo-inlining prints one "Inlining" line per function inlined.
const CALLEES = Array.from({ length: 8 }, (_, i) =>
  `function f${i}(x) { ${Array.from({ length: 12 }, (_, j) => `x = (x * ${j + 3} + ${i + j}) ^ (x >>> ${(j % 7) + 1})`).join('; ')}; return x }`)
const INLINE = `${CALLEES.join('\n')}
function caller(x) { return ${CALLEES.map((_, i) => `f${i}(x)`).join(' + ')} }
for (const flag of JSON.parse(process.argv[1])) require('node:v8').setFlagsFromString(flag);
%PrepareFunctionForOptimization(caller);
for (let i = 0; i < 100; i++) caller(i);
%OptimizeFunctionOnNextCall(caller);
caller(1);
`

function inlinedCallees(flags: readonly string[]): number {
  // The trace goes to a file: V8 prints it with C stdio, and into a pipe that the parent does not
  // drain fast enough some of it was lost (outputs cut off mid-line on a loaded machine). Every
  // compile on the main thread, and none of the test runner's environment (its loaders would run
  // code in the child too).
  const dir = mkdtempSync(join(tmpdir(), 'tokengate-inlining-'))
  const traceFile = join(dir, 'trace.txt')
  const out = openSync(traceFile, 'w')
  try {
    const run = spawnSync(process.execPath, ['--allow-natives-syntax', '--no-concurrent-recompilation', '--trace-turbo-inlining', '-e', INLINE, JSON.stringify(flags)], {
      stdio: ['ignore', out, 'pipe'],
      encoding: 'utf8',
      timeout: 60_000,
      env: { PATH: process.env.PATH ?? '' },
    })
    if (run.status !== 0) throw new Error(`the inlining process failed: ${run.stderr}`)
    return readFileSync(traceFile, 'utf8').split('\n').filter((line) => /^Inlining .*SharedFunctionInfo f\d>.* into .*SharedFunctionInfo caller>/.test(line)).length
  } finally {
    closeSync(out)
    rmSync(dir, { recursive: true, force: true })
  }
}

t.test("TurboFan's inlining budget: the default stops half-way through the callees, the tuned one inlines them all", async (t) => {
  const control = inlinedCallees([])
  t.ok(control > 0 && control < 8, `the control process inlined ${control} of 8 callees`)
  t.equal(inlinedCallees(V8_FLAGS), 8)
})

/** A child node's whole stdout, run with `nodeFlags`, `script` and `args`; rejects unless it exits 0. */
function childStdout(nodeFlags: readonly string[], script: string, args: readonly string[] = []): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeFlags, '-e', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk))
    child.once('error', reject)
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}`))))
  })
}

// After each full GC V8 sets the old generation's next limit, and --trace-gc-verbose prints it
// with the growing factor: "[HeapController] Limit: old size: N KB, new limit: M KB (F)". V8
// otherwise picks F from its GC and mutator speeds (the first GC, with no speed measured yet,
// gets the largest factor it allows); with the tuned flags set from inside, every limit is 3x.
const KEEP_AND_CHURN = `
for (const flag of JSON.parse(process.argv[1])) require('node:v8').setFlagsFromString(flag)
const keep = []
for (let i = 0; i < 300000; i++) keep.push({ i, s: 'k' + i })
let garbage = []
for (let i = 0; i < 2000000; i++) { garbage.push({ i }); if (garbage.length > 100000) garbage = [] }
require('node:v8').setFlagsFromString('--expose-gc')
require('node:vm').runInNewContext('gc')()
`

async function heapGrowingFactors(flags: readonly string[]): Promise<number[]> {
  const out = await childStdout(['--trace-gc-verbose'], KEEP_AND_CHURN, [JSON.stringify(flags)])
  return [...out.matchAll(/\[HeapController\] Limit: old size: \d+ KB, new limit: \d+ KB \(([\d.]+)\)/g)].map((m) => Number(m[1]))
}

t.test("the old generation's growing factor: V8's own choice by default, 3x with the flags", async (t) => {
  const [control, tuned] = await Promise.all([heapGrowingFactors([]), heapGrowingFactors(V8_FLAGS)])
  t.ok(control.length > 0 && control.some((f) => f !== 3), `the control process chose ${control.join(', ')}`)
  t.ok(tuned.length > 0, `the tuned process ran ${tuned.length} full GCs`)
  t.ok(tuned.every((f) => f === 3), `every limit 3x: ${tuned.join(', ')}`)
})

// The memory reducer's full GCs run a few seconds after a process goes idle, and --trace-gc
// marks them "(reduce)". V8 reads --no-memory-reducer only when it builds the heap, so the test
// passes it on the command line, as the launchers do.
const GO_IDLE = `
let garbage = []
for (let i = 0; i < 300000; i++) { garbage.push({ i, s: 'x' + i }); if (garbage.length > 50000) garbage = [] }
garbage = null
setTimeout(() => {}, 12000)
`

/** How many lines of a child node's stdout contain `marker`, run with `nodeFlags` and `script`. */
async function countLines(nodeFlags: readonly string[], script: string, marker: string): Promise<number> {
  return (await childStdout(nodeFlags, script)).split('\n').filter((l) => l.includes(marker)).length
}

const reducerGcs = (nodeFlags: readonly string[]): Promise<number> => countLines([...nodeFlags, '--trace-gc'], GO_IDLE, '(reduce)')

t.test('an idle process runs the memory reducer, one started with the startup flags does not', async (t) => {
  const [control, tuned] = await Promise.all([reducerGcs([]), reducerGcs(V8_STARTUP_FLAGS)])
  t.ok(control > 0, `the control process ran ${control} memory-reducer GCs`)
  t.equal(tuned, 0)
})

// Enough old-generation objects for a full GC to start marking; V8 logs each concurrent marking
// task with --trace-concurrent-marking, and a process with --single-threaded-gc starts none.
const FILL_OLD_GENERATION = `
const keep = []
for (let i = 0; i < 400000; i++) keep.push({ i, s: 'x' + i })
let garbage = []
for (let i = 0; i < 2000000; i++) { garbage.push({ i }); if (garbage.length > 100000) garbage = [] }
`

const concurrentMarkingTasks = (nodeFlags: readonly string[]): Promise<number> =>
  countLines([...nodeFlags, '--trace-concurrent-marking'], FILL_OLD_GENERATION, 'concurrent marking task')

t.test('a process marks its heap on background threads, one started with the startup flags does not', async (t) => {
  const [control, tuned] = await Promise.all([concurrentMarkingTasks([]), concurrentMarkingTasks(V8_STARTUP_FLAGS)])
  t.ok(control > 0, `the control process started ${control} concurrent marking tasks`)
  t.equal(tuned, 0)
})

t.test('every launcher passes the startup flags to node', async (t) => {
  const root = fileURLToPath(new URL('..', import.meta.url))
  const read = (path: string): string => readFileSync(join(root, path), 'utf8')
  const start = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts.start ?? ''
  const launchers: Record<string, string> = {
    'the bin (src/cli.ts shebang)': read('src/cli.ts').split('\n')[0] ?? '',
    'npm start': start,
    'the Dockerfile ENTRYPOINT': read('Dockerfile').split('\n').find((l) => l.startsWith('ENTRYPOINT')) ?? '',
    'npm run demo (examples/demo/run.ts)': read('examples/demo/run.ts').split('\n').find((l) => l.startsWith('const GATEWAY_NODE_FLAGS')) ?? '',
  }
  for (const [name, line] of Object.entries(launchers)) {
    for (const flag of V8_STARTUP_FLAGS) t.ok(line.includes(flag), `${name} passes ${flag}: ${line}`)
  }
})

t.test('missingStartupFlags names what the process was started without', async (t) => {
  t.same(missingStartupFlags([]), [...V8_STARTUP_FLAGS])
  t.same(missingStartupFlags(['--inspect', ...V8_STARTUP_FLAGS]), [])
  t.same(V8_COMMAND_LINE_FLAGS, [...V8_FLAGS, ...V8_STARTUP_FLAGS])
})

t.test('keepTickObjectShape holds one of nextTick\'s own tick objects, and only one', async (t) => {
  const kept = keepTickObjectShape()
  t.ok(kept !== undefined, 'a tick object was captured')
  const names = Object.getOwnPropertySymbols(kept).map((s) => s.description)
  // Node 20 names them async_id_symbol and trigger_async_id_symbol.
  t.equal(names.length, 2, 'it has the two symbols nextTick sets')
  t.match(names[0], /async.?id/i)
  t.match(names[1], /trigger/i)
  t.same(Object.keys(kept as object), ['callback', 'args'])
  t.equal(keepTickObjectShape(), kept, 'a second call keeps the same object')
})

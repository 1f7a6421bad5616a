// Command-line options of bench/run.js and bench/memory.js.
import { parseArgs } from 'node:util'

const USAGE = `node bench/run.js [options]
  --duration S        seconds per measured run (default 10; --quick: 2)
  --rounds N          rounds of interleaved runs, at least 2 (default 3)
  --pairs N           per round, how many times the unprotected and warm cases run, each next to
                      a passthrough run of its own, order flipping every pair (default 3; --quick: 1)
  --shared-runs N     runs of the unprotected and warm cases loaded at the same moment as the
                      passthrough on one shared core, and of the control (a second passthrough)
                      (default 4; --quick: 1; 0: none)
  --connections N     concurrent connections (default 50)
  --threads N         wrk threads (default 1: the load generator shares one CPU)
  --warmup S          seconds of warm-up per target before round 1 (default 3; --quick: 1)
  --settle S          unmeasured seconds of the same load right before each repeated-request run,
                      so no target is measured straight out of idling (default 2; 0: none)
  --tokens N          distinct tokens of the large rotation (default 50000; --quick: 10000)
  --memory-tokens N   tokens cached by the memory measurement (default 100000; --quick: 20000)
  --no-memory         skip the memory measurement (bench/memory.js)
  --loadgen NAME      wrk | autocannon (default: wrk when installed)
  --only IDS          comma-separated case ids (passthrough always runs: it is the baseline)
  --no-pin            do not pin processes to CPUs
  --no-nginx          leave nginx out (as when it is not installed)
  --stub-delay-ms N   introspection latency (default 2)
  --out DIR           where latest.json / latest.md go (default bench/results)
  --quick             smoke run: 2 s runs, 1 s warm-up, smaller rotation and memory fill
`

export function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string' },
      rounds: { type: 'string', default: '3' },
      pairs: { type: 'string' },
      'shared-runs': { type: 'string' },
      connections: { type: 'string', default: '50' },
      threads: { type: 'string', default: '1' },
      warmup: { type: 'string' },
      settle: { type: 'string', default: '2' },
      tokens: { type: 'string' },
      'memory-tokens': { type: 'string' },
      memory: { type: 'boolean', default: true },
      'no-memory': { type: 'boolean', default: false },
      loadgen: { type: 'string' },
      only: { type: 'string' },
      pin: { type: 'boolean', default: true },
      'no-pin': { type: 'boolean', default: false },
      'no-nginx': { type: 'boolean', default: false },
      'stub-delay-ms': { type: 'string', default: '2' },
      out: { type: 'string' },
      quick: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  })
  if (values.help) return { help: USAGE }
  const positive = (name, text, min = 1) => {
    const n = Number(text)
    if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number ≥ ${min}, got ${text}`)
    return n
  }
  const quick = values.quick
  const options = {
    quick,
    durationS: positive('duration', values.duration ?? (quick ? '2' : '10')),
    rounds: Math.floor(positive('rounds', values.rounds, 2)),
    pairs: Math.floor(positive('pairs', values.pairs ?? (quick ? '1' : '3'))),
    sharedRuns: Math.floor(positive('shared-runs', values['shared-runs'] ?? (quick ? '1' : '4'), 0)),
    connections: Math.floor(positive('connections', values.connections)),
    threads: Math.floor(positive('threads', values.threads)),
    warmupS: positive('warmup', values.warmup ?? (quick ? '1' : '3')),
    settleS: positive('settle', values.settle, 0),
    tokens: Math.floor(positive('tokens', values.tokens ?? (quick ? '10000' : '50000'), 10)),
    memoryTokens: Math.floor(positive('memory-tokens', values['memory-tokens'] ?? (quick ? '20000' : '100000'), 100)),
    memory: values.memory && !values['no-memory'],
    loadgen: values.loadgen ?? null,
    only: values.only === undefined ? null : new Set(values.only.split(',').map((s) => s.trim())),
    pin: values.pin && !values['no-pin'],
    nginx: !values['no-nginx'],
    stubDelayMs: positive('stub-delay-ms', values['stub-delay-ms'], 0),
    out: values.out ?? null,
  }
  if (options.loadgen !== null && !['wrk', 'autocannon'].includes(options.loadgen)) throw new Error('--loadgen is wrk or autocannon')
  if (options.threads > options.connections) throw new Error('--threads cannot exceed --connections')
  return options
}

// V8 settings the gateway runs with. Some V8 reads at every GC and the CLI sets them on itself
// (every cluster worker runs the same CLI); others V8 reads only when it builds the heap, so they
// must be on node's command line: the launchers carry them (the `tokengate` bin's shebang,
// `npm start`, the Dockerfile, the demo), and cluster workers inherit the primary's.
import { createHook } from 'node:async_hooks'
import { nextTick } from 'node:process'
import { setFlagsFromString } from 'node:v8'

/**
 * Allocation-site pretenuring off. V8 moves an allocation site's objects straight to the old
 * generation once most of them survive a scavenge. Under proxy load it can pick a per-request
 * site (issue 6: 2 of ~390 sites per scavenge, ratio 1.0): those objects then die in the old
 * generation, holding young ones alive through the remembered set, so every scavenge copies ~3 MB
 * instead of ~0.1 MB and takes ~7 ms instead of ~1 ms. The decision feeds itself and lasts for the
 * process's life: about one gateway process in three spent 16-20 % of its time in GC and served
 * ~0.65x the passthrough. Without pretenuring, 12 of 12 runs stayed at ~2 % GC.
 * The flag is read at each GC, so setting it at startup takes effect (test/v8-tuning.test.ts).
 *
 * A larger inlining budget for TurboFan: 2 760 bytecode bytes inlined into one optimised function
 * instead of V8's 920. A proxied request runs through many small functions of Fastify,
 * reply-from, undici and Node's streams, and the default budget runs out part of the way down
 * them: with three times the budget, tokengate served 4-8 % more requests per second on
 * both routes (issue 6, one core shared with the same build without it; the passthrough gained
 * 4-5 %). The inliner reads the flag whenever it optimises a function, so setting it at startup,
 * before anything is optimised, takes effect (test/v8-tuning.test.ts).
 *
 * The old generation may grow to 3x what the last full GC kept before the next one starts
 * (`--heap-growing-percent=200`; V8 otherwise picks a factor from its GC and mutator speeds, ~1.4
 * under proxy load). With --single-threaded-gc below, each full GC marks on the request thread:
 * with the cache's answers in the heap (45 MB kept) issue 6 measured one every ~6 s under load,
 * each ~37 ms of incremental steps and a 12-16 ms final pause within ~110 ms, which slows every
 * in-flight request and set the warm route's p99 (1.25x the passthrough's after mixed traffic).
 * With this flag on both processes: 1.08x, and requests/s 0.985x against 0.958x (10 pairs); the
 * first two suite runs with it read 1.18x and 1.05x (1.19x the run before). The cost is
 * memory: the heap runs up to 3x its live size, ~+70 MB of RSS at that cache. V8 computes the
 * limit at each full GC, so setting it at startup takes effect (test/v8-tuning.test.ts).
 */
export const V8_FLAGS = ['--no-allocation-site-pretenuring', '--max-inlined-bytecode-size-cumulative=2760', '--heap-growing-percent=200'] as const

/**
 * The memory reducer off. When a process goes idle (after startup, or on a quiet night) it runs
 * full GCs to shrink the heap, and those clear map transitions no live object uses. Node's
 * nextTick builds its tick object with a `{ [symbol]: … }` literal; once that literal's
 * transitions have been cleared and rebuilt, its feedback is no longer monomorphic, and every
 * function that inlines nextTick (the stream internals, about 15 calls per proxied request) is
 * re-optimised to call V8's runtime for it. Issue 6 measured that state, for the process's life,
 * in most gateway processes that sat idle ~15 s before their first load (a fresh gateway's first
 * memory-reducer GCs came 16 s after start): ~5 % of CPU in Runtime_DefineKeyedOwnPropertyInLiteral
 * and its helpers, 0.85-0.90x the throughput of the same build without it; with this flag, 4 of 4
 * such processes were free of it. It is not the only trigger: other full GCs can clear the same
 * transitions, and in one of two suite runs the gateway was in that state from its first round.
 * The cost: an idle gateway keeps its heap at its last size until the next allocation-driven GC.
 * V8 reads it only when it creates the heap, so it is a command-line flag.
 *
 * Garbage collection on the request thread only (`--single-threaded-gc`). By default V8 marks the
 * old generation concurrently on Node's four platform threads. A gateway process gets one core
 * (it is scaled by processes: `--workers`, one per core, or one-CPU containers), so those threads
 * do not run beside the event loop but instead of it, each taking scheduler slices from it while
 * marking lasts. With 100 000 cached answers (an old generation of ~40 MB) issue 6 measured
 * event-loop stalls of 59-155 ms around each major GC, and a warm-route p99 of 23-125 ms
 * (median 3.3x the passthrough's) against 24-44 ms (0.89x) for the same build with this flag, and
 * 1.065x the requests/s; with an empty cache it changed little (1.05x requests/s, p99 0.95x).
 * The cost: on a host with idle cores the marking work that could have run there runs on the
 * request thread, in incremental steps and a longer final pause.
 * Set with the heap's threads, so it is a command-line flag too.
 */
export const V8_STARTUP_FLAGS = ['--no-memory-reducer', '--single-threaded-gc'] as const

/** Everything a launcher should pass to node before the CLI's path. */
export const V8_COMMAND_LINE_FLAGS: readonly string[] = [...V8_FLAGS, ...V8_STARTUP_FLAGS]

export function tuneV8(): void {
  for (const flag of V8_FLAGS) setFlagsFromString(flag)
  keepTickObjectShape()
}

/**
 * One of Node's own tick objects, held for the process's life. A live object keeps its map, and
 * so the literal's transitions, from being cleared by a full GC: the memory reducer is only one
 * of the GCs that can do it (issue 6 found the nextTick state in one of two suite runs with the
 * reducer off). With one tick object kept, 12 of 12 gateway processes (4 of them this CLI, 8 with
 * the same code preloaded) stayed out of that state with the memory reducer on, against 2 of 4
 * in it without, in the same test (`perf`, bench/README.md). The object is taken through an
 * async hook that is on for a single nextTick call at startup.
 */
let keptTickObject: object | undefined

export function keepTickObjectShape(): object | undefined {
  if (keptTickObject !== undefined) return keptTickObject
  const hook = createHook({
    init(_id, type, _trigger, resource) {
      if (type === 'TickObject' && keptTickObject === undefined) keptTickObject = resource as object
    },
  }).enable()
  try {
    nextTick(() => {})
  } finally {
    hook.disable()
  }
  return keptTickObject
}

/** The startup flags this process was not started with (pure, for the CLI's startup hint). */
export function missingStartupFlags(execArgv: readonly string[]): string[] {
  return V8_STARTUP_FLAGS.filter((flag) => !execArgv.includes(flag))
}

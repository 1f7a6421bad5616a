// V8 settings the gateway runs with, applied by the CLI before it serves (and by every cluster
// worker, which runs the same CLI).
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
 */
export const V8_FLAGS = ['--no-allocation-site-pretenuring'] as const

export function tuneV8(): void {
  for (const flag of V8_FLAGS) setFlagsFromString(flag)
}

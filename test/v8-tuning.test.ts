// The V8 flags tokengate sets at startup must take effect when set from inside a running
// process (src/v8-tuning.ts). V8 reports its pretenuring decisions with
// --trace-pretenuring-statistics: a process that allocates long-lived literals reports them,
// the same process after tuneV8()'s flags reports none.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { V8_FLAGS } from '../src/v8-tuning.js'

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

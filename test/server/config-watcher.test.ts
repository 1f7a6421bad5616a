import t, { type TAP } from 'tap'
import { mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { isRelevantChange, watchConfigFile } from '../../src/server/config-watcher.js'

const DEBOUNCE_MS = 60
/** Long enough that a second, wrongly undebounced call would have arrived. */
const QUIET_MS = DEBOUNCE_MS * 5
/** Upper bound for an expected call; generous for slow CI file systems. */
const EXPECT_MS = 5_000

/** Counts callbacks; `next()` resolves at the next one, `quiet(ms)` at ms if no call came. */
function recorder() {
  let count = 0
  let waiters: Array<() => void> = []
  const onChange = (): void => {
    count++
    const w = waiters
    waiters = []
    for (const resolve of w) resolve()
  }
  const next = (ms = EXPECT_MS): Promise<boolean> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms)
      waiters.push(() => {
        clearTimeout(timer)
        resolve(true)
      })
    })
  return { onChange, next, quiet: async (ms = QUIET_MS) => !(await next(ms)), count: () => count }
}

function setup(t: Pick<TAP, 'testdir' | 'teardown'>) {
  const dir = t.testdir({ 'gateway.yaml': 'a: 1\n', 'other.txt': 'x' })
  const file = join(dir, 'gateway.yaml')
  const rec = recorder()
  const watcher = watchConfigFile(file, rec.onChange, { debounceMs: DEBOUNCE_MS })
  t.teardown(() => watcher.close())
  return { dir, file, rec, watcher }
}

t.test('a write in place calls back once', async (t) => {
  const { file, rec } = setup(t)
  writeFileSync(file, 'a: 2\n')
  t.ok(await rec.next(), 'called')
  t.ok(await rec.quiet(), 'no second call')
  t.equal(rec.count(), 1)
})

t.test('an editor-style save (write a temp file, rename it over) calls back once', async (t) => {
  const { dir, file, rec } = setup(t)
  writeFileSync(join(dir, '.gateway.yaml.swp'), 'a: 3\n')
  renameSync(join(dir, '.gateway.yaml.swp'), file)
  t.ok(await rec.next())
  t.ok(await rec.quiet())
  t.equal(rec.count(), 1)
  // The inode changed; later saves are still seen.
  writeFileSync(file, 'a: 4\n')
  t.ok(await rec.next(), 'still watching after the rename')
})

t.test('several quick writes are debounced into one call', async (t) => {
  const { file, rec } = setup(t)
  for (let i = 0; i < 10; i++) writeFileSync(file, `a: ${i}\n`)
  t.ok(await rec.next())
  t.ok(await rec.quiet())
  t.equal(rec.count(), 1)
})

t.test('changes to other files in the directory are ignored', async (t) => {
  const { dir, rec } = setup(t)
  writeFileSync(join(dir, 'other.txt'), 'y')
  writeFileSync(join(dir, 'gateway.yaml.bak'), 'z')
  t.ok(await rec.quiet())
  t.equal(rec.count(), 0)
})

t.test('the file disappearing for a while does not stop the watch', async (t) => {
  const { file, rec } = setup(t)
  rmSync(file)
  t.ok(await rec.next(), 'removal is a change (the reload will report the missing file)')
  writeFileSync(file, 'a: 5\n')
  t.ok(await rec.next(), 'recreation is seen')
})

t.test('a Kubernetes ConfigMap update (..data symlink swap) calls back once', async (t) => {
  const dir = t.testdir({})
  mkdirSync(join(dir, '..2024_01_01_00_00_00.1'))
  writeFileSync(join(dir, '..2024_01_01_00_00_00.1', 'gateway.yaml'), 'a: 1\n')
  symlinkSync('..2024_01_01_00_00_00.1', join(dir, '..data'))
  symlinkSync('..data/gateway.yaml', join(dir, 'gateway.yaml'))
  const rec = recorder()
  const watcher = watchConfigFile(join(dir, 'gateway.yaml'), rec.onChange, { debounceMs: DEBOUNCE_MS })
  t.teardown(() => watcher.close())

  // What kubelet's atomic writer does: new timestamped dir, new link, rename over ..data.
  mkdirSync(join(dir, '..2024_01_01_00_01_00.2'))
  writeFileSync(join(dir, '..2024_01_01_00_01_00.2', 'gateway.yaml'), 'a: 2\n')
  symlinkSync('..2024_01_01_00_01_00.2', join(dir, '..data_tmp'))
  renameSync(join(dir, '..data_tmp'), join(dir, '..data'))
  rmSync(join(dir, '..2024_01_01_00_00_00.1'), { recursive: true })
  t.ok(await rec.next())
  t.ok(await rec.quiet())
  t.equal(rec.count(), 1)
})

t.test('close() stops calls, also one already pending', async (t) => {
  const { file, rec, watcher } = setup(t)
  writeFileSync(file, 'a: 6\n')
  watcher.close()
  watcher.close()
  t.ok(await rec.quiet())
  t.equal(rec.count(), 0)
})

t.test('isRelevantChange', async (t) => {
  t.equal(isRelevantChange('gateway.yaml', 'gateway.yaml'), true)
  t.equal(isRelevantChange('gateway.yaml', Buffer.from('gateway.yaml')), true)
  t.equal(isRelevantChange('gateway.yaml', '..data'), true)
  t.equal(isRelevantChange('gateway.yaml', null), true)
  t.equal(isRelevantChange('gateway.yaml', 'gateway.yaml.swp'), false)
  t.equal(isRelevantChange('gateway.yaml', '..data_tmp'), false)
})

// The bench harness reads a load generator's result from its last output line: that line must
// not be lost when the process exits before its output has been read.
import t from 'tap'
// @ts-expect-error: bench/ is plain JavaScript without type declarations
import { startProcess } from '../../bench/lib/procs.js'

t.test('a line written after the process has exited (by a child still holding its output) is waited for', async (t) => {
  let last: string | null = null
  const handle = startProcess({
    name: 'writer',
    cmd: 'sh',
    args: ['-c', '(sleep 0.3; echo RESULT late) & exit 0'],
    lifetimeS: 30,
    onLine: (line: string) => {
      if (line.startsWith('RESULT ')) last = line
    },
  })
  t.equal((await handle.exited).code, 0)
  t.equal(last, null, 'the process has exited before the line')
  await handle.closed
  t.equal(last, 'RESULT late')
})

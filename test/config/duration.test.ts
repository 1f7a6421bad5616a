import t from 'tap'
import { parseDuration, tryParseDuration, MAX_DURATION_MS } from '../../src/config/duration.js'
import { formatDurationMs } from '../../src/config/field-docs.js'

t.test('parseDuration', async (t) => {
  const cases: Array<[string | number, number]> = [
    ['500ms', 500], ['30s', 30_000], ['10m', 600_000], ['1h', 3_600_000], ['0s', 0], [0, 0], ['0', NaN],
  ]
  for (const [input, ms] of cases) {
    if (Number.isNaN(ms)) t.throws(() => parseDuration(input), { code: 'TG_ERR_CONFIG_INVALID' }, String(input))
    else t.equal(parseDuration(input), ms, String(input))
  }
  for (const bad of ['10', '1.5s', '10 m', '-1s', '1d', 'ms', '', 5]) t.equal(tryParseDuration(bad), undefined, String(bad))
  t.equal(MAX_DURATION_MS, 2 ** 31 - 1)
})

t.test('formatDurationMs writes defaults as users would', async (t) => {
  t.equal(formatDurationMs(600_000), '10m')
  t.equal(formatDurationMs(2_000), '2s')
  t.equal(formatDurationMs(1_500), '1500ms')
  t.equal(formatDurationMs(7_200_000), '2h')
  t.equal(formatDurationMs(0), '0')
})

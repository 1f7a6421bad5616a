import t from 'tap'
// @ts-expect-error: bench/ is plain JavaScript without type declarations
import { checkTargets, summarise, summariseShared } from '../../bench/lib/report.js'

interface Target { goal: string; measured: string; pass: boolean | null }

const row = (id: string, rpsRatio: number, rpsPerCpuRatio: number) => ({ id, skipped: null, rpsRatio, rpsPerCpuRatio, p99Ratio: 1, rpsRatioSpread: null })
// Interleaved: warm passes (0.95), unprotected fails (0.90 < 0.95).
const summary = [row('tg-warm', 0.95, 0.95), row('tg-open', 0.9, 0.9)]

function sharedRuns(control: number, warm: number, open: number, runs = 3) {
  const out = []
  for (let run = 1; run <= runs; run++) {
    for (const [caseId, ratio] of [['passthrough-2', control], ['tg-warm', warm], ['tg-open', open]] as const) {
      out.push({ caseId, scenario: caseId, run, rps: 1000 * ratio, baselineRps: 1000, ratio, non2xx: 0, socketErrors: 0 })
    }
  }
  return out
}

const verdicts = (shared: unknown[]) => {
  const targets = checkTargets(summary, [], { tokens: 10, memory: null, sharedCore: summariseShared(shared) }) as Target[]
  const find = (prefix: string) => targets.find((x) => x.goal.startsWith(prefix))!
  return { warm: find('Protected route, warm cache: requests/s'), open: find('Unprotected route') }
}

t.test('with a control near 1, the shared-core ratios decide the requests/s targets', async (t) => {
  const { warm, open } = verdicts(sharedRuns(1.0, 0.85, 0.97))
  t.equal(warm.pass, false, 'shared 0.85 fails although interleaved 0.95 passes')
  t.equal(open.pass, true, 'shared 0.97 passes although interleaved 0.90 fails')
  t.match(warm.measured, /one core shared: 0\.850×.*interleaved 0\.950×/)
})

t.test('a control off by more than 3 %, too few runs or errors hand the verdict back to the interleaved pairs', async (t) => {
  for (const [name, shared] of [
    ['control 0.95', sharedRuns(0.95, 0.85, 0.97)],
    ['control 1.04', sharedRuns(1.04, 0.85, 0.97)],
    ['two runs', sharedRuns(1.0, 0.85, 0.97, 2)],
    ['errors in the control', sharedRuns(1.0, 0.85, 0.97).map((r) => (r.caseId === 'passthrough-2' ? { ...r, socketErrors: 1 } : r))],
  ] as const) {
    const { warm, open } = verdicts([...shared])
    t.equal(warm.pass, true, `${name}: warm judged on interleaved 0.95`)
    t.equal(open.pass, false, `${name}: unprotected judged on interleaved 0.90`)
    t.match(warm.measured, /not used/, name)
  }
})

t.test('without shared-core runs the interleaved ratio decides, per CPU-second too', async (t) => {
  const { warm, open } = verdicts([])
  t.equal(warm.pass, true)
  t.equal(open.pass, false)
  const perCpuShort = checkTargets([row('tg-warm', 0.95, 0.85), row('tg-open', 0.96, 0.96)], [], { tokens: 10, memory: null }) as Target[]
  t.equal(perCpuShort.find((x) => x.goal.startsWith('Protected route, warm cache: requests/s'))!.pass, false)
})

t.test('errors in one case hand only that case back to the interleaved pairs', async (t) => {
  const { warm, open } = verdicts(sharedRuns(1.0, 0.85, 0.97).map((r) => (r.caseId === 'tg-warm' ? { ...r, non2xx: 1 } : r)))
  t.equal(warm.pass, true, 'warm: interleaved 0.95')
  t.equal(open.pass, true, 'unprotected: shared 0.97')
})

t.test('a fresh gateway of the same build is reported beside the suite\'s, and never judged', async (t) => {
  const fresh = [1, 2, 3].flatMap((run) => [['tg-warm-fresh', 0.97], ['tg-open-fresh', 1.0]].map(([caseId, ratio]) =>
    ({ caseId, scenario: `${caseId as string} scenario`, run, rps: 1000 * (ratio as number), baselineRps: 1000, ratio, non2xx: 0, socketErrors: 0 })))
  const targets = checkTargets(summary, [], { tokens: 10, memory: null, sharedCore: summariseShared([...sharedRuns(1.0, 0.85, 0.97), ...fresh]) }) as Target[]
  const warm = targets.find((x) => x.goal.startsWith('Protected route, warm cache: requests/s'))!
  t.equal(warm.pass, false, 'still judged on the suite\'s gateway: 0.85')
  const history = targets.filter((x) => x.goal.includes('served nothing else'))
  t.equal(history.length, 2)
  t.match(history[0]?.measured, /^0\.850× against 0\.970× the passthrough: 0\.876×$/)
  t.match(history[1]?.measured, /^0\.970× against 1\.000× the passthrough: 0\.970×$/)
  t.ok(history.every((x) => x.pass === null), 'information, not a target')
  const without = checkTargets(summary, [], { tokens: 10, memory: null, sharedCore: summariseShared(sharedRuns(1.0, 0.85, 0.97)) }) as Target[]
  t.notOk(without.some((x) => x.goal.includes('served nothing else')), 'no row without a fresh gateway')
})

t.test('the rotation\'s second pass is judged against the one-token runs beside it, not the round\'s warm runs', async (t) => {
  const cases = [{ id: 'passthrough', target: 'passthrough' }, { id: 'tg-warm', target: 'tokengate' }, { id: 'tg-rot-cold', target: 'tokengate' }, { id: 'tg-rot-warm', target: 'tokengate' }]
  const run = (caseId: string, round: number, rps: number, extra: Record<string, unknown> = {}) =>
    ({ caseId, round, rps, rpsPerCpuS: rps, p99Ms: 1, introspectionCalls: 0, ...extra })
  const runs = [1, 2].flatMap((round) => [
    run('passthrough', round, 1000),
    run('passthrough', round, 1000, { pairedWith: 'tg-warm', pair: 1 }),
    run('tg-warm', round, 1000, { pair: 1 }),
    // The gateway (or the machine) is slower after the cold pass: 900 req/s for one token too.
    run('tg-rot-cold', round, 500, { introspectionCalls: 9, passComplete: true }),
    ...[1, 2].flatMap((pair) => [
      run('tg-warm', round, 900, { pairedWith: 'tg-rot-warm', pair }),
      run('tg-rot-warm', round, pair === 1 ? 880 : 870, { pair, introspectionCalls: pair === 2 ? 1 : 0 }),
    ]),
  ])
  const summary = summarise(cases, runs)
  const rot = summary.find((s: { id: string }) => s.id === 'tg-rot-warm')
  t.equal(rot.rpsVsWarm.toFixed(4), ((880 / 900 + 870 / 900) / 2).toFixed(4), 'the median of the adjacent pairs\' ratios')
  t.same(rot.rpsVsWarmSpread.n, 4)
  const warm = summary.find((s: { id: string }) => s.id === 'tg-warm')
  t.equal(warm.rps, 1000, 'the warm row holds only its own runs')
  t.same(warm.introspectionCalls, [0, 0])
  const targets = checkTargets(summary, runs, { tokens: 10, memory: null }) as Target[]
  const rotation = targets.find((x) => x.goal.includes('second pass: requests/s'))!
  t.equal(rotation.pass, true, '0.972× passes although 875 req/s is 0.875× the warm row')
  t.match(rotation.measured, /^0\.972× .*4 pairs, 0\.967–0\.978\)$/)
  const calls = targets.find((x) => x.goal.includes('introspection calls = distinct tokens'))!
  t.match(calls.measured, /^10 \/ 10 /, 'every second-pass run of a round is counted')
  t.equal(calls.pass, true)
})

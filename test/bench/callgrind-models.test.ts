import t from 'tap'
// @ts-expect-error: bench/ is plain JavaScript without type declarations
import { MODELS, callgrindPrefix, costLines } from '../../bench/lib/callgrind.js'

const tools = { valgrind: 'valgrind', control: 'callgrind_control', annotate: 'callgrind_annotate' }

// `--I1=size,ways,line`: valgrind refuses a geometry whose sets are not a power of two, and a
// typo there would only show as a failed run half an hour into a benchmark.
function geometry(args: string[], level: string) {
  const arg = args.find((a) => a.startsWith(`--${level}=`))
  if (arg === undefined) throw new Error(`no --${level}`)
  const [size = NaN, ways = NaN, line = NaN] = arg.slice(level.length + 3).split(',').map(Number)
  return { size, ways, line, sets: size / (ways * line) }
}

const powerOfTwo = (n: number) => Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0

t.test('each model is a geometry valgrind accepts', async (t) => {
  for (const [name, args] of Object.entries(MODELS as Record<string, string[]>)) {
    for (const level of ['I1', 'D1', 'LL']) {
      const g = geometry(args, level)
      t.ok(powerOfTwo(g.sets) && powerOfTwo(g.line), `${name} ${level}: ${g.sets} sets of ${g.line} B`)
    }
  }
})

t.test('the page model counts translations: 4 KiB lines, TLB-sized levels, no branch model', async (t) => {
  const pages = MODELS.pages as string[]
  t.same(['I1', 'D1', 'LL'].map((level) => geometry(pages, level).line), [4096, 4096, 4096])
  t.same(['I1', 'D1', 'LL'].map((level) => geometry(pages, level).size / 4096), [128, 64, 2048], 'entries: instruction TLB, data TLB, second level')
  t.notOk(pages.some((a) => a.startsWith('--branch-sim=yes')))
})

t.test('callgrindPrefix adds a model only when asked, and counts nothing until told', async (t) => {
  const plain = callgrindPrefix(tools, '/tmp/out') as string[]
  t.notOk(plain.some((a) => a.startsWith('--cache-sim')))
  t.ok(plain.includes('--instr-atstart=no'))
  t.same((callgrindPrefix(tools, '/tmp/out', { model: 'pages' }) as string[]).filter((a) => a.startsWith('--LL=')), ['--LL=8388608,16,4096'])
  t.ok((callgrindPrefix(tools, '/tmp/out', { model: 'lines' }) as string[]).includes('--branch-sim=yes'))
})

t.test("callgrind_annotate's rows: '.' and a bare 0 are no cost, and keep every later column in place", async (t) => {
  // Rows as callgrind_annotate prints them with seven events shown (the page model's).
  const text = [
    'Ir                  I1mr            D1mr               D1mw            ILmr           DLmr            DLmw            file:function',
    '938,260,068 (100.0%) 3,944,939 (100.0%) 18,085,694 (100.0%) 581,598 (100.0%) 196,029 (100.0%) 393,234 (100.0%) 36,543 (100.0%)  PROGRAM TOTALS',
    '45,465,646 ( 4.85%) 18,143 ( 0.46%) 1,100,883 ( 6.09%)      0             18 ( 0.01%) 27,993 ( 7.12%)     .           ???:Builtins_LoadIC [/usr/bin/node]',
    ' 9,212,000 ( 0.98%)     52 ( 0.00%)    11,531 ( 0.06%)      0              0             205 ( 0.05%)     .           ???:0x000000000d1a06c0 [???]',
    '12,892,171 ( 1.37%) 16,009 ( 0.41%)    34,655 ( 0.19%)    551 ( 0.09%)    36 ( 0.02%)      2 ( 0.00%)   483 ( 1.32%)  ???:Builtins_StringToLowerCaseIntl [/usr/bin/node]',
  ].join('\n')
  t.same(costLines(text), [
    { costs: [45465646, 18143, 1100883, 0, 18, 27993, 0], name: '???:Builtins_LoadIC [/usr/bin/node]' },
    { costs: [9212000, 52, 11531, 0, 0, 205, 0], name: '???:0x000000000d1a06c0 [???]' },
    { costs: [12892171, 16009, 34655, 551, 36, 2, 483], name: '???:Builtins_StringToLowerCaseIntl [/usr/bin/node]' },
  ])
})

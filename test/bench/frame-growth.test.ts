import t from 'tap'
// @ts-expect-error: bench/ is plain JavaScript without type declarations
import { framesGrown } from '../../bench/lib/frame-growth.js'

t.test('frames are ranked by how much they grew; new frames count from 0, shrunk ones are left out', async (t) => {
  const before = [{ name: 'a', irPerRequest: 100 }, { name: 'b', irPerRequest: 50 }, { name: 'gone', irPerRequest: 30 }]
  const after = [{ name: 'a', irPerRequest: 110 }, { name: 'b', irPerRequest: 40 }, { name: 'LoadIC_Megamorphic', irPerRequest: 1700 }]
  t.same(framesGrown(before, after, 10), [
    { name: 'LoadIC_Megamorphic', before: 0, after: 1700, growth: 1700 },
    { name: 'a', before: 100, after: 110, growth: 10 },
  ])
  t.same(framesGrown(before, after, 1).map((f: { name: string }) => f.name), ['LoadIC_Megamorphic'])
  t.same(framesGrown(after, after, 10), [], 'no growth, no rows')
})

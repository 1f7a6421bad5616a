import t from 'tap'
import type { IncomingMessage } from 'node:http'
import { formatUuids, nextUuid, requestIdFor } from '../../src/server/request-id.js'

const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

const withHeader = (value: string | string[] | undefined): IncomingMessage =>
  ({ headers: value === undefined ? {} : { 'x-request-id': value } }) as unknown as IncomingMessage

t.test('formatUuids lays out 16 bytes per UUID with the version and variant bits set', async (t) => {
  t.equal(formatUuids(new Uint8Array(16)), '00000000-0000-4000-8000-000000000000')
  t.equal(formatUuids(new Uint8Array(16).fill(0xff)), 'ffffffff-ffff-4fff-bfff-ffffffffffff')
  const counting = Uint8Array.from({ length: 32 }, (_, i) => i)
  t.equal(formatUuids(counting), '00010203-0405-4607-8809-0a0b0c0d0e0f' + '10111213-1415-4617-9819-1a1b1c1d1e1f')
  t.equal(formatUuids(new Uint8Array(20)).length, 36, 'a partial trailing group is ignored')
})

t.test('nextUuid gives distinct version-4 UUIDs across many batches', async (t) => {
  const seen = new Set<string>()
  const bad: string[] = []
  for (let i = 0; i < 1_000; i++) {
    const id = nextUuid()
    if (!V4.test(id)) bad.push(id)
    seen.add(id)
  }
  t.same(bad, [])
  t.equal(seen.size, 1_000)
})

t.test('requestIdFor keeps a short plain client id and replaces anything else', async (t) => {
  t.equal(requestIdFor(withHeader('abc-123')), 'abc-123')
  t.match(requestIdFor(withHeader(undefined)), V4)
  t.match(requestIdFor(withHeader('a b<script>')), V4)
  t.match(requestIdFor(withHeader(['one', 'two'])), V4)
  t.match(requestIdFor(withHeader('x'.repeat(1_000))), V4)
  t.match(requestIdFor(withHeader('')), V4)
})

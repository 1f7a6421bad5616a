// Known path-confusion bypasses of other proxies, sent as raw bytes to the built CLI. Each is
// either refused with 400 or matched AND forwarded as the same normalised path: the route that
// decides is the route whose upstream receives the request.
import t from 'tap'
import { startRecordingUpstream } from '../helpers/recording-upstream.js'
import { startGatewayProcess } from '../helpers/gateway-process.js'
import { get } from '../helpers/raw-http.js'

const open = await startRecordingUpstream()
const ratings = await startRecordingUpstream()
const gw = await startGatewayProcess(`server: { host: 127.0.0.1, port: 0 }
admin: { enabled: false }
upstreams:
  open: { url: "${open.url}" }
  ratings: { url: "${ratings.url}" }
routes:
  - name: ratings
    matchers: [ { uri: { prefix: /ratings/ } } ]
    forwardTo: { upstream: ratings }
  - name: public
    matchers: [ { uri: { prefix: / } } ]
    forwardTo: { upstream: open }
`)
t.teardown(async () => {
  await gw.stop()
  await open.close()
  await ratings.close()
})

type Expect = 400 | { upstream: 'ratings' | 'open'; url: string }
const cases: Array<[string, Expect]> = [
  ['/ratings/1', { upstream: 'ratings', url: '/ratings/1' }],
  ['/public/../ratings/1', { upstream: 'ratings', url: '/ratings/1' }],
  ['/public/%2e%2e/ratings/1', { upstream: 'ratings', url: '/ratings/1' }],
  ['/public/%2E%2E/ratings/1', { upstream: 'ratings', url: '/ratings/1' }],
  ['//ratings/1', { upstream: 'ratings', url: '/ratings/1' }],
  ['/%72atings/1', { upstream: 'ratings', url: '/ratings/1' }],
  ['/ratings/./1', { upstream: 'ratings', url: '/ratings/1' }],
  ['/ratings/1#fragment', { upstream: 'ratings', url: '/ratings/1' }],
  ['/public#/../ratings/1', { upstream: 'open', url: '/public' }],
  ['/public?next=/../ratings/1', { upstream: 'open', url: '/public?next=/../ratings/1' }],
  ['/../../ratings/1', { upstream: 'ratings', url: '/ratings/1' }],
  ['/ratings%2F1', 400],
  ['/ratings%2f1', 400],
  ['/ratings%5C1', 400],
  ['/ratings\\1', 400],
  ['/ratings;x/1', 400],
  ['/ratings/1%00', 400],
  ['/ratings/%zz', 400],
  ['/ratings/%', 400],
  ['*', 400],
  ['/ratings/%FF', 400],
  ['/ratings/..%20/x', 400],
]

for (const [target, expected] of cases) {
  t.test(`GET ${target}`, async (t) => {
    const before = { open: open.received.length, ratings: ratings.received.length }
    const res = await get(gw.url, target)
    if (expected === 400) {
      t.equal(res.status, 400, res.raw)
      t.match(res.body, /TG_ERR_PATH_INVALID/)
      t.equal(open.received.length, before.open, 'nothing reached the open upstream')
      t.equal(ratings.received.length, before.ratings, 'nothing reached the ratings upstream')
      return
    }
    t.equal(res.status, 200, res.raw)
    const hit = expected.upstream === 'ratings' ? ratings : open
    const other = expected.upstream === 'ratings' ? open : ratings
    t.equal(hit.received.length, (expected.upstream === 'ratings' ? before.ratings : before.open) + 1)
    t.equal(other.received.length, expected.upstream === 'ratings' ? before.open : before.ratings, 'the other upstream got nothing')
    t.equal(hit.received[hit.received.length - 1]!.url, expected.url)
  })
}

t.test('absolute-form target: the path is normalised and its authority is the host', async (t) => {
  const res = await get(gw.url, 'http://example.com/public/../ratings/3')
  t.equal(res.status, 200, res.raw)
  const got = ratings.received[ratings.received.length - 1]!
  t.equal(got.url, '/ratings/3')
  t.equal(got.headers['x-forwarded-host'], 'example.com')
})

// The mock of Bookinfo's ratings service answers as the walkthrough expects.
import t from 'tap'
import { startRatings } from '../../examples/ratings/server.js'

t.test('GET /ratings/:id, /health, bad ids and unknown paths', async (t) => {
  const ratings = await startRatings({ port: 0, host: '127.0.0.1' })
  t.teardown(ratings.close)
  const get = async (path: string, method = 'GET') => {
    const response = await fetch(`${ratings.url}${path}`, { method })
    t.match(response.headers.get('content-type'), /^application\/json/)
    return { status: response.status, body: await response.json() as unknown }
  }
  t.same(await get('/ratings/1'), { status: 200, body: { id: 1, ratings: { Reviewer1: 5, Reviewer2: 4 } } })
  t.same(await get('/ratings/42?x=1'), { status: 200, body: { id: 42, ratings: { Reviewer1: 5, Reviewer2: 4 } } })
  t.same(await get('/health'), { status: 200, body: { status: 'Ratings is healthy' } })
  t.equal((await get('/ratings/abc')).status, 400)
  t.equal((await get('/ratings/1/2')).status, 404)
  t.equal((await get('/reviews/1')).status, 404)
  t.equal((await get('/ratings/1', 'POST')).status, 405)
})

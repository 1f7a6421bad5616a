// Exactly `count` requests over `connections` keep-alive connections, from this process: for the
// instruction counts, where what matters is how many requests the target served, not how fast.
// One client keeps its connections between batches, so a measured batch neither opens nor closes
// any: connection set-up and teardown stay out of the count.
import http from 'node:http'

export function fixedLoadClient({ origin, connections }) {
  const { hostname, port } = new URL(origin)
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections })

  const one = (path, headers, tally) => new Promise((resolve) => {
    const req = http.request({ hostname, port, path, headers, agent }, (res) => {
      res.resume()
      res.on('end', () => {
        tally.statuses[res.statusCode] = (tally.statuses[res.statusCode] ?? 0) + 1
        resolve()
      })
    })
    req.on('error', () => {
      tally.errors += 1
      resolve()
    })
    req.end()
  })

  return {
    /**
     * Resolves to `{ statuses: { [code]: n }, errors }` once `count` requests were answered, the
     * i-th with the headers `headersOf(i)` (distinct tokens).
     */
    async sendEach({ path, headersOf, count }) {
      const tally = { statuses: {}, errors: 0 }
      let started = 0
      await Promise.all(Array.from({ length: connections }, async () => {
        while (started < count) {
          const i = started
          started += 1
          await one(path, headersOf(i), tally)
        }
      }))
      return tally
    },
    /** The same with one set of headers for every request. */
    send({ path, headers = {}, count }) {
      return this.sendEach({ path, headersOf: () => headers, count })
    },
    close: () => agent.destroy(),
  }
}

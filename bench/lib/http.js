// The harness's own small HTTP calls (readiness probes, the stub's counter). Never on the
// measured path: the load generator is a separate process.
import { Buffer } from 'node:buffer'
import http from 'node:http'

export function httpRequest(url, { method = 'GET', headers = {}, body, timeoutMs = 2000 } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent: false, timeout: timeoutMs }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms: ${method} ${url}`)))
    req.on('error', reject)
    req.end(body)
  })
}

/** Resolves true once `url` answers with `expectStatus` (any status when omitted). */
export async function answers(url, expectStatus) {
  const res = await httpRequest(url, { timeoutMs: 1000 })
  return expectStatus === undefined || res.status === expectStatus
}

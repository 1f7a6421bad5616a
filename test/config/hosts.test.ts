import t from 'tap'
import { hostPatternProblem } from '../../src/config/hosts.js'

t.test('accepted host patterns', async (t) => {
  for (const ok of ['*', 'api.example.com', 'API.Example.COM', '*.example.com', 'localhost', 'localhost:8080', '127.0.0.1', '[::1]:8443', '*.example.com:443']) {
    t.equal(hostPatternProblem(ok), undefined, ok)
  }
})

t.test('refused host patterns', async (t) => {
  const cases: Array<[string, RegExp]> = [
    ['api.*', /wildcard may only be the whole left-most label/],
    ['a*.example.com', /wildcard may only be the whole left-most label/],
    ['*.*.example.com', /wildcard/],
    ['**', /wildcard/],
    ['*:8080', /"\*" takes no port/],
    ['example.com.', /drop the trailing dot/],
    ['exa mple.com', /not a valid host pattern/],
    ['http://example.com', /not a valid host pattern/],
    ['example.com:0', /port must be 1-65535/],
    ['example.com:70000', /port must be 1-65535/],
    ['-bad.example.com', /not a valid host pattern/],
  ]
  for (const [pattern, message] of cases) t.match(hostPatternProblem(pattern), message, pattern)
})

// Property-based tests of step 1 (issue 7 §2): whatever header values a client sends, readToken
// accepts only what RFC 6750 §2.1 allows — `Bearer` (any case, RFC 7235 §2.1), one space, a
// b64token with `=` only as trailing padding — within maxTokenLength, from exactly one header.
import t from 'tap'
import fc from 'fast-check'
import { isDeepStrictEqual } from 'node:util'
import { readToken } from '../../src/auth/read-token.js'

const RUNS = 5000
const MAX = 64
const RFC6750 = /^Bearer [A-Za-z0-9\-._~+/]+=*$/i
const SOURCE = { kind: 'authorization' } as const

/** Pieces that sit on every edge of the grammar: separators, padding, odd bytes, scheme spellings. */
const piece = fc.constantFrom(
  'Bearer', 'bearer', 'BEARER', 'BeArEr', 'Basic', 'Bearer ', ' ', '  ', '\t', '\r', '\n', '\0', ',', ';',
  '=', '==', '"', "'", 'a', 'Z', '9', '-', '.', '_', '~', '+', '/', '%', '\u00e9', '\u0131', '\u212a', '\ud83d\ude00',
  'abc=def', 'x'.repeat(MAX), 'Bearer\u00a0', '\u0000Bearer',
)
const headerValue = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.array(piece, { maxLength: 8 }).map((a) => a.join('')),
  fc.tuple(fc.constantFrom('Bearer ', 'bearer ', 'Bearer  ', 'Bearer\t'), fc.array(piece, { maxLength: 6 }).map((a) => a.join(''))).map(([s, v]) => s + v),
)
const headerName = fc.constantFrom('Authorization', 'authorization', 'AUTHORIZATION', 'X-Other', 'Authorisation', 'Authorization ')

function accepted(rawHeaders: string[]): string | undefined {
  const r = readToken({ headers: {}, rawHeaders, query: '' }, SOURCE, MAX)
  return r.ok ? r.token : undefined
}

t.test('one Authorization header: accepted only when RFC 6750 §2.1 allows it, within the length', async (t) => {
  fc.assert(
    fc.property(headerValue, (value) => {
      const token = accepted(['Authorization', value])
      if (token === undefined) return true
      return RFC6750.test(value) && token === value.slice('Bearer '.length) && token.length <= MAX
    }),
    { numRuns: RUNS },
  )
  t.pass()
})

t.test('every valid b64token within the length is accepted, with any case of the scheme', async (t) => {
  const b64char = fc.constantFrom(...'ABCXYZabcxyz0189-._~+/'.split(''))
  const token = fc.tuple(fc.array(b64char, { minLength: 1, maxLength: MAX - 2 }), fc.integer({ min: 0, max: 2 })).map(([c, pad]) => c.join('') + '='.repeat(pad))
  const scheme = fc.constantFrom('Bearer', 'bearer', 'BEARER', 'bEaReR')
  fc.assert(fc.property(scheme, token, (s, tok) => accepted(['Authorization', `${s} ${tok}`]) === tok), { numRuns: RUNS })
  t.pass()
})

t.test('the scheme as RFC 6750 writes it gets the same answer as any other case of it', async (t) => {
  // `Bearer` exactly takes readToken's one-regex path; `bearer` always takes the precise one.
  const rest = fc.oneof(headerValue, fc.string({ unit: fc.constantFrom(...'Aa9-._~+/= '.split('')), maxLength: 2 * MAX }))
  fc.assert(
    fc.property(rest, (r) => {
      const read = (scheme: string) => readToken({ headers: {}, rawHeaders: ['Authorization', `${scheme} ${r}`], query: '' }, SOURCE, MAX)
      return isDeepStrictEqual(read('Bearer'), read('bearer'))
    }),
    { numRuns: RUNS },
  )
  t.pass()
})

t.test('arbitrary header lists: a token is accepted only from exactly one well-formed Authorization', async (t) => {
  const list = fc.array(fc.tuple(headerName, headerValue), { maxLength: 4 })
  fc.assert(
    fc.property(list, (pairs) => {
      const token = accepted(pairs.flat())
      if (token === undefined) return true
      const auth = pairs.filter(([n]) => n.toLowerCase() === 'authorization')
      return auth.length === 1 && RFC6750.test(auth[0]![1]) && token.length <= MAX
    }),
    { numRuns: RUNS },
  )
  t.pass()
})

t.test('tokens longer than maxTokenLength are refused however well-formed', async (t) => {
  fc.assert(
    fc.property(fc.integer({ min: MAX + 1, max: 4 * MAX }), (length) => accepted(['Authorization', `Bearer ${'a'.repeat(length)}`]) === undefined),
    { numRuns: 200 },
  )
  t.pass()
})

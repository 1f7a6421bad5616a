// The error registry and docs/errors.md describe the same codes with the same statuses.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { ErrorCodes, TokengateError } from '../src/errors.js'

const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8')
const documented = new Map([...doc.matchAll(/^\| `(TG_ERR_[A-Z_]+)` \| (\d{3}|—) \|/gm)].map((m) => [m[1]!, m[2]!]))

t.test('every code is documented with its status, and no other', async (t) => {
  t.same([...documented.keys()].sort(), Object.keys(ErrorCodes).sort())
  for (const [code, { statusCode }] of Object.entries(ErrorCodes)) {
    if (code.startsWith('TG_ERR_CONFIG_')) t.equal(documented.get(code), '—', code)
    else t.equal(documented.get(code), String(statusCode), code)
  }
})

t.test('errors carry their code, status and cause', async (t) => {
  const cause = new Error('socket hang up')
  const err = new TokengateError('TG_ERR_UPSTREAM_UNAVAILABLE', undefined, { cause })
  t.equal(err.code, 'TG_ERR_UPSTREAM_UNAVAILABLE')
  t.equal(err.statusCode, 502)
  t.equal(err.message, ErrorCodes.TG_ERR_UPSTREAM_UNAVAILABLE.message)
  t.equal(err.cause, cause)
  t.equal(new TokengateError('TG_ERR_INTERNAL', 'x', { statusCode: 400 }).statusCode, 400)
})

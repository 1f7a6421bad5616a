// The checked-in generated reference must match what the code produces now.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { configJsonSchema, configReferenceMarkdown } from '../../src/config/reference.js'

const REGENERATE = 'stale: run `npm run gen:schema` and commit the result'

t.test('config/tokengate.schema.json is in sync with schema.ts', async (t) => {
  const onDisk = readFileSync('config/tokengate.schema.json', 'utf8')
  t.equal(onDisk, `${JSON.stringify(configJsonSchema(), null, 2)}\n`, REGENERATE)
  t.match(JSON.parse(onDisk), { $schema: 'http://json-schema.org/draft-07/schema#', $id: 'https://tokengate.dev/schema/config.json' })
})

t.test('docs/configuration.md is in sync with schema.ts', async (t) => {
  t.equal(readFileSync('docs/configuration.md', 'utf8'), configReferenceMarkdown(), REGENERATE)
})

t.test('the reference documents every field with its default', async (t) => {
  const md = configReferenceMarkdown()
  t.match(md, '| `cacheTimeout` | duration |  | `"10m"` |')
  t.match(md, '| `port` | integer 0–65535 |  | `8080` |')
  t.match(md, '## `policies[].config.oauth2.accessTokenValidation.introspection`')
  t.notMatch(md, /\| {2}\|\n/, 'no field without a description')
})

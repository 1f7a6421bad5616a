// Writes the generated configuration reference from the built code:
//   config/tokengate.schema.json  (JSON Schema for editors; config/gateway.yaml points at it)
//   docs/configuration.md         (the reference tables)
// Run with `npm run gen:schema`; test/config/reference.test.ts fails when these are stale.
import { writeFileSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { stdout } from 'node:process'
import { configJsonSchema, configReferenceMarkdown } from '../dist/config/reference.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const outputs = [
  ['config/tokengate.schema.json', `${JSON.stringify(configJsonSchema(), null, 2)}\n`],
  ['docs/configuration.md', configReferenceMarkdown()],
]
for (const [file, text] of outputs) {
  const path = join(root, file)
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, text)
  stdout.write(`wrote ${file}\n`)
}

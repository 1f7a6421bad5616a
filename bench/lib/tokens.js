// Token files for the rotation scenarios: one token per line, shaped like Hydra's opaque access
// tokens (about 90 characters), with the "valid-" prefix the introspection stub accepts.
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

export function tokenLike(tag) {
  return `valid-${tag}.${randomBytes(32).toString('base64url')}.${randomBytes(16).toString('base64url')}`
}

/** Writes `count` distinct valid tokens to `<dir>/<name>` and returns the path. */
export function writeTokenFile(dir, name, count) {
  const lines = new Array(count)
  for (let i = 0; i < count; i += 1) lines[i] = tokenLike(`${name}-${i}`)
  const file = join(dir, name)
  writeFileSync(file, `${lines.join('\n')}\n`)
  return file
}

// Durations the schema accepts by shape but Node.js cannot honour. Walks the schema beside the
// data, so a duration field added to schema.ts is covered without touching this file.
import type { TSchema } from '@sinclair/typebox'
import { ConfigSchema } from './schema.js'
import { MAX_DURATION_MS, tryParseDuration } from './duration.js'
import type { DocPath, Problems } from './problems.js'
import { isRecord } from './shape.js'

const DURATION_PATTERN = '^[0-9]+(ms|s|m|h)$'

export function isDurationSchema(schema: TSchema): boolean {
  const branches = (schema as { anyOf?: Array<{ pattern?: string }> }).anyOf
  return branches?.some((b) => b.pattern === DURATION_PATTERN) ?? false
}

export function checkDurations(data: unknown, problems: Problems): void {
  walk(ConfigSchema, data, [], (value, path) => {
    const ms = tryParseDuration(value)
    if (ms !== undefined && ms > MAX_DURATION_MS) {
      problems.error(path, `${String(value)} is too long; durations may be at most 596h (the longest timer Node.js supports)`)
    }
  })
}

function walk(schema: TSchema, data: unknown, path: DocPath, visit: (value: unknown, path: DocPath) => void): void {
  if (isDurationSchema(schema)) {
    visit(data, path)
    return
  }
  const s = schema as { properties?: Record<string, TSchema>; patternProperties?: Record<string, TSchema>; items?: TSchema }
  if (isRecord(data) && (s.properties !== undefined || s.patternProperties !== undefined)) {
    const anyValue = s.patternProperties === undefined ? undefined : Object.values(s.patternProperties)[0]
    for (const [key, value] of Object.entries(data)) {
      const child = s.properties?.[key] ?? anyValue
      if (child !== undefined) walk(child, value, [...path, key], visit)
    }
  } else if (Array.isArray(data) && s.items !== undefined) {
    const items = s.items
    data.forEach((value: unknown, i) => walk(items, value, [...path, String(i)], visit))
  }
}

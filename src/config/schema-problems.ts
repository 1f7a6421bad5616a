// Ajv's findings turned into sentences a user can act on, each at its node in the document.
import { Ajv, type ErrorObject } from 'ajv'
import { ConfigSchema } from './schema.js'
import { closest, suggestion } from './did-you-mean.js'
import { DURATION_HINT } from './duration.js'
import type { DocPath, Problems } from './problems.js'

const ajv = new Ajv({ allErrors: true, strict: true, verbose: true })
const validateDocument = ajv.compile(ConfigSchema)

/**
 * Errors after which the data at that path does not have its declared shape. An unknown key counts:
 * it is usually a misspelt known one, and checking the object without it would report a cascade
 * ("needs introspectionUrl") instead of the one typo.
 */
const SHAPE_BREAKING = new Set(['type', 'required', 'anyOf', 'const', 'enum', 'additionalProperties'])

const NAME_HINT = 'must start with a letter or digit and use only letters, digits, ".", "_" and "-"'
const PATTERN_HINTS: Readonly<Record<string, string>> = {
  "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$": "must be an HTTP header name (letters, digits and !#$%&'*+-.^_`|~)",
  '^[A-Za-z0-9][A-Za-z0-9._-]*$': NAME_HINT,
  '^[A-Z]+$': 'must be an upper-case HTTP method such as GET',
  '^[^"\\\\]*$': 'must not contain " or \\',
  '^[0-9]+(ms|s|m|h)$': DURATION_HINT,
}

/**
 * Validates the plain document; reports every finding. Returns the paths whose data does not have
 * the declared shape, so later checks can skip exactly those parts and still report the rest.
 */
export function checkSchema(data: unknown, problems: Problems): DocPath[] {
  if (validateDocument(data)) return []
  if (data === null || data === undefined) {
    problems.error([], 'the file is empty; it needs at least "upstreams" and "routes"')
    return [[]]
  }
  const errors = withoutBranchNoise(validateDocument.errors ?? [])
  const broken: DocPath[] = []
  for (const e of errors) {
    const path = pointerToPath(e.instancePath)
    if (SHAPE_BREAKING.has(e.keyword)) broken.push(path)
    report(e, path, problems)
  }
  return broken
}

function report(e: ErrorObject, path: DocPath, problems: Problems): void {
  const params = e.params as Record<string, unknown>
  const schema = (e.parentSchema ?? {}) as Record<string, unknown>
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(params['additionalProperty'])
      const at = [...path, key]
      if (schema['patternProperties'] !== undefined) {
        problems.error(at, `name "${key}" ${NAME_HINT}`, { atKey: true })
      } else {
        const known = Object.keys((schema['properties'] ?? {}) as object)
        problems.error(at, `unknown key "${key}"${suggestion(key, known)}`, { atKey: true })
      }
      return
    }
    case 'required':
      problems.error(path, `missing required key "${String(params['missingProperty'])}"`)
      return
    case 'type':
      problems.error(path, `must be ${article(String(params['type']))} (got ${describe(e.data)})`)
      return
    case 'anyOf':
      problems.error(path, `${anyOfHint(schema, e.data)} (got ${describe(e.data)})`)
      return
    case 'pattern': {
      const hint = PATTERN_HINTS[String(params['pattern'])] ?? `must match ${String(params['pattern'])}`
      problems.error(path, `${hint} (got ${describe(e.data)})`)
      return
    }
    case 'minLength':
      problems.error(path, 'must not be empty')
      return
    case 'minItems':
      problems.error(path, `must list at least ${String(params['limit'])} item${params['limit'] === 1 ? '' : 's'}`)
      return
    case 'minimum':
    case 'maximum':
      problems.error(path, `must be ${e.keyword === 'minimum' ? 'at least' : 'at most'} ${String(params['limit'])} (got ${describe(e.data)})`)
      return
    default:
      problems.error(path, e.message ?? `is invalid (${e.keyword})`)
  }
}

/** Union members (durations, enumerations of literals) produce one error each: keep the union's. */
function withoutBranchNoise(errors: readonly ErrorObject[]): ErrorObject[] {
  const unions = errors.filter((e) => e.keyword === 'anyOf')
  return errors.filter((e) => !unions.some((u) => u !== e && e.instancePath.startsWith(u.instancePath) && e.schemaPath.startsWith(`${u.schemaPath}/`)))
}

function anyOfHint(schema: Record<string, unknown>, data: unknown): string {
  const branches = (schema['anyOf'] ?? []) as Record<string, unknown>[]
  if (branches.some((b) => b['pattern'] === '^[0-9]+(ms|s|m|h)$')) return `${DURATION_HINT}, or 0`
  if (branches.length > 0 && branches.every((b) => 'const' in b)) {
    const values = branches.map((b) => JSON.stringify(b['const']))
    const near = typeof data === 'string' ? closest(JSON.stringify(data), values) : undefined
    return `must be one of ${values.join(', ')}${near === undefined ? '' : `; did you mean ${near}?`}`
  }
  return 'does not match any allowed form'
}

function article(type: string): string {
  const names: Record<string, string> = { object: 'a mapping', array: 'a list', integer: 'an integer', number: 'a number', string: 'a string', boolean: 'true or false' }
  return type.split(',').map((t) => names[t] ?? t).join(' or ')
}

function describe(data: unknown): string {
  if (data === null || data === undefined) return 'nothing'
  if (Array.isArray(data)) return 'a list'
  if (typeof data === 'object') return 'a mapping'
  return JSON.stringify(data)
}

/** JSON Pointer (RFC 6901) to path segments. */
export function pointerToPath(pointer: string): DocPath {
  if (pointer === '') return []
  return pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
}

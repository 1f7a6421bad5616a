// `${VAR}` and `${VAR:-default}` in scalar values. Done on the parsed document, not the raw text,
// so an environment value can never add keys or change nesting, and every line stays where the
// user wrote it. `$${` is a literal `${`. Comments are not nodes, so they are never touched.
import { Schema, isPair, isScalar, isSeq, visit, type Document, type Scalar } from 'yaml'
import type { DocPath, Problems } from './problems.js'

export type Env = Readonly<Record<string, string | undefined>>

const REFERENCE = /\$\$\{|\$\{([^}]*)\}|\$\{/g
const INNER = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s
const WHOLE = /^\$\{[^}]*\}$/

export type Substitution = { ok: true; value: string } | { ok: false; message: string }

/** Replaces every reference in one string; the first problem ends it. */
export function substitute(text: string, env: Env): Substitution {
  let problem: string | undefined
  const value = text.replace(REFERENCE, (match: string, inner: string | undefined) => {
    if (match === '$${') return '${'
    if (inner === undefined) {
      problem ??= 'unclosed "${"; write ${NAME} or ${NAME:-default}, or "$${" for a literal "${"'
      return match
    }
    const m = INNER.exec(inner)
    if (m === null) {
      problem ??= `"${match}" is not a variable reference; write \${NAME} or \${NAME:-default} (NAME: letters, digits, _), or "$\${" for a literal "\${"`
      return match
    }
    const name = m[1] as string
    const fallback = m[2]
    const current = env[name]
    // As in the shell, `:-` also applies when the variable is set but empty.
    if (fallback !== undefined) return current === undefined || current === '' ? fallback : current
    if (current === undefined) {
      problem ??= `environment variable ${name} is not set; set it or write \${${name}:-default}`
      return match
    }
    return current
  })
  return problem === undefined ? { ok: true, value } : { ok: false, message: problem }
}

const coreScalarTags = new Schema({ schema: 'core' }).tags.filter(
  (tag): tag is typeof tag & { test: RegExp; resolve: (s: string, onError: (m: string) => void, options: { intAsBigInt: boolean }) => unknown } =>
    'test' in tag && tag.test instanceof RegExp && typeof tag.resolve === 'function',
)

/** What a plain scalar with this text means under the YAML 1.2 core schema (number, bool, null, string). */
export function resolvePlainScalar(text: string): unknown {
  for (const tag of coreScalarTags) {
    if (!tag.test.test(text)) continue
    // Some tags (bool) resolve to a Scalar node rather than a primitive.
    const value = tag.resolve(text, () => undefined, { intAsBigInt: false })
    return isScalar(value) ? value.value : value
  }
  return text
}

/**
 * Substitutes in every scalar value of the document, in place; problems point at the scalar.
 * Returns the paths left unsubstituted, so later checks do not also complain about `${X}` there.
 */
export function substituteDocument(doc: Document, env: Env, problems: Problems): DocPath[] {
  const failed: DocPath[] = []
  visit(doc, {
    Scalar(key, node, path) {
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('${')) return
      const result = substitute(node.value, env)
      if (!result.ok) {
        const at = pathOf(path, key)
        problems.error(at, result.message)
        failed.push(at)
        return
      }
      node.value = isWholePlainReference(node) ? resolvePlainScalar(result.value) : result.value
    },
  })
  return failed
}

/**
 * A plain scalar that is exactly one reference takes the type its value would have had if written
 * there (`port: ${PORT:-8080}` is a number); quoted scalars stay strings, as the user asked.
 */
function isWholePlainReference(node: Scalar): boolean {
  return node.type === 'PLAIN' && typeof node.value === 'string' && WHOLE.test(node.value)
}

/** The document path of a node from the visitor's ancestry (pairs give keys, sequences indices). */
function pathOf(ancestors: readonly unknown[], key: number | 'key' | 'value' | null): DocPath {
  const segments: string[] = []
  ancestors.forEach((item, i) => {
    if (isPair(item)) segments.push(String(isScalar(item.key) ? item.key.value : item.key))
    else if (isSeq(item)) {
      const child = ancestors[i + 1]
      const index = child === undefined ? key : item.items.indexOf(child)
      if (typeof index === 'number') segments.push(String(index))
    }
  })
  return segments
}

// Problems found while loading, kept with their path as segments until they are located in the
// document. A segment list, not a dotted string: upstream names and label keys may contain dots.
import type { ConfigProblem } from '../errors.js'

export type DocPath = readonly string[]

export interface RawProblem {
  readonly path: DocPath
  readonly message: string
  readonly severity: 'error' | 'warning'
  /** Point at the key rather than its value (unknown keys, keys that must go). */
  readonly atKey?: boolean
  /** Not in the document (e.g. from the environment): no line, even a fallback one. */
  readonly unlocated?: boolean
  /** Already located (YAML syntax errors carry their own position). */
  readonly line?: number
  readonly col?: number
}

export class Problems {
  readonly list: RawProblem[] = []

  error(path: DocPath, message: string, options: { atKey?: boolean } = {}): void {
    this.list.push({ path, message, severity: 'error', ...options })
  }

  warning(path: DocPath, message: string, options: { atKey?: boolean } = {}): void {
    this.list.push({ path, message, severity: 'warning', ...options })
  }

  add(problem: RawProblem): void {
    this.list.push(problem)
  }

  /** Forgets problems found from index `from` on at or below any of `paths`. */
  dropUnder(paths: readonly DocPath[], from: number): void {
    const keep = this.list.filter((p, i) => i < from || !paths.some((base) => base.every((s, j) => p.path[j] === s)))
    this.list.splice(0, this.list.length, ...keep)
  }

  get hasErrors(): boolean {
    return this.list.some((p) => p.severity === 'error')
  }
}

export type Locator = (path: DocPath, atKey: boolean) => { line: number; col: number } | undefined

export function toConfigProblem(file: string, p: RawProblem, locate: Locator): ConfigProblem {
  const at = p.unlocated === true ? undefined : p.line === undefined ? locate(p.path, p.atKey === true) : { line: p.line, col: p.col ?? 1 }
  return {
    file,
    path: p.path.join('.'),
    ...(at === undefined ? {} : { line: at.line, col: at.col }),
    message: p.message,
    severity: p.severity,
  }
}

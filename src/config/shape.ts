// Which parts of a document may be read as their declared type. Checks after the schema step run
// on every part the schema did not break, so one bad route does not hide problems elsewhere.
import type { DocPath } from './problems.js'

export class Shape {
  constructor(private readonly broken: readonly DocPath[]) {}

  /** True when nothing at, inside or above `path` failed a type-level schema check. */
  isSound(path: DocPath): boolean {
    return !this.broken.some((b) => startsWith(b, path) || startsWith(path, b))
  }

  /** True when the container at `path` (and everything above it) has its declared type. */
  isContainerSound(path: DocPath): boolean {
    return !this.broken.some((b) => startsWith(path, b))
  }

  get allSound(): boolean {
    return this.broken.length === 0
  }
}

function startsWith(path: DocPath, prefix: DocPath): boolean {
  return prefix.length <= path.length && prefix.every((s, i) => path[i] === s)
}

export function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x)
}

/** The indices of the items of a list that are sound, with the items. */
export function soundItems<T>(list: unknown, base: DocPath, shape: Shape): Array<{ item: T; index: number; path: DocPath }> {
  if (!Array.isArray(list) || !shape.isContainerSound(base)) return []
  return list.flatMap((item: unknown, index) => {
    const path = [...base, String(index)]
    return shape.isSound(path) ? [{ item: item as T, index, path }] : []
  })
}

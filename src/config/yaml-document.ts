// Parsing with positions kept: every problem can name the line and column of its node.
import { LineCounter, isMap, isPair, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml'
import type { DocPath, Problems } from './problems.js'

export interface ParsedYaml {
  readonly doc: Document
  /** Line and column (1-based) of the node at a path, or of the nearest ancestor that exists. */
  locate(path: DocPath, atKey?: boolean): { line: number; col: number } | undefined
}

export function parseYaml(text: string, problems: Problems): ParsedYaml {
  const lineCounter = new LineCounter()
  // Core schema (YAML 1.2): `on`/`yes` stay strings, unlike YAML 1.1. Duplicate keys are errors.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, schema: 'core', uniqueKeys: true })
  for (const e of doc.errors) {
    const at = lineCounter.linePos(e.pos[0])
    const message = e.code === 'DUPLICATE_KEY'
      ? `duplicate key ${JSON.stringify(keyAt(text, e.pos[0]))}; a key may appear only once in a mapping, remove or merge one`
      : `YAML syntax: ${firstLine(e.message)}`
    problems.add({ path: [], message, severity: 'error', line: at.line, col: at.col })
  }
  const locate = (path: DocPath, atKey = false): { line: number; col: number } | undefined => {
    const offset = offsetOf(doc.contents, path, atKey)
    return offset === undefined ? undefined : lineCounter.linePos(offset)
  }
  return { doc, locate }
}

/** The key text starting at an offset, up to its colon. */
function keyAt(text: string, offset: number): string {
  return (/^[^:\n]+/.exec(text.slice(offset))?.[0] ?? '').trim()
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '')
}

/** Walks the node tree; a path segment missing in the document stops at its parent. */
function offsetOf(root: unknown, path: DocPath, atKey: boolean): number | undefined {
  let node: unknown = root
  let offset = rangeStart(node)
  for (let i = 0; i < path.length; i++) {
    const segment = path[i]
    const last = i === path.length - 1
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === segment)
      if (pair === undefined) return offset
      if (last && atKey) return rangeStart(pair.key) ?? offset
      // A key with no value (`timeout:`) has no value node: point at the key.
      node = pair.value
      offset = rangeStart(node) ?? rangeStart(pair.key) ?? offset
      if (node === null) return offset
    } else if (isSeq(node)) {
      const item = node.items[Number(segment)]
      if (item === undefined) return offset
      node = item
      offset = rangeStart(node) ?? offset
    } else {
      return offset
    }
  }
  return offset
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range
  return range === undefined || range === null ? undefined : range[0]
}

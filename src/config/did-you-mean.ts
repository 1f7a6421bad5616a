// "did you mean" suggestions for misspelt keys and names, by edit distance.

/** Levenshtein distance, case-insensitive: `introspectionURL` is one fix from `introspectionUrl`. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase()
  const t = b.toLowerCase()
  let previous = Array.from({ length: t.length + 1 }, (_, j) => j)
  for (let i = 1; i <= s.length; i++) {
    const current = [i]
    for (let j = 1; j <= t.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (s[i - 1] === t[j - 1] ? 0 : 1)
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution)
    }
    previous = current
  }
  return previous[t.length] ?? 0
}

/** The closest candidate, if it is close enough to be the likely intent. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const limit = Math.max(2, Math.floor(word.length / 3))
  let best: string | undefined
  let bestDistance = Infinity
  for (const candidate of candidates) {
    const d = editDistance(word, candidate)
    if (d < bestDistance) {
      best = candidate
      bestDistance = d
    }
  }
  return bestDistance <= limit ? best : undefined
}

/** `; did you mean "x"?` or `; allowed: a, b` — the fix part of a message. */
export function suggestion(word: string, candidates: readonly string[], noun = 'allowed keys'): string {
  const best = closest(word, candidates)
  if (best !== undefined) return `; did you mean "${best}"?`
  return candidates.length === 0 ? '' : `; ${noun}: ${candidates.join(', ')}`
}

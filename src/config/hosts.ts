// Host patterns a route may name: `*`, an exact host, or a left-most `*.` wildcard, with an
// optional `:port`. Anything looser (`api.*`, `a*.example.com`) would be a second matching
// language that reviewers must learn; Envoy and Gloo draw the same line.

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?'
const HOSTNAME = `${LABEL}(?:\\.${LABEL})*`
const IPV6 = '\\[[0-9a-f:.]+\\]'
const PORT = '(?::([0-9]{1,5}))?'
const EXACT = new RegExp(`^(?:${HOSTNAME}|${IPV6})${PORT}$`)
const WILDCARD = new RegExp(`^\\*\\.${HOSTNAME}${PORT}$`)

/** Undefined when the pattern is acceptable (after lower-casing); otherwise what is wrong and the fix. */
export function hostPatternProblem(pattern: string): string | undefined {
  const host = pattern.toLowerCase()
  if (host === '*') return undefined
  if (host.startsWith('*:')) return `host "${pattern}": "*" takes no port; write "*" or name the host, e.g. "api.example.com:8443"`
  const m = EXACT.exec(host) ?? WILDCARD.exec(host)
  if (m === null) {
    const fix = host.includes('*')
      ? 'a wildcard may only be the whole left-most label, as in "*.example.com"'
      : host.endsWith('.') ? 'drop the trailing dot' : 'write a host name like "api.example.com", optionally with ":port"'
    return `host "${pattern}" is not a valid host pattern; ${fix}`
  }
  const port = m[1]
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return `host "${pattern}": port must be 1-65535`
  return undefined
}

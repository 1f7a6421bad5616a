// RFC 3986 character classes as one lookup table, built once at load, and dot-segment removal.
// The request-target scan runs on every request, so it costs one array read per byte.

export const CHAR = {
  /** May appear raw in a path: pchar without `%` (checked apart) and `;` (refused), plus `/`. */
  PATH: 1,
  /** May appear raw in a query (RFC 3986 §3.4): pchar / "/" / "?", without `%`. */
  QUERY: 2,
  /** RFC 3986 §2.3: ALPHA DIGIT - . _ ~ */
  UNRESERVED: 4,
} as const

const ALPHA = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
const DIGIT = '0123456789'

const CLASSES = new Uint8Array(128)
function mark(chars: string, bits: number): void {
  for (let i = 0; i < chars.length; i++) {
    const c = chars.charCodeAt(i)
    CLASSES[c] = (CLASSES[c] ?? 0) | bits
  }
}
mark(`${ALPHA}${DIGIT}-._~`, CHAR.PATH | CHAR.QUERY | CHAR.UNRESERVED)
mark("!$&'()*+,=", CHAR.PATH | CHAR.QUERY) // sub-delims (RFC 3986 §2.2) without ";"
mark(';', CHAR.QUERY)
mark(':@/', CHAR.PATH | CHAR.QUERY)
mark('?', CHAR.QUERY)
// Widely sent unencoded in queries (`filter[name]=x`, `a|b`; `"` stays refused) though RFC 3986 wants them escaped;
// the query never decides routing by path, so accepting them costs no safety.
mark('[]{}|^`', CHAR.QUERY)

/** Bits of CHAR for a UTF-16 code unit; 0 for controls, non-ASCII and out-of-range reads (NaN). */
export function charClass(c: number): number {
  return CLASSES[c] ?? 0
}

/** 0–15 for an ASCII hex digit, -1 otherwise (including NaN past the end of a string). */
export function hexDigitValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30
  if (c >= 0x41 && c <= 0x46) return c - 0x37
  if (c >= 0x61 && c <= 0x66) return c - 0x57
  return -1
}

/**
 * RFC 3986 §5.2.4 on an absolute path, with runs of `/` merged first: the result starts with
 * `/`, has no empty, `.` or `..` segment, and never climbs above the root (`/..` → `/`). A
 * trailing `/` — written, or left by a final `.`/`..` as §5.2.4 leaves it — is kept.
 */
export function removeDotSegments(path: string): string {
  const segments = path.split('/')
  const out: string[] = []
  // segments[0] is the empty string before the leading `/`.
  for (let i = 1; i < segments.length; i++) {
    const segment = segments[i]
    if (segment === '..') out.pop()
    else if (segment !== '.' && segment !== '' && segment !== undefined) out.push(segment)
  }
  const last = segments[segments.length - 1]
  const trailingSlash = out.length > 0 && (last === '' || last === '.' || last === '..')
  return `/${out.join('/')}${trailingSlash ? '/' : ''}`
}

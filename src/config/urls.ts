// URLs the gateway calls: upstream origins and introspection endpoints.

export interface UrlCheck {
  readonly url?: URL
  readonly problem?: string
}

/**
 * An upstream base: http or https, no userinfo (credentials in a config URL end up in logs), no
 * query or fragment (the client's query is appended to the path; there is nothing to merge with).
 */
export function checkUpstreamUrl(text: string): UrlCheck {
  const parsed = parseHttpUrl(text)
  if (parsed.problem !== undefined || parsed.url === undefined) return parsed
  const url = parsed.url
  if (url.username !== '' || url.password !== '') return { problem: `"${masked(text)}" must not contain user:password@; upstream credentials do not belong in the URL` }
  if (text.includes('?') || text.includes('#')) return { problem: `"${text}" must not have a query or fragment; give an origin with an optional base path, e.g. http://127.0.0.1:9080/api` }
  return { url }
}

/** An introspection endpoint (RFC 7662 §2): http or https; the client sends its own credentials. */
export function checkIntrospectionUrl(text: string): UrlCheck {
  const parsed = parseHttpUrl(text)
  if (parsed.url !== undefined && (parsed.url.username !== '' || parsed.url.password !== '')) {
    return { problem: `"${masked(text)}" must not contain user:password@; use introspection.clientId and clientSecret` }
  }
  return parsed
}

/** Problems are printed and logged: never echo a password. */
function masked(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/i, '$1:***@')
}

function parseHttpUrl(text: string): UrlCheck {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return { problem: `"${text}" is not a valid URL; write an absolute http:// or https:// URL, e.g. http://127.0.0.1:9080` }
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { problem: `"${text}" uses ${url.protocol.slice(0, -1)}; only http:// and https:// are supported` }
  }
  return { url }
}

/** `http://h:1/a/b/` → origin `http://h:1`, base path `/a/b`; `http://h:1/` → base path ''. */
export function splitOrigin(url: URL): { origin: string; basePath: string } {
  return { origin: url.origin, basePath: url.pathname.replace(/\/+$/, '') }
}

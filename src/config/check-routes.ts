// Route checks beyond the schema: references, names, matcher kinds, patterns, hosts.
import type { MatcherDocument, RouteDocument } from './schema.js'
import { hostPatternProblem } from './hosts.js'
import { compileAnchored } from './regex.js'
import type { DocPath, Problems } from './problems.js'
import type { Shape } from './shape.js'
import { soundItems } from './shape.js'

const URI_KINDS = ['prefix', 'exact', 'regex'] as const

export function checkRoutes(routes: unknown, upstreamNames: readonly string[] | undefined, shape: Shape, problems: Problems): void {
  const seen = new Map<string, number>()
  for (const { item: route, index, path } of soundItems<RouteDocument>(routes, ['routes'], shape)) {
    const first = seen.get(route.name)
    if (first === undefined) seen.set(route.name, index)
    else problems.error([...path, 'name'], `duplicate route name "${route.name}" (also routes.${first}); route names must be unique`)

    if (upstreamNames !== undefined && !upstreamNames.includes(route.forwardTo.upstream)) {
      const defined = upstreamNames.length === 0 ? 'no upstreams are defined' : `defined upstreams: ${upstreamNames.join(', ')}`
      problems.error([...path, 'forwardTo', 'upstream'], `upstream "${route.forwardTo.upstream}" is not defined; ${defined}`)
    }
    route.hosts?.forEach((host, i) => {
      const problem = hostPatternProblem(host)
      if (problem !== undefined) problems.error([...path, 'hosts', String(i)], problem)
    })
    route.matchers?.forEach((m, i) => checkMatcher(m, [...path, 'matchers', String(i)], problems))
    checkPathRewrite(route, path, problems)
  }
}

function checkMatcher(matcher: MatcherDocument, path: DocPath, problems: Problems): void {
  const uri = matcher.uri
  if (uri !== undefined) {
    const kinds = URI_KINDS.filter((k) => uri[k] !== undefined)
    if (kinds.length !== 1) {
      const what = kinds.length === 0 ? 'none' : kinds.join(' and ')
      problems.error([...path, 'uri'], `uri needs exactly one of prefix, exact or regex (found ${what}); omit uri to match every path`)
    }
    for (const kind of ['prefix', 'exact'] as const) {
      const value = uri[kind]
      if (value !== undefined && !value.startsWith('/')) problems.error([...path, 'uri', kind], `${kind} "${value}" must start with "/"; write "/${value}"`)
    }
    if (uri.regex !== undefined) {
      const { problem } = compileAnchored(uri.regex, uri.ignoreCase === true)
      if (problem !== undefined) problems.error([...path, 'uri', 'regex'], problem)
    }
  }
  const valued: Array<[string, { value?: string; regex?: boolean }[] | undefined]> = [['headers', matcher.headers], ['queryParameters', matcher.queryParameters]]
  for (const [key, list] of valued) {
    list?.forEach((m, i) => {
      if (m.regex !== true) return
      const at = [...path, key, String(i)]
      if (m.value === undefined) problems.error(at, 'regex: true needs a value to match; add value or drop regex')
      else {
        const { problem } = compileAnchored(m.value)
        if (problem !== undefined) problems.error([...at, 'value'], problem)
      }
    })
  }
}

/** `pathRewrite` replaces the matched prefix, so every matcher must have one. */
function checkPathRewrite(route: RouteDocument, path: DocPath, problems: Problems): void {
  const rewrite = route.forwardTo.pathRewrite
  if (rewrite === undefined) return
  const at = [...path, 'forwardTo', 'pathRewrite']
  if (!rewrite.startsWith('/')) problems.error(at, `pathRewrite "${rewrite}" must start with "/"`)
  const matchers = route.matchers ?? []
  const withoutPrefix = matchers.filter((m) => m.uri?.prefix === undefined)
  if (matchers.length === 0 || withoutPrefix.length > 0) {
    problems.error(at, 'pathRewrite replaces the matched prefix, so every matcher of this route needs uri.prefix; use a prefix matcher or drop pathRewrite')
  }
}

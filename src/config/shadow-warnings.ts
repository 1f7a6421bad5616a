// `validate` warns about a route that an earlier route matches completely: it can never be
// reached, which is almost always a mistake in the order of the file.
import type { ConfigProblem } from '../errors.js'
import { findShadowedRoutes } from '../routing/shadowing.js'
import type { LoadResult } from './load.js'

export function shadowWarnings(result: LoadResult): ConfigProblem[] {
  const { routes, file } = result.config
  return findShadowedRoutes(routes).map(({ route, shadowedBy }) => {
    const path = `routes.${route}`
    const at = result.locate(path)
    return {
      file,
      path,
      ...(at === undefined ? {} : { line: at.line, col: at.col }),
      severity: 'warning' as const,
      message: `route "${routes[route]?.name}" is never reached: route "${routes[shadowedBy]?.name}" (routes.${shadowedBy}) matches every request it would; move it above, or narrow the earlier route`,
    }
  })
}

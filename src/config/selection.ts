// Which routes a policy protects (Gloo's applyToRoutes by labels) and the rules on that: at most
// one policy per route, and with `server.requireAuth` no route left open.
import type { PolicyDocument, RouteDocument } from './schema.js'
import type { Problems } from './problems.js'

type Labels = Readonly<Record<string, string>>

/** A selector matches when the route's labels contain all its pairs; no applyToRoutes → every route. */
export function policySelects(policy: Pick<PolicyDocument, 'applyToRoutes'>, routeLabels: Labels | undefined): boolean {
  if (policy.applyToRoutes === undefined) return true
  const labels = routeLabels ?? {}
  return policy.applyToRoutes.some((a) => Object.entries(a.route.labels).every(([k, v]) => labels[k] === v))
}

/** The policy name for each route index (routes without one are absent). */
export function assignPolicies(routes: readonly RouteDocument[], policies: readonly PolicyDocument[]): Map<number, string> {
  const byRoute = new Map<number, string>()
  routes.forEach((route, r) => {
    const policy = policies.find((p) => policySelects(p, route.labels))
    if (policy !== undefined) byRoute.set(r, policy.name)
  })
  return byRoute
}

/** Run only on a document whose routes and policies all have their declared shape. */
export function checkSelection(routes: readonly RouteDocument[], policies: readonly PolicyDocument[], requireAuth: boolean, problems: Problems): void {
  const owner = new Map<number, number>()
  policies.forEach((policy, p) => {
    const at = policy.applyToRoutes === undefined ? ['policies', String(p), 'name'] : ['policies', String(p), 'applyToRoutes']
    let selected = 0
    routes.forEach((route, r) => {
      if (!policySelects(policy, route.labels)) return
      selected++
      const earlier = owner.get(r)
      if (earlier === undefined) {
        owner.set(r, p)
        return
      }
      const first = policies[earlier]?.name ?? ''
      problems.error(at, `route "${route.name}" is selected by both policy "${first}" and policy "${policy.name}"; a route may have at most one policy — narrow applyToRoutes with labels`)
    })
    if (selected === 0) {
      problems.warning(at, `policy "${policy.name}" selects no route, so it protects nothing; check the labels in applyToRoutes`)
    }
  })
  if (!requireAuth) return
  routes.forEach((route, r) => {
    if (owner.has(r)) return
    problems.error(['routes', String(r)], `route "${route.name}" has no policy but server.requireAuth is true; give it labels a policy selects, or set requireAuth: false`)
  })
}

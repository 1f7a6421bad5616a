// The validated document to the runtime GatewayConfig: defaults filled in, durations in
// milliseconds, names lower-cased where HTTP says they are case-insensitive, policies assigned.
import type { ConfigDocument, MatcherDocument, RouteDocument } from './schema.js'
import type { GatewayConfig, LogLevel, MatcherConfig, RouteConfig, UpstreamConfig, UriMatch } from './types.js'
import * as D from '../defaults.js'
import { parseDuration } from './duration.js'
import { splitOrigin } from './urls.js'
import { assignPolicies } from './selection.js'
import { compilePolicy } from './compile-policy.js'
import { deepFreeze } from './deep-freeze.js'

export interface CompileInput {
  readonly doc: ConfigDocument
  /** Absolute path of the config file. */
  readonly file: string
  /** Client secrets read from clientSecretFile, by policy index. */
  readonly secrets: ReadonlyMap<number, string>
  /** LOG_LEVEL from the environment, already checked; it wins over the file. */
  readonly envLogLevel?: LogLevel
}

const ms = (value: string | number | undefined, fallback: number): number => (value === undefined ? fallback : parseDuration(value))

export function compileConfig({ doc, file, secrets, envLogLevel }: CompileInput): GatewayConfig {
  const server = doc.server ?? {}
  const limits = server.limits ?? {}
  const admin = doc.admin ?? {}
  const policies = doc.policies ?? []
  const policyOf = assignPolicies(doc.routes, policies)
  return deepFreeze({
    file,
    server: {
      host: server.host ?? D.DEFAULT_SERVER_HOST,
      port: server.port ?? D.DEFAULT_SERVER_PORT,
      requireAuth: server.requireAuth ?? false,
      shutdownGraceMs: ms(server.shutdownGracePeriod, D.DEFAULT_SHUTDOWN_GRACE_MS),
      headersTimeoutMs: ms(limits.headersTimeout, D.DEFAULT_HEADERS_TIMEOUT_MS),
      requestTimeoutMs: ms(limits.requestTimeout, D.DEFAULT_REQUEST_TIMEOUT_MS),
      keepAliveTimeoutMs: ms(limits.keepAliveTimeout, D.DEFAULT_KEEP_ALIVE_TIMEOUT_MS),
      maxHeaderBytes: limits.maxHeaderBytes ?? D.DEFAULT_MAX_HEADER_BYTES,
      bodyLimitBytes: limits.bodyLimitBytes ?? D.DEFAULT_BODY_LIMIT_BYTES,
    },
    admin: {
      enabled: admin.enabled ?? true,
      host: admin.host ?? D.DEFAULT_ADMIN_HOST,
      port: admin.port ?? D.DEFAULT_ADMIN_PORT,
    },
    // The schema admits only the LogLevel names; TypeBox types the mapped literals as string.
    logLevel: envLogLevel ?? (doc.log?.level as LogLevel | undefined) ?? D.DEFAULT_LOG_LEVEL,
    upstreams: new Map(Object.entries(doc.upstreams).map(([name, u]) => [name, compileUpstream(name, u)])),
    routes: doc.routes.map((route, index) => compileRoute(route, index, policyOf.get(index))),
    policies: new Map(policies.map((p, i) => [p.name, compilePolicy(p, secrets.get(i))])),
  })
}

function compileUpstream(name: string, u: ConfigDocument['upstreams'][string]): UpstreamConfig {
  return {
    name,
    ...splitOrigin(new URL(u.url)),
    timeoutMs: ms(u.timeout, D.DEFAULT_UPSTREAM_TIMEOUT_MS),
    connectTimeoutMs: ms(u.connectTimeout, D.DEFAULT_UPSTREAM_CONNECT_TIMEOUT_MS),
    maxConnections: u.maxConnections ?? D.DEFAULT_UPSTREAM_MAX_CONNECTIONS,
  }
}

function compileRoute(route: RouteDocument, index: number, policy: string | undefined): RouteConfig {
  return {
    name: route.name,
    index,
    labels: { ...route.labels },
    hosts: (route.hosts ?? ['*']).map((h) => h.toLowerCase()),
    matchers: (route.matchers ?? []).map(compileMatcher),
    upstream: route.forwardTo.upstream,
    ...(route.forwardTo.pathRewrite === undefined ? {} : { pathRewrite: route.forwardTo.pathRewrite }),
    preserveHost: route.forwardTo.preserveHost ?? false,
    ...(policy === undefined ? {} : { policy }),
  }
}

function compileMatcher(m: MatcherDocument): MatcherConfig {
  return {
    uri: compileUri(m.uri),
    ...(m.methods === undefined ? {} : { methods: m.methods.map((x) => x.toUpperCase()) }),
    headers: (m.headers ?? []).map((h) => ({
      name: h.name.toLowerCase(),
      ...(h.value === undefined ? {} : { value: h.value }),
      regex: h.regex ?? false,
      invertMatch: h.invertMatch ?? false,
    })),
    queryParameters: (m.queryParameters ?? []).map((q) => ({
      name: q.name,
      ...(q.value === undefined ? {} : { value: q.value }),
      regex: q.regex ?? false,
    })),
  }
}

function compileUri(uri: MatcherDocument['uri']): UriMatch {
  if (uri === undefined) return { kind: 'any' }
  const ignoreCase = uri.ignoreCase ?? false
  if (uri.prefix !== undefined) return { kind: 'prefix', value: uri.prefix, ignoreCase }
  if (uri.exact !== undefined) return { kind: 'exact', value: uri.exact, ignoreCase }
  return { kind: 'regex', value: uri.regex ?? '', ignoreCase }
}

// What the schema does not say about a field: its default (from src/defaults.ts, so the reference
// cannot drift from the code) and, where schema.ts has none, a description. Keys are reference
// paths: `[]` for list items, `<name>` for map entries.
import * as D from '../defaults.js'

export interface FieldDoc {
  readonly default?: unknown
  readonly description?: string
}

/** `600000` → `10m`: defaults are shown in the form users write them. */
export function formatDurationMs(ms: number): string {
  if (ms === 0) return '0'
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1_000]] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`
  }
  return `${ms}ms`
}

const d = formatDurationMs
const ATV = 'policies[].config.oauth2.accessTokenValidation'

export const FIELD_DOCS: Readonly<Record<string, FieldDoc>> = {
  '$schema': { description: 'Ignored by tokengate; lets editors find this schema.' },
  'server': { description: 'The traffic listener.' },
  'server.port': { default: D.DEFAULT_SERVER_PORT, description: 'Port of the traffic listener.' },
  'server.host': { default: D.DEFAULT_SERVER_HOST },
  'server.requireAuth': { default: false },
  'server.shutdownGracePeriod': { default: d(D.DEFAULT_SHUTDOWN_GRACE_MS), description: 'On SIGTERM/SIGINT, how long in-flight requests may finish before connections are cut.' },
  'server.limits': { description: 'Limits on what a client may send.' },
  'server.limits.headersTimeout': { default: d(D.DEFAULT_HEADERS_TIMEOUT_MS), description: 'Time a client has to send the request headers.' },
  'server.limits.requestTimeout': { default: d(D.DEFAULT_REQUEST_TIMEOUT_MS), description: 'Time a client has to send the whole request.' },
  'server.limits.keepAliveTimeout': { default: d(D.DEFAULT_KEEP_ALIVE_TIMEOUT_MS), description: 'How long an idle client connection is kept open.' },
  'server.limits.maxHeaderBytes': { default: D.DEFAULT_MAX_HEADER_BYTES, description: 'Largest request head accepted, in bytes.' },
  'server.limits.bodyLimitBytes': { default: D.DEFAULT_BODY_LIMIT_BYTES, description: 'Largest request body accepted, in bytes.' },
  'admin': { description: 'The admin listener (/healthz, /readyz, /metrics); never proxied.' },
  'admin.enabled': { default: true, description: 'false turns the admin listener off.' },
  'admin.host': { default: D.DEFAULT_ADMIN_HOST, description: 'Address the admin listener binds; keep it private.' },
  'log': { description: 'Logging.' },
  'log.level': { default: D.DEFAULT_LOG_LEVEL, description: 'pino log level; the LOG_LEVEL environment variable wins.' },
  'upstreams': { description: 'The services behind the gateway, by name.' },
  'upstreams.<name>.timeout': { default: d(D.DEFAULT_UPSTREAM_TIMEOUT_MS), description: 'Time the upstream has to answer (then 504).' },
  'upstreams.<name>.connectTimeout': { default: d(D.DEFAULT_UPSTREAM_CONNECT_TIMEOUT_MS), description: 'Time to open a connection (then 502).' },
  'upstreams.<name>.maxConnections': { default: D.DEFAULT_UPSTREAM_MAX_CONNECTIONS, description: 'Keep-alive pool size.' },
  'routes': { description: 'Tried in file order; the first match wins.' },
  'routes[].name': { description: 'Unique; appears in logs and metrics.' },
  'routes[].hosts': { default: ['*'], description: '"*", an exact host ("api.example.com") or a left-most wildcard ("*.example.com"), optionally with ":port"; case-insensitive.' },
  'routes[].matchers': { description: 'Any matcher may match; none means every request on the route\'s hosts.' },
  'routes[].matchers[].uri': { description: 'Exactly one of prefix, exact or regex; omitted means any path.' },
  'routes[].matchers[].uri.prefix': { description: 'Path prefix, starting with "/".' },
  'routes[].matchers[].uri.exact': { description: 'Whole path, starting with "/".' },
  'routes[].matchers[].methods': { description: 'Upper-case HTTP methods; omitted means any.' },
  'routes[].matchers[].headers': { description: 'All must match.' },
  'routes[].matchers[].headers[].value': { description: 'Omitted: the header must be present.' },
  'routes[].matchers[].headers[].regex': { default: false },
  'routes[].matchers[].queryParameters': { description: 'All must match.' },
  'routes[].matchers[].queryParameters[].regex': { default: false, description: 'Treat value as a regex anchored to the whole value.' },
  'routes[].forwardTo': { description: 'Where matching requests go.' },
  'routes[].forwardTo.upstream': { description: 'Name of an entry in upstreams.' },
  'routes[].forwardTo.preserveHost': { default: false, description: 'Forward the client\'s Host instead of the upstream\'s.' },
  'policies': { description: 'Access-token policies (Gloo\'s ExtAuthPolicy); a route without one is open.' },
  'policies[].name': { description: 'Unique; appears in logs.' },
  'policies[].applyToRoutes': { description: 'Routes whose labels contain all the given pairs; omitted means every route. At most one policy per route.' },
  [`${ATV}.introspectionUrl`]: { description: 'RFC 7662 endpoint, unauthenticated (Gloo\'s shorthand). At most one of this or introspection; jwt may stand in for both.' },
  [`${ATV}.introspection`]: { description: 'RFC 7662 endpoint with client credentials (HTTP Basic, RFC 6749 §2.3.1).' },
  [`${ATV}.introspection.userIdAttributeName`]: { description: 'Claim that must be present and, with userIdHeader, is forwarded; `sub` when userIdHeader is set.' },
  [`${ATV}.introspection.disableClientSecret`]: { default: false, description: 'Authenticate with clientId alone.' },
  [`${ATV}.requiredScopes`]: { description: 'All must be in the token\'s scope.' },
  [`${ATV}.requiredAudiences`]: { description: 'Accepted audiences, checked against the token\'s aud (a string or a list).' },
  [`${ATV}.trustedIssuers`]: { description: 'Accepted issuers, checked against the token\'s iss.' },
  [`${ATV}.cacheTimeout`]: { default: d(D.DEFAULT_CACHE_TIMEOUT_MS), description: 'How long an active answer is cached; never past the token\'s exp; 0 disables.' },
  [`${ATV}.inactiveCacheTimeout`]: { default: d(D.DEFAULT_INACTIVE_CACHE_TIMEOUT_MS), description: 'How long an inactive answer is cached; 0 disables.' },
  [`${ATV}.timeout`]: { default: d(D.DEFAULT_INTROSPECTION_TIMEOUT_MS), description: 'Time the introspection call may take (then statusOnError).' },
  [`${ATV}.clockSkew`]: { default: d(D.DEFAULT_CLOCK_SKEW_MS), description: 'Tolerance when checking exp and nbf.' },
  [`${ATV}.deniedStatus`]: { default: D.DEFAULT_DENIED_STATUS, description: '403 as in the Gloo guide; 401 for strict RFC 6750.' },
  [`${ATV}.statusOnError`]: { default: D.DEFAULT_STATUS_ON_ERROR, description: 'Status when the introspection endpoint fails; the request is never proxied.' },
  [`${ATV}.realm`]: { default: D.DEFAULT_REALM, description: 'realm in WWW-Authenticate (RFC 6750 §3).' },
  [`${ATV}.tokenSource`]: { default: { header: 'authorization' } },
  [`${ATV}.claimsToHeaders`]: { description: 'Claims copied to request headers; the client\'s own values of these headers are removed first.' },
  [`${ATV}.userIdHeader`]: { description: 'Header that receives the userIdAttributeName claim.' },
  'admin.port': { default: D.DEFAULT_ADMIN_PORT, description: 'Port of the admin listener.' },
  'routes[].matchers[].uri.ignoreCase': { default: false, description: 'Compare the path case-insensitively.' },
  'routes[].matchers[].headers[].invertMatch': { default: false, description: 'Match when the header does not match.' },
  'routes[].matchers[].queryParameters[].name': { description: 'Query parameter name, compared exactly.' },
  'routes[].matchers[].queryParameters[].value': { description: 'Omitted: the parameter must be present.' },
  'policies[].applyToRoutes[].route': { description: 'A route selector.' },
  'policies[].config': { description: 'What the policy enforces.' },
  'policies[].config.oauth2': { description: 'OAuth 2.0 checks.' },
  [ATV]: { description: 'Gloo\'s access-token validation by introspection (RFC 7662).' },
  [`${ATV}.introspection.introspectionUrl`]: { description: 'http:// or https:// URL of the RFC 7662 endpoint.' },
  [`${ATV}.introspection.clientId`]: { description: 'Client id for HTTP Basic at the endpoint.' },
  [`${ATV}.introspection.clientSecret`]: { description: 'Client secret; write ${ENV_VAR} rather than the secret itself. Exclusive with clientSecretFile.' },
  [`${ATV}.introspection.clientSecretFile`]: { description: 'File holding the client secret (e.g. a mounted Kubernetes secret), relative to this file; a trailing newline is ignored.' },
  [`${ATV}.cacheMaxEntries`]: { default: D.DEFAULT_CACHE_MAX_ENTRIES, description: 'Most introspection answers kept in the cache (and most verified JWTs in the JWT cache); a bound, not a reservation: memory grows with the entries held (~170 B per introspection answer at 100 000).' },
  [`${ATV}.maxTokenLength`]: { default: D.DEFAULT_MAX_TOKEN_LENGTH, description: 'Longer tokens are refused without an introspection call.' },
  [`${ATV}.tokenSource.header`]: { description: 'A header carrying the bare token; "authorization" means Authorization: Bearer.' },
  [`${ATV}.tokenSource.queryParameter`]: { description: 'A query parameter (RFC 6750 §2.3 uses access_token).' },
  [`${ATV}.tokenSource.cookie`]: { description: 'A cookie carrying the token.' },
  [`${ATV}.claimsToHeaders[].claim`]: { description: 'Claim name in the introspection response.' },
  [`${ATV}.claimsToHeaders[].header`]: { description: 'Request header to set; hop-by-hop, host, authorization, cookie and framing headers are refused.' },
  [`${ATV}.claimsToHeaders[].append`]: { default: false, description: 'Append to an existing value instead of replacing it.' },
  [`${ATV}.stripAuthorization`]: { default: false, description: 'Do not forward the client\'s Authorization header.' },
  [`${ATV}.protection`]: { description: 'Limits on the calls to the introspection endpoint, shared by every policy with the same URL and clientId and the same limits (issue 7).' },
  [`${ATV}.protection.maxConcurrent`]: { default: D.DEFAULT_INTROSPECTION_MAX_CONCURRENT, description: 'Introspection calls in flight at once.' },
  [`${ATV}.protection.maxQueued`]: { default: D.DEFAULT_INTROSPECTION_MAX_QUEUED, description: 'Calls that may wait for a slot; past it the request is answered statusOnError at once.' },
  [`${ATV}.protection.failureThreshold`]: { default: D.DEFAULT_INTROSPECTION_FAILURE_THRESHOLD, description: 'Consecutive failed calls that open the circuit breaker.' },
  [`${ATV}.protection.coolDown`]: { default: d(D.DEFAULT_INTROSPECTION_COOL_DOWN_MS), description: 'How long an open circuit answers statusOnError without calling; then one probe call is let through.' },
  [`${ATV}.jwt`]: { description: 'JWT access tokens (RFC 9068) verified locally with a JWK Set (Gloo\'s jwt); with introspection too, only JWT-shaped tokens are verified locally.' },
  [`${ATV}.jwt.remoteJwks`]: { description: 'A JWK Set fetched over HTTP and cached; an unknown kid triggers a rate-limited refetch. Exactly one of remoteJwks or localJwks.' },
  [`${ATV}.jwt.remoteJwks.refreshInterval`]: { default: d(D.DEFAULT_JWKS_REFRESH_INTERVAL_MS), description: 'How long a fetched JWK Set is used before it is fetched again; keys already fetched keep working while the endpoint is down.' },
  [`${ATV}.jwt.localJwks`]: { description: 'A JWK Set given in this file.' },
  [`${ATV}.jwt.issuer`]: { description: 'The iss a token must carry.' },
  [`${ATV}.jwt.audiences`]: { description: 'The token\'s aud must contain at least one of these.' },
  [`${ATV}.jwt.algorithms`]: { default: [...D.DEFAULT_JWT_ALGORITHMS], description: 'Accepted JWS algorithms; none and HMAC (HS*) are refused.' },
  [`${ATV}.jwt.clockSkew`]: { description: 'Tolerance for exp, nbf and iat; the policy\'s clockSkew when omitted.' },
  [`${ATV}.jwt.requireTyp`]: { default: false, description: 'true: the typ header must be at+jwt (RFC 9068 §4). false: a typ, when present, must be at+jwt or JWT.' },
}

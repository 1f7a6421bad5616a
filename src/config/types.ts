// The configuration after loading: defaults filled in, durations in milliseconds, secrets read,
// references resolved, everything frozen. The rest of tokengate sees only these types.

export type Milliseconds = number

export interface ServerConfig {
  readonly host: string
  readonly port: number
  readonly requireAuth: boolean
  readonly shutdownGraceMs: Milliseconds
  readonly headersTimeoutMs: Milliseconds
  readonly requestTimeoutMs: Milliseconds
  readonly keepAliveTimeoutMs: Milliseconds
  readonly maxHeaderBytes: number
  readonly bodyLimitBytes: number
}

export interface AdminConfig {
  readonly enabled: boolean
  readonly host: string
  readonly port: number
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'

export interface UpstreamConfig {
  readonly name: string
  /** Origin only, e.g. `http://127.0.0.1:9080`. */
  readonly origin: string
  /** Base path from the URL, without a trailing slash; '' when the URL has none. */
  readonly basePath: string
  readonly timeoutMs: Milliseconds
  readonly connectTimeoutMs: Milliseconds
  readonly maxConnections: number
}

export type UriMatch =
  | { readonly kind: 'prefix'; readonly value: string; readonly ignoreCase: boolean }
  | { readonly kind: 'exact'; readonly value: string; readonly ignoreCase: boolean }
  | { readonly kind: 'regex'; readonly value: string; readonly ignoreCase: boolean }
  | { readonly kind: 'any' }

export interface HeaderMatch {
  /** Lower-case header name. */
  readonly name: string
  /** Undefined: the header must be present (or absent when inverted). */
  readonly value?: string
  readonly regex: boolean
  readonly invertMatch: boolean
}

export interface QueryParameterMatch {
  readonly name: string
  readonly value?: string
  readonly regex: boolean
}

export interface MatcherConfig {
  readonly uri: UriMatch
  /** Upper-case methods; undefined: any method. */
  readonly methods?: readonly string[]
  readonly headers: readonly HeaderMatch[]
  readonly queryParameters: readonly QueryParameterMatch[]
}

export interface RouteConfig {
  readonly name: string
  /** Position in the file; first match wins. */
  readonly index: number
  readonly labels: Readonly<Record<string, string>>
  /** Lower-case host patterns: `*`, `api.example.com`, `*.example.com`, optionally with `:port`. */
  readonly hosts: readonly string[]
  /** Empty: matches every request on its hosts. */
  readonly matchers: readonly MatcherConfig[]
  readonly upstream: string
  readonly pathRewrite?: string
  readonly preserveHost: boolean
  /** Name of the policy that protects this route, if any. */
  readonly policy?: string
}

export type TokenSource =
  | { readonly kind: 'authorization' }
  | { readonly kind: 'header'; readonly name: string }
  | { readonly kind: 'query'; readonly name: string }
  | { readonly kind: 'cookie'; readonly name: string }

export interface ClaimToHeader {
  readonly claim: string
  /** Lower-case header name. */
  readonly header: string
  readonly append: boolean
}

export interface IntrospectionConfig {
  readonly url: string
  readonly clientId?: string
  /** Read from the file or the environment at load; never logged. */
  readonly clientSecret?: string
  readonly userIdAttributeName?: string
  readonly timeoutMs: Milliseconds
}

/** Where JWT signing keys come from (RFC 7517 JWK Set): fetched and cached, or inline. */
export type JwksSource =
  | { readonly kind: 'remote'; readonly url: string; readonly refreshIntervalMs: Milliseconds; readonly timeoutMs: Milliseconds }
  | { readonly kind: 'local'; readonly jwks: { readonly keys: readonly Readonly<Record<string, unknown>>[] } }

/** Local validation of JWT access tokens (RFC 9068), Gloo's `accessTokenValidation.jwt`. */
export interface JwtConfig {
  readonly jwks: JwksSource
  /** `iss` must equal this when set. */
  readonly issuer?: string
  /** `aud` must contain at least one of these when non-empty. */
  readonly audiences: readonly string[]
  /** Asymmetric JWS algorithms only; never `none` or HMAC. */
  readonly algorithms: readonly string[]
  readonly clockSkewMs: Milliseconds
  /** true: `typ` must be `at+jwt` (RFC 9068 §4); false: a `typ`, when present, must not name another kind of JWT. */
  readonly requireTyp: boolean
  /** Same meaning as IntrospectionConfig.userIdAttributeName, for JWT-validated tokens. */
  readonly userIdAttributeName?: string
}

/** Issue 7: how hard tokengate may lean on one introspection endpoint (per URL and client id). */
export interface IntrospectionProtection {
  /** Introspection calls in flight at once; past it calls wait in the queue. */
  readonly maxConcurrent: number
  /** Calls that may wait; past it the request is answered `statusOnError` at once. */
  readonly maxQueued: number
  /** Consecutive failed calls that open the circuit. */
  readonly failureThreshold: number
  /** How long an open circuit fails fast before one probe call is let through. */
  readonly coolDownMs: Milliseconds
}

export interface AccessTokenPolicy {
  readonly name: string
  /** At least one of `introspection` and `jwt`; with both, JWT-shaped tokens are verified locally. */
  readonly introspection?: IntrospectionConfig
  readonly jwt?: JwtConfig
  readonly requiredScopes: readonly string[]
  readonly requiredAudiences: readonly string[]
  readonly trustedIssuers: readonly string[]
  /** 0 disables caching of active answers. */
  readonly cacheTimeoutMs: Milliseconds
  readonly inactiveCacheTimeoutMs: Milliseconds
  readonly cacheMaxEntries: number
  readonly clockSkewMs: Milliseconds
  readonly maxTokenLength: number
  readonly deniedStatus: 401 | 403
  readonly statusOnError: number
  readonly realm: string
  readonly tokenSource: TokenSource
  readonly claimsToHeaders: readonly ClaimToHeader[]
  /** Lower-case header that receives the user id (`userIdAttributeName`, default `sub`). */
  readonly userIdHeader?: string
  readonly stripAuthorization: boolean
  readonly protection: IntrospectionProtection
}

export interface GatewayConfig {
  /** Absolute path of the file this came from. */
  readonly file: string
  readonly server: ServerConfig
  readonly admin: AdminConfig
  readonly logLevel: LogLevel
  readonly upstreams: ReadonlyMap<string, UpstreamConfig>
  readonly routes: readonly RouteConfig[]
  readonly policies: ReadonlyMap<string, AccessTokenPolicy>
}

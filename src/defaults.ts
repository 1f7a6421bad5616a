// Every default in one place, named with its unit. DESIGN.md's "Defaults worth knowing" table.

export const DEFAULT_CONFIG_FILE = 'config/gateway.yaml'

export const DEFAULT_SERVER_HOST = '0.0.0.0'
export const DEFAULT_SERVER_PORT = 8080
export const DEFAULT_ADMIN_HOST = '127.0.0.1'
export const DEFAULT_ADMIN_PORT = 9901
export const DEFAULT_LOG_LEVEL = 'info'

/** Grace period for in-flight requests on SIGTERM before connections are cut. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000

export const DEFAULT_UPSTREAM_TIMEOUT_MS = 30_000
export const DEFAULT_UPSTREAM_CONNECT_TIMEOUT_MS = 5_000
export const DEFAULT_UPSTREAM_MAX_CONNECTIONS = 128

export const DEFAULT_INTROSPECTION_TIMEOUT_MS = 2_000
/** Gloo's default for `cacheTimeout`. */
export const DEFAULT_CACHE_TIMEOUT_MS = 10 * 60_000
/** Inactive answers are cached briefly so a flood of one bad token does not reach the server. */
export const DEFAULT_INACTIVE_CACHE_TIMEOUT_MS = 5_000
export const DEFAULT_CACHE_MAX_ENTRIES = 100_000
export const DEFAULT_CLOCK_SKEW_MS = 10_000
export const DEFAULT_MAX_TOKEN_LENGTH = 4096
export const DEFAULT_DENIED_STATUS = 403
export const DEFAULT_STATUS_ON_ERROR = 503
export const DEFAULT_REALM = 'tokengate'
/** Introspection answers are small; anything past this is refused rather than buffered. */
export const MAX_INTROSPECTION_BODY_BYTES = 64 * 1024

/** Protection of the authorization server (issue 7): per introspection endpoint and client id. */
export const DEFAULT_INTROSPECTION_MAX_CONCURRENT = 64
export const DEFAULT_INTROSPECTION_MAX_QUEUED = 256
/** Consecutive failed calls that open the circuit; then calls fail fast for the cool-down. */
export const DEFAULT_INTROSPECTION_FAILURE_THRESHOLD = 5
export const DEFAULT_INTROSPECTION_COOL_DOWN_MS = 5_000
/** Upper bound of the random wait before the one retry after a connection reset. */
export const INTROSPECTION_RETRY_JITTER_MS = 50

/** JWT access tokens (issue 8): how long a fetched JWK Set is used before it is fetched again. */
export const DEFAULT_JWKS_REFRESH_INTERVAL_MS = 10 * 60_000
/** Least time between two JWK Set fetches caused by an unknown `kid` (jose's cooldown). */
export const JWKS_COOLDOWN_MS = 30_000
/** Asymmetric JWS algorithms (RFC 7518 §3.1, RFC 8037): never `none`, never HMAC with a public key. */
export const DEFAULT_JWT_ALGORITHMS: readonly string[] = Object.freeze(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'])

/** Limits on what a client may send (Node's http server options). */
export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 5_000
export const DEFAULT_MAX_HEADER_BYTES = 16 * 1024
export const DEFAULT_BODY_LIMIT_BYTES = 10 * 1024 * 1024

/** Longest client `x-request-id` accepted as is; a longer or odd one is replaced. */
export const MAX_REQUEST_ID_LENGTH = 128

// Cluster (`--workers`).
/** Restart backoff for a worker that died unexpectedly: 100 ms doubling to 10 s. */
export const DEFAULT_RESTART_INITIAL_DELAY_MS = 100
export const DEFAULT_RESTART_MAX_DELAY_MS = 10_000
/** More crashes than this within the window and the primary gives up (a crash loop, e.g. bad config). */
export const DEFAULT_MAX_RESTARTS = 5
export const DEFAULT_RESTART_WINDOW_MS = 60_000
/** Workers drain for the config's grace period; the primary waits that long plus this margin. */
export const DEFAULT_PRIMARY_GRACE_MS = 15_000
/** How long a purge waits for every worker to confirm. */
export const DEFAULT_PURGE_TIMEOUT_MS = 2_000

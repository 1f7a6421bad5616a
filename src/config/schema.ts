// The configuration document as users write it. One TypeBox definition gives the runtime check
// (Ajv), the TypeScript type and config/tokengate.schema.json. Every object is closed
// (`additionalProperties: false`): a typo must not silently disable a policy.
import { Type, type Static, type TSchema, type TObject, type TProperties, type ObjectOptions } from '@sinclair/typebox'

const Closed = <T extends TProperties>(properties: T, options: ObjectOptions = {}): TObject<T> =>
  Type.Object(properties, { additionalProperties: false, ...options })

/** `500ms`, `30s`, `10m`, `1h`, or the number 0 (disabled). */
export const Duration = Type.Union(
  [Type.String({ pattern: '^[0-9]+(ms|s|m|h)$' }), Type.Literal(0)],
  { description: 'A duration such as 500ms, 30s, 10m or 1h; 0 where the field allows disabling.' },
)

const Port = Type.Integer({ minimum: 0, maximum: 65535 })
const Labels = Type.Record(Type.String({ minLength: 1 }), Type.String(), {
  description: 'Label key/value pairs, matched by policies\' applyToRoutes.',
})
const HeaderName = Type.String({ pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$", description: 'An HTTP header name (RFC 9110 token).' })

export const ServerSchema = Closed({
  host: Type.Optional(Type.String({ minLength: 1, description: 'Address the traffic listener binds. Default 0.0.0.0.' })),
  port: Type.Optional(Port),
  requireAuth: Type.Optional(Type.Boolean({ description: 'When true, a route that no policy selects is a config error (fail-closed config).' })),
  shutdownGracePeriod: Type.Optional(Duration),
  limits: Type.Optional(Closed({
    headersTimeout: Type.Optional(Duration),
    requestTimeout: Type.Optional(Duration),
    keepAliveTimeout: Type.Optional(Duration),
    maxHeaderBytes: Type.Optional(Type.Integer({ minimum: 1024, maximum: 1048576 })),
    bodyLimitBytes: Type.Optional(Type.Integer({ minimum: 0 })),
  })),
})

export const AdminSchema = Closed({
  enabled: Type.Optional(Type.Boolean()),
  host: Type.Optional(Type.String({ minLength: 1 })),
  port: Type.Optional(Port),
})

export const LogSchema = Closed({
  level: Type.Optional(Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)))),
})

export const UpstreamSchema = Closed({
  url: Type.String({ minLength: 1, description: 'http:// or https:// origin, optionally with a base path.' }),
  timeout: Type.Optional(Duration),
  connectTimeout: Type.Optional(Duration),
  maxConnections: Type.Optional(Type.Integer({ minimum: 1 })),
})

export const UriMatcherSchema = Closed({
  prefix: Type.Optional(Type.String({ minLength: 1 })),
  exact: Type.Optional(Type.String({ minLength: 1 })),
  regex: Type.Optional(Type.String({ minLength: 1, description: 'Anchored to the whole normalised path.' })),
  ignoreCase: Type.Optional(Type.Boolean()),
})

export const HeaderMatcherSchema = Closed({
  name: HeaderName,
  value: Type.Optional(Type.String()),
  regex: Type.Optional(Type.Boolean({ description: 'Treat value as a regex anchored to the whole header value.' })),
  invertMatch: Type.Optional(Type.Boolean()),
})

export const QueryParameterMatcherSchema = Closed({
  name: Type.String({ minLength: 1 }),
  value: Type.Optional(Type.String()),
  regex: Type.Optional(Type.Boolean()),
})

export const MatcherSchema = Closed({
  uri: Type.Optional(UriMatcherSchema),
  methods: Type.Optional(Type.Array(Type.String({ pattern: '^[A-Z]+$' }), { minItems: 1 })),
  headers: Type.Optional(Type.Array(HeaderMatcherSchema)),
  queryParameters: Type.Optional(Type.Array(QueryParameterMatcherSchema)),
})

export const RouteSchema = Closed({
  name: Type.String({ minLength: 1, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' }),
  labels: Type.Optional(Labels),
  hosts: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
  matchers: Type.Optional(Type.Array(MatcherSchema)),
  forwardTo: Closed({
    upstream: Type.String({ minLength: 1 }),
    pathRewrite: Type.Optional(Type.String({ description: 'Replaces the matched prefix (prefix matchers only).' })),
    preserveHost: Type.Optional(Type.Boolean()),
  }),
})

export const IntrospectionSchema = Closed({
  introspectionUrl: Type.String({ minLength: 1 }),
  clientId: Type.Optional(Type.String({ minLength: 1 })),
  clientSecret: Type.Optional(Type.String({ minLength: 1 })),
  clientSecretFile: Type.Optional(Type.String({ minLength: 1, description: 'A file holding the client secret, e.g. a mounted Kubernetes secret.' })),
  disableClientSecret: Type.Optional(Type.Boolean()),
  userIdAttributeName: Type.Optional(Type.String({ minLength: 1 })),
})

/** Gloo's `accessTokenValidation.jwt`: JWT access tokens (RFC 9068) verified with a JWK Set. */
export const JwtSchema = Closed({
  remoteJwks: Type.Optional(Closed({
    url: Type.String({ minLength: 1, description: 'http:// or https:// URL of the JWK Set (RFC 7517 §5), e.g. Hydra\'s /.well-known/jwks.json.' }),
    refreshInterval: Type.Optional(Duration),
  })),
  localJwks: Type.Optional(Closed({
    inlineString: Type.String({ minLength: 1, description: 'A JWK Set as JSON text: {"keys": [...]}.' }),
  })),
  issuer: Type.Optional(Type.String({ minLength: 1 })),
  audiences: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
  algorithms: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
  clockSkew: Type.Optional(Duration),
  requireTyp: Type.Optional(Type.Boolean()),
})

export const TokenSourceSchema = Closed({
  header: Type.Optional(HeaderName),
  queryParameter: Type.Optional(Type.String({ minLength: 1 })),
  cookie: Type.Optional(Type.String({ minLength: 1 })),
}, { description: 'Where the token is read from: exactly one of header (default authorization, Bearer scheme), queryParameter or cookie.' })

export const ClaimToHeaderSchema = Closed({
  claim: Type.String({ minLength: 1 }),
  header: HeaderName,
  append: Type.Optional(Type.Boolean()),
})

/** Issue 7: limits on the calls made to one introspection endpoint, shared by its policies. */
export const IntrospectionProtectionSchema = Closed({
  maxConcurrent: Type.Optional(Type.Integer({ minimum: 1 })),
  maxQueued: Type.Optional(Type.Integer({ minimum: 0 })),
  failureThreshold: Type.Optional(Type.Integer({ minimum: 1 })),
  coolDown: Type.Optional(Duration),
})

export const AccessTokenValidationSchema = Closed({
  introspectionUrl: Type.Optional(Type.String({ minLength: 1 })),
  introspection: Type.Optional(IntrospectionSchema),
  jwt: Type.Optional(JwtSchema),
  requiredScopes: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
  requiredAudiences: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
  trustedIssuers: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
  cacheTimeout: Type.Optional(Duration),
  inactiveCacheTimeout: Type.Optional(Duration),
  cacheMaxEntries: Type.Optional(Type.Integer({ minimum: 1 })),
  timeout: Type.Optional(Duration),
  clockSkew: Type.Optional(Duration),
  maxTokenLength: Type.Optional(Type.Integer({ minimum: 16, maximum: 65536 })),
  deniedStatus: Type.Optional(Type.Union([Type.Literal(401), Type.Literal(403)])),
  statusOnError: Type.Optional(Type.Integer({ minimum: 500, maximum: 599 })),
  realm: Type.Optional(Type.String({ pattern: '^[^"\\\\]*$' })),
  tokenSource: Type.Optional(TokenSourceSchema),
  claimsToHeaders: Type.Optional(Type.Array(ClaimToHeaderSchema)),
  userIdHeader: Type.Optional(HeaderName),
  stripAuthorization: Type.Optional(Type.Boolean()),
  protection: Type.Optional(IntrospectionProtectionSchema),
})

export const PolicySchema = Closed({
  name: Type.String({ minLength: 1 }),
  applyToRoutes: Type.Optional(Type.Array(Closed({ route: Closed({ labels: Labels }) }), { minItems: 1 })),
  config: Closed({
    oauth2: Closed({ accessTokenValidation: AccessTokenValidationSchema }),
  }),
})

export const ConfigSchema = Closed({
  $schema: Type.Optional(Type.String()),
  server: Type.Optional(ServerSchema),
  admin: Type.Optional(AdminSchema),
  log: Type.Optional(LogSchema),
  upstreams: Type.Record(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' }), UpstreamSchema, { additionalProperties: false }),
  routes: Type.Array(RouteSchema, { minItems: 1 }),
  policies: Type.Optional(Type.Array(PolicySchema)),
}, { $id: 'https://tokengate.dev/schema/config.json', title: 'tokengate configuration' })

export type ConfigDocument = Static<typeof ConfigSchema>
export type RouteDocument = Static<typeof RouteSchema>
export type MatcherDocument = Static<typeof MatcherSchema>
export type PolicyDocument = Static<typeof PolicySchema>
export type AccessTokenValidationDocument = Static<typeof AccessTokenValidationSchema>
export type DurationValue = Static<typeof Duration>
export type AnySchema = TSchema

// Gateway configs that several tests share, as YAML text for the CLI or loadConfigText.
import type { OidcServer } from './oidc-server.js'

/**
 * The guide's shape: `/ratings` behind RFC 7662 introspection at the OAuth 2.0 server (client
 * authentication with its id and secret), `/open` with no policy, both to one upstream.
 */
export function ratingsAndOpenYaml(oidc: Pick<OidcServer, 'introspectionUrl' | 'clientId' | 'clientSecret'>, upstreamUrl: string): string {
  return `server: { host: 127.0.0.1, port: 0 }
admin: { enabled: false }
upstreams:
  ratings: { url: "${upstreamUrl}" }
routes:
  - name: ratings
    labels: { route: ratings }
    matchers: [ { uri: { prefix: /ratings } } ]
    forwardTo: { upstream: ratings }
  - name: open
    matchers: [ { uri: { prefix: /open } } ]
    forwardTo: { upstream: ratings }
policies:
  - name: ratings
    applyToRoutes: [ { route: { labels: { route: ratings } } } ]
    config:
      oauth2:
        accessTokenValidation:
          introspection:
            introspectionUrl: ${oidc.introspectionUrl}
            clientId: ${oidc.clientId}
            clientSecret: ${oidc.clientSecret}
`
}

// The walkthrough's curl commands, printed once the demo stack is up. They follow the guide
// step by step, with Hydra v2's admin paths (/admin/clients, /admin/oauth2/introspect).

export interface DemoUrls {
  hydraPublic: string
  hydraAdmin: string
  gateway: string
}

export function walkthroughCommands(urls: DemoUrls): string {
  const { hydraPublic, hydraAdmin, gateway } = urls
  return `
tokengate demo is up:
  gateway          ${gateway}
  ratings app      behind the gateway at /ratings (protected) and /public/ratings (no policy)
  dev auth server  public ${hydraPublic}, admin ${hydraAdmin} (Hydra-shaped, in-memory, NOT for production)

Try the guide's steps in another terminal (or run: bash examples/walkthrough.sh):

  # a route without a policy answers without a token (200)
  curl -i ${gateway}/public/ratings/1

  # create the client (201)
  curl -i -X POST ${hydraAdmin}/admin/clients \\
    -H 'Content-Type: application/json' -H 'Accept: application/json' \\
    -d '{"client_id": "my-client", "client_secret": "secret", "grant_types": ["client_credentials"]}'

  # get an access token
  curl -s -X POST ${hydraPublic}/oauth2/token \\
    -H 'Content-Type: application/x-www-form-urlencoded' -H 'Accept: application/json' \\
    -u my-client:secret -d 'grant_type=client_credentials'
  export HYDRA_ACCESS_TOKEN=<the access_token value>

  # introspect it, as the gateway does ("active": true)
  curl -s -X POST ${hydraAdmin}/admin/oauth2/introspect \\
    -H 'Content-Type: application/x-www-form-urlencoded' -H 'Accept: application/json' \\
    -d "token=$HYDRA_ACCESS_TOKEN"

  # no token (403), a bad token (403), the real token (200)
  curl -i ${gateway}/ratings/1
  curl -i ${gateway}/ratings/1 -H "Authorization: Bearer qwertyuio23456789"
  curl -i ${gateway}/ratings/1 -H "Authorization: Bearer $HYDRA_ACCESS_TOKEN"

Ctrl-C stops everything.
`
}

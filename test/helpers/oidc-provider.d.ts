// Just enough of oidc-provider's surface for test/helpers/oidc-server.ts; the package ships no
// types and @types/oidc-provider would be a dependency for one test helper.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http'
  export default class Provider {
    constructor(issuer: string, configuration?: Record<string, unknown>)
    callback(): (req: IncomingMessage, res: ServerResponse) => void
  }
}

// `node dist/examples/dev-auth-server/main.js`: the development authorization server alone.
// Environment: HYDRA_PUBLIC_PORT (4444), HYDRA_ADMIN_PORT (4445), HYDRA_HOST (127.0.0.1),
// HYDRA_ISSUER (http://127.0.0.1:<public port>/), DEV_AUTH_SCOPES (extra scopes, space-separated),
// STRATEGIES_ACCESS_TOKEN (`opaque` or `jwt`, Hydra's switch for JWT access tokens).
import { portFrom } from '../shared/listen.js'
import { DEFAULT_ADMIN_PORT, DEFAULT_PUBLIC_PORT, startDevAuthServer } from './index.js'

try {
  const server = await startDevAuthServer({
    publicPort: portFrom(process.env.HYDRA_PUBLIC_PORT, DEFAULT_PUBLIC_PORT, 'HYDRA_PUBLIC_PORT'),
    adminPort: portFrom(process.env.HYDRA_ADMIN_PORT, DEFAULT_ADMIN_PORT, 'HYDRA_ADMIN_PORT'),
    host: process.env.HYDRA_HOST ?? '127.0.0.1',
    ...(process.env.HYDRA_ISSUER === undefined ? {} : { issuer: process.env.HYDRA_ISSUER }),
    scopes: (process.env.DEV_AUTH_SCOPES ?? '').split(' ').filter((scope) => scope !== ''),
    ...(process.env.STRATEGIES_ACCESS_TOKEN === 'jwt' ? { accessTokenFormat: 'jwt' as const } : {}),
  })
  const stop = (): void => { void server.close().then(() => process.exit(0)) }
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
} catch (error) {
  console.error(`dev-auth-server: ${(error as Error).message}`)
  process.exit(1)
}

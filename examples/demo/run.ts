// `npm run demo`: the walkthrough's stack in one terminal, without Docker — the Hydra-shaped
// development authorization server, the ratings app, and the gateway (`node dist/cli.js
// --config config/gateway.yaml` as a child process, its `${…}` pointed at the demo's ports).
// Ports: HYDRA_PUBLIC_PORT 4444, HYDRA_ADMIN_PORT 4445, RATINGS_PORT 9080, TOKENGATE_PORT 8080,
// TOKENGATE_ADMIN_PORT 9901. Ctrl-C (or SIGTERM) stops everything and exits 0; if the gateway
// dies, everything stops and the exit code is non-zero.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createInterface } from 'node:readline'
import type { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { startDevAuthServer, type RunningDevAuthServer } from '../dev-auth-server/index.js'
import { startRatings, type RunningRatings } from '../ratings/server.js'
import { assertPortFree, portFrom } from '../shared/listen.js'
import { walkthroughCommands } from './commands.js'
import { waitForGateway } from './wait.js'

/** dist/examples/demo/run.js → the repository root. */
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const GATEWAY_CLI = 'dist/cli.js'
// As the tokengate bin, npm start and the image start it (src/v8-tuning.ts).
const GATEWAY_NODE_FLAGS = ['--no-memory-reducer', '--single-threaded-gc']
const GATEWAY_CONFIG = 'config/gateway.yaml'
const READY_DEADLINE_MS = 30_000
const STOP_GRACE_MS = 10_000

const env = process.env

function readPorts() {
  return {
    hydraPublic: portFrom(env.HYDRA_PUBLIC_PORT, 4444, 'HYDRA_PUBLIC_PORT'),
    hydraAdmin: portFrom(env.HYDRA_ADMIN_PORT, 4445, 'HYDRA_ADMIN_PORT'),
    ratings: portFrom(env.RATINGS_PORT, 9080, 'RATINGS_PORT'),
    gateway: portFrom(env.TOKENGATE_PORT, 8080, 'TOKENGATE_PORT'),
    gatewayAdmin: portFrom(env.TOKENGATE_ADMIN_PORT, 9901, 'TOKENGATE_ADMIN_PORT'),
  }
}

type Ports = ReturnType<typeof readPorts>

let auth: RunningDevAuthServer | undefined
let ratings: RunningRatings | undefined
let gateway: ChildProcess | undefined
let stopping = false

function prefixLines(stream: Readable | null, prefix: string, write: (line: string) => void): void {
  if (stream === null) return
  createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => write(`${prefix}${line}`))
}

function stopGateway(): Promise<void> {
  const child = gateway
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS)
    child.once('exit', () => { clearTimeout(force); resolve() })
    child.kill('SIGTERM')
  })
}

async function stopAll(exitCode: number): Promise<never> {
  if (!stopping) {
    stopping = true
    await stopGateway()
    await Promise.all([auth?.close(), ratings?.close()])
  }
  process.exit(exitCode)
}

function startGateway(ports: Ports, authAdminUrl: string, ratingsUrl: string): ChildProcess {
  const child = spawn(process.execPath, [...GATEWAY_NODE_FLAGS, GATEWAY_CLI, '--config', GATEWAY_CONFIG], {
    cwd: REPO_ROOT,
    env: {
      ...env,
      HYDRA_ADMIN_URL: authAdminUrl,
      RATINGS_URL: ratingsUrl,
      TOKENGATE_PORT: String(ports.gateway),
      TOKENGATE_ADMIN_PORT: String(ports.gatewayAdmin),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: Ctrl-C reaches only the demo, which then stops the gateway in order.
    detached: true,
  })
  process.once('exit', () => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  prefixLines(child.stdout, '[gateway] ', (line) => console.log(line))
  prefixLines(child.stderr, '[gateway] ', (line) => console.error(line))
  child.once('exit', (code, signal) => {
    if (stopping) return
    console.error(`demo: the gateway exited (${signal ?? `code ${code}`}); stopping everything`)
    void stopAll(code === 0 || code === null ? 1 : code)
  })
  return child
}

async function main(): Promise<void> {
  const ports = readPorts()
  if (!existsSync(`${REPO_ROOT}${GATEWAY_CLI}`)) {
    throw new Error(`${GATEWAY_CLI} is missing: run "npm run build" first (npm run demo does)`)
  }
  // The gateway is a child process: check its ports here so a clash reads the same as ours.
  await assertPortFree(ports.gateway, '0.0.0.0', 'TOKENGATE_PORT')
  await assertPortFree(ports.gatewayAdmin, '127.0.0.1', 'TOKENGATE_ADMIN_PORT')
  auth = await startDevAuthServer({
    publicPort: ports.hydraPublic,
    adminPort: ports.hydraAdmin,
    host: '127.0.0.1',
    ...(env.HYDRA_ISSUER === undefined ? {} : { issuer: env.HYDRA_ISSUER }),
    scopes: (env.DEV_AUTH_SCOPES ?? '').split(' ').filter((scope) => scope !== ''),
  })
  ratings = await startRatings({ port: ports.ratings, host: '127.0.0.1', portEnvName: 'RATINGS_PORT' })
  console.log(`ratings: listening on ${ratings.url}`)
  gateway = startGateway(ports, auth.adminUrl, ratings.url)
  const child = gateway
  const ready = await waitForGateway({
    port: ports.gateway,
    host: '127.0.0.1',
    adminUrl: `http://127.0.0.1:${ports.gatewayAdmin}`,
    gaveUp: () => child.exitCode !== null || child.signalCode !== null,
  }, READY_DEADLINE_MS)
  if (!ready) throw new Error(`the gateway did not become ready within ${READY_DEADLINE_MS / 1000}s`)
  console.log(walkthroughCommands({
    hydraPublic: auth.publicUrl,
    hydraAdmin: auth.adminUrl,
    gateway: `http://127.0.0.1:${ports.gateway}`,
  }))
}

process.once('SIGINT', () => { void stopAll(0) })
process.once('SIGTERM', () => { void stopAll(0) })

main().catch((error: unknown) => {
  if (stopping) return
  console.error(`demo: ${(error as Error).message}`)
  void stopAll(1)
})

// Docker does not run on our machines, so the compose stack is checked statically: the services
// the gateway's config names exist with those ports, images are pinned, Hydra's unauthenticated
// admin port stays on loopback, and the mounted gateway config passes `tokengate validate`.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)))
const GATEWAY_CONFIG_IN_CONTAINER = '/etc/tokengate/gateway.yaml'

interface Service {
  image?: string
  build?: unknown
  command?: string | string[]
  environment?: Record<string, string> | string[]
  ports?: Array<string | number>
  expose?: Array<string | number>
  volumes?: string[]
  depends_on?: Record<string, { condition?: string }> | string[]
  healthcheck?: { test?: string[] | string }
}

const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as { services: Record<string, Service> }
const services = compose.services
const gatewayConfig = parse(readFileSync(join(ROOT, 'config/gateway.docker.yaml'), 'utf8')) as {
  server?: { port?: number }
  upstreams: Record<string, { url: string }>
  policies?: Array<{ config: { oauth2: { accessTokenValidation: { introspectionUrl?: string, introspection?: { introspectionUrl?: string } } } } }>
}

/** "127.0.0.1:4445:4445" → { hostIp: '127.0.0.1', published: '4445', container: 4445 } */
function parsePort(entry: string | number): { hostIp?: string, published?: string, container: number } {
  const parts = String(entry).split('/')[0]!.split(':')
  const container = Number(parts.at(-1))
  if (parts.length === 3) return { hostIp: parts[0]!, published: parts[1]!, container }
  if (parts.length === 2) return { published: parts[0]!, container }
  return { container }
}

function containerPorts(service: Service): number[] {
  return [...(service.ports ?? []).map((entry) => parsePort(entry).container), ...(service.expose ?? []).map(Number)]
}

function env(service: Service, name: string): string | undefined {
  const environment = service.environment ?? {}
  if (!Array.isArray(environment)) return environment[name]
  const line = environment.find((item) => item.startsWith(`${name}=`))
  return line?.slice(name.length + 1)
}

function introspectionUrls(): string[] {
  return (gatewayConfig.policies ?? []).map((policy) => {
    const validation = policy.config.oauth2.accessTokenValidation
    return validation.introspectionUrl ?? validation.introspection?.introspectionUrl ?? ''
  })
}

t.test('every image is pinned to a tag other than latest', async (t) => {
  t.ok(Object.keys(services).length >= 4)
  for (const [name, service] of Object.entries(services)) {
    const image = service.image ?? ''
    const lastSegment = image.split('/').at(-1) ?? ''
    const tag = lastSegment.includes(':') ? lastSegment.split(':')[1] : undefined
    t.ok(tag !== undefined && tag !== '' && tag !== 'latest', `${name}: image "${image}" is pinned`)
  }
  t.equal(services.hydra?.image, 'oryd/hydra:v2.3.0')
  t.equal(services['hydra-init']?.image, services.hydra?.image, 'hydra-init uses the same Hydra image')
})

t.test('Hydra: dev mode in memory, a long system secret, telemetry off, admin port on loopback only', async (t) => {
  const hydra = services.hydra!
  t.match(String(hydra.command), /serve all --dev/)
  t.equal(env(hydra, 'DSN'), 'memory')
  t.ok((env(hydra, 'SECRETS_SYSTEM') ?? '').length >= 16, 'SECRETS_SYSTEM has at least 16 characters')
  t.equal(String(env(hydra, 'SQA_OPT_OUT')), 'true')
  t.match(env(hydra, 'URLS_SELF_ISSUER'), /^http:\/\/127\.0\.0\.1:4444\/$/)
  const ports = (hydra.ports ?? []).map(parsePort)
  t.ok(ports.some((port) => port.container === 4444 && port.published === '4444'), 'public port 4444 published')
  const admin = ports.filter((port) => port.container === 4445)
  t.ok(admin.length > 0, 'admin port 4445 published for the walkthrough')
  for (const port of admin) t.equal(port.hostIp, '127.0.0.1', 'admin port 4445 bound to 127.0.0.1 only')
  for (const [name, service] of Object.entries(services)) {
    if (name === 'hydra') continue
    t.notOk((service.ports ?? []).map(parsePort).some((port) => port.published === '4445'), `${name} does not publish 4445`)
  }
  const test = ([] as string[]).concat(hydra.healthcheck?.test ?? []).join(' ')
  t.match(test, /wget .*http:\/\/127\.0\.0\.1:4445\/health\/ready/)
  t.notMatch(test, /curl/, 'the Hydra image has no curl')
})

t.test('hydra-init creates the guide\'s client with the v2 CLI once Hydra is healthy', async (t) => {
  const init = services['hydra-init']!
  const depends = init.depends_on as Record<string, { condition?: string }>
  t.equal(depends.hydra?.condition, 'service_healthy')
  const command = ([] as string[]).concat(init.command ?? []).join(' ')
  t.match(command, /^create client /)
  for (const flag of ['--endpoint http://hydra:4445', '--id my-client', '--secret secret', '--grant-type client_credentials']) {
    t.ok(command.includes(flag), `command has ${flag}`)
  }
})

t.test('each host the gateway config names is a compose service with that container port', async (t) => {
  const urls = [...Object.values(gatewayConfig.upstreams).map((upstream) => upstream.url), ...introspectionUrls()]
  t.ok(urls.length >= 2)
  for (const url of urls) {
    const { hostname, port, pathname } = new URL(url)
    const service = services[hostname]
    t.ok(service, `${url}: "${hostname}" is a compose service`)
    t.ok(containerPorts(service ?? {}).includes(Number(port)), `${url}: ${hostname} has container port ${port}`)
    if (hostname === 'hydra') t.equal(pathname, '/admin/oauth2/introspect', 'Hydra v2 admin path')
  }
})

t.test('the gateway publishes 8080, mounts config/gateway.docker.yaml, waits for its upstreams', async (t) => {
  const gateway = services.gateway!
  const port = gatewayConfig.server?.port ?? 8080
  t.equal(port, 8080)
  t.ok((gateway.ports ?? []).map(parsePort).some((entry) => entry.container === port && entry.published === '8080'))
  const mount = (gateway.volumes ?? []).map((volume) => volume.split(':')).find((parts) => parts[1] === GATEWAY_CONFIG_IN_CONTAINER)
  t.ok(mount, `a file is mounted at ${GATEWAY_CONFIG_IN_CONTAINER}`)
  t.equal(resolve(ROOT, mount?.[0] ?? ''), join(ROOT, 'config/gateway.docker.yaml'))
  t.ok(existsSync(resolve(ROOT, mount?.[0] ?? '')), 'the mounted file exists')
  const depends = gateway.depends_on as Record<string, { condition?: string }>
  t.equal(depends.hydra?.condition, 'service_healthy')
  t.ok(depends.ratings, 'depends on ratings')
  t.ok(gateway.build !== undefined && services.ratings?.image === gateway.image, 'ratings runs the gateway\'s image: one build')
})

t.test('the Dockerfile: pinned Node LTS, production deps, non-root, CLI entrypoint, curl-free health check', async (t) => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')
  const froms = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((match) => match[1])
  t.ok(froms.length >= 2, 'multi-stage')
  for (const from of froms) t.match(from, /^node:(22|24)-bookworm-slim$/)
  t.match(dockerfile, /npm ci --omit=dev/)
  t.match(dockerfile, /^USER node$/m)
  t.match(dockerfile, /^ENTRYPOINT \["node", "--no-memory-reducer", "--single-threaded-gc", "dist\/cli\.js"\]$/m)
  t.ok(dockerfile.includes(`CMD ["--config", "${GATEWAY_CONFIG_IN_CONTAINER}"]`))
  const healthcheck = dockerfile.slice(dockerfile.indexOf('HEALTHCHECK'))
  t.match(healthcheck, /node.*\/healthz/s)
  t.notMatch(healthcheck.split('\n').slice(0, 2).join('\n'), /curl/)
  t.ok(existsSync(join(ROOT, '.dockerignore')))
})

t.test('the mounted gateway config passes `tokengate validate`', async (t) => {
  const result = spawnSync(process.execPath, ['dist/cli.js', 'validate', '--config', 'config/gateway.docker.yaml'], {
    cwd: ROOT, encoding: 'utf8', timeout: 30_000,
  })
  t.equal(result.status, 0, `${result.stdout}${result.stderr}`)
})

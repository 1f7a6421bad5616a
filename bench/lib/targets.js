// Starting the processes of a run: the upstream, the introspection stub and the targets under
// test. Each start resolves once the process answers HTTP, and returns
// { name, origin, handle, rssBytes() }.
import { writeFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { URL, fileURLToPath, pathToFileURL } from 'node:url'
import process from 'node:process'
import { startProcess, waitUntil } from './procs.js'
import { answers, httpRequest } from './http.js'
import { treeCpuTicks, treeRssBytes } from './system.js'
import { nginxConf, tokengateYaml } from './configs.js'
import { scrapeGatewayMetrics } from './gateway-metrics.js'

const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url))
export const REPO_DIR = join(BENCH_DIR, '..')
export const TOKENGATE_CLI = join(REPO_DIR, 'dist', 'cli.js')
const READY_TIMEOUT_MS = 20_000

const origin = (port) => `http://127.0.0.1:${port}`

async function startNode({ name, script, args, nodeArgs = [], port, cpu, lifetimeS, readyPath, env }) {
  const handle = startProcess({ name, cmd: process.execPath, args: [...nodeArgs, script, ...args], cpu, lifetimeS, env, cwd: REPO_DIR })
  await waitUntil(handle, () => answers(`${origin(port)}${readyPath}`, 200), READY_TIMEOUT_MS, 'HTTP answer')
  return measured(name, origin(port), handle)
}

function measured(name, url, handle) {
  return { name, origin: url, handle, rssBytes: () => treeRssBytes(handle.commandPid()), cpuTicks: () => treeCpuTicks(handle.commandPid()) }
}

export function startUpstream({ port, cpu, lifetimeS }) {
  return startNode({ name: 'upstream', script: join(BENCH_DIR, 'upstream.js'), args: ['--port', String(port)], port, cpu, lifetimeS, readyPath: '/ratings/1' })
}

export async function startStub({ port, cpu, lifetimeS, delayMs }) {
  const stub = await startNode({
    name: 'introspection-stub', script: join(BENCH_DIR, 'introspection-stub.js'),
    args: ['--port', String(port), '--delay-ms', String(delayMs)], port, cpu, lifetimeS, readyPath: '/calls',
  })
  return {
    ...stub,
    calls: async () => JSON.parse((await httpRequest(`${stub.origin}/calls`)).body).calls,
    reset: async () => { await httpRequest(`${stub.origin}/calls/reset`, { method: 'POST' }) },
  }
}

/**
 * The passthrough runs with the V8 flags tokengate's launchers give it (src/v8-tuning.ts): the
 * ratios then compare proxy code with proxy code, and the upper bound is not lowered by the V8
 * pathologies those flags avoid.
 */
export async function startPassthrough({ port, upstreamPort, cpu, lifetimeS }) {
  return startNode({
    name: 'passthrough', script: join(BENCH_DIR, 'passthrough.js'), nodeArgs: await tokengateV8Flags(),
    args: ['--port', String(port), '--upstream', origin(upstreamPort)], port, cpu, lifetimeS, readyPath: '/ratings/1',
  })
}

/** The V8 flags tokengate's launchers start it with (src/v8-tuning.ts). */
export async function tokengateV8Flags() {
  const module = join(REPO_DIR, 'dist', 'v8-tuning.js')
  if (!existsSync(module)) throw new Error(`${module} does not exist: run npm run build`)
  return [...(await import(pathToFileURL(module).href)).V8_COMMAND_LINE_FLAGS]
}

export async function startNginx({ nginxPath, dir, port, upstreamPort, cpu, lifetimeS }) {
  const conf = join(dir, 'nginx.conf')
  writeFileSync(conf, nginxConf({ dir, port, upstreamPort }))
  const handle = startProcess({ name: 'nginx', cmd: nginxPath, args: ['-p', dir, '-c', conf, '-e', 'stderr'], cpu, lifetimeS })
  await waitUntil(handle, () => answers(`${origin(port)}/ratings/1`, 200), READY_TIMEOUT_MS, 'HTTP answer')
  return measured('nginx', origin(port), handle)
}

/**
 * tokengate from dist/ (run `npm run build` first), or another build's `cli`. Throws with the CLI's output when it cannot start.
 * With `adminPort`, `metrics()` reads its heap and GC totals ({ heapUsedBytes, gcSeconds } or null).
 */
export async function startTokengate({ dir, port, upstreamPort, stubPort, cacheMaxEntries, cpu, lifetimeS, adminPort = null, nodeArgs = [], file = 'tokengate.yaml', jwt = null, cli = TOKENGATE_CLI, name = 'tokengate' }) {
  if (!existsSync(cli)) throw new Error(`${cli} does not exist: run npm run build`)
  const config = join(dir, file)
  writeFileSync(config, tokengateYaml({ port, upstreamPort, stubPort, cacheMaxEntries, adminPort, jwt }))
  // The file's log level must hold: LOG_LEVEL in the environment would win over it.
  const { LOG_LEVEL: _level, TOKENGATE_CONFIG: _config, ...env } = process.env
  // Started as its launchers start it (the bin, npm start, the image), with the V8 flags V8 reads
  // only at startup.
  const started = await startNode({
    name, script: cli, args: ['--config', config], nodeArgs: [...await tokengateV8Flags(), ...nodeArgs], port, cpu, lifetimeS,
    readyPath: '/open/ratings/1', env: { ...env, NODE_ENV: 'production' },
  })
  const metricsUrl = adminPort === null ? null : `${origin(adminPort)}/metrics`
  return { ...started, metrics: async () => (metricsUrl === null ? null : scrapeGatewayMetrics(metricsUrl)) }
}

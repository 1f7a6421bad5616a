#!/usr/bin/env -S node --no-memory-reducer --single-threaded-gc
// The only file that touches `process`: arguments, environment, signals, exit codes.
import { parseArgs } from 'node:util'
import { resolve } from 'node:path'
import { availableParallelism } from 'node:os'
import { DEFAULT_CONFIG_FILE } from './defaults.js'
import { ConfigError, formatProblem, type ConfigProblem } from './errors.js'
import { loadConfigFile, type LoadResult } from './config/load.js'
import { shadowWarnings } from './config/shadow-warnings.js'
import { createLogger, type Logger } from './observability/logger.js'
import { createClusterMetricsView, createMetrics, shareWithClusterPrimary } from './observability/metrics.js'
import { startGateway, type Gateway } from './server/gateway.js'
import { watchConfigFile } from './server/config-watcher.js'
import { resolveWorkerCount, startPrimary } from './server/cluster.js'
import { bindWorker, isClusterWorker } from './server/cluster-messages.js'
import { buildAdminApp } from './admin/admin-server.js'
import { missingStartupFlags, tuneV8 } from './v8-tuning.js'

const USAGE = `Usage:
  tokengate [run] [--config FILE] [--workers N|auto] [--no-watch]   run the gateway
  tokengate validate [--config FILE]                                check a config file and exit
Options:
  -c, --config FILE   config file (default: $TOKENGATE_CONFIG, then ${DEFAULT_CONFIG_FILE})
  -w, --workers N     processes sharing the listener: a number, or auto (one per CPU); default 1
      --no-watch      do not reload when the config file changes (SIGHUP still reloads)
  -h, --help          show this help
Environment:
  TOKENGATE_CONFIG    config file when --config is not given
  LOG_LEVEL           overrides log.level from the config file`

interface Cli {
  readonly command: 'run' | 'validate' | 'help'
  readonly configFile: string
  readonly watch: boolean
  readonly workers: number
}

function parseCli(argv: readonly string[], env: NodeJS.ProcessEnv): Cli {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      'no-watch': { type: 'boolean' },
      workers: { type: 'string', short: 'w' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  const verb = positionals[0] ?? 'run'
  if (positionals.length > 1 || (verb !== 'run' && verb !== 'validate')) throw new Error(`unknown command: ${positionals.join(' ')}`)
  return {
    command: values.help === true ? 'help' : verb,
    configFile: resolve(values.config ?? env.TOKENGATE_CONFIG ?? DEFAULT_CONFIG_FILE),
    watch: values['no-watch'] !== true,
    workers: resolveWorkerCount(values.workers ?? env.TOKENGATE_WORKERS ?? '1', availableParallelism()),
  }
}

function load(file: string): LoadResult {
  return loadConfigFile(file, process.env)
}

function printProblems(problems: readonly ConfigProblem[]): void {
  for (const p of problems) process.stderr.write(formatProblem(p) + '\n')
}

function validate(file: string): number {
  try {
    const result = load(file)
    const warnings = [...result.warnings, ...shadowWarnings(result)]
    printProblems(warnings)
    process.stdout.write(`${file}: valid (${result.config.routes.length} routes, ${result.config.policies.size} policies${warnings.length > 0 ? `, ${warnings.length} warnings` : ''})\n`)
    return 0
  } catch (err) {
    if (err instanceof ConfigError) {
      printProblems(err.problems)
      return 1
    }
    throw err
  }
}

/** Loads the config for a start; on problems prints them all and returns undefined. */
function loadForStart(file: string): LoadResult | undefined {
  try {
    return load(file)
  } catch (err) {
    if (err instanceof ConfigError) {
      printProblems(err.problems)
      process.exitCode = 1
      return undefined
    }
    throw err
  }
}

/** One process serving traffic: the default, and each worker of a cluster. */
async function runGateway(cli: Cli, worker: boolean): Promise<void> {
  // Watch from before the first read, so a change made while starting is not missed.
  let changedWhileStarting = false
  let onChange = (): void => {
    changedWhileStarting = true
  }
  const watcher = cli.watch && !worker ? watchConfigFile(cli.configFile, () => onChange()) : undefined
  const result = loadForStart(cli.configFile)
  if (result === undefined) {
    watcher?.close()
    return
  }
  const logger = createLogger({ level: result.config.logLevel, pid: process.pid })
  for (const w of result.warnings) logger.warn({ problem: formatProblem(w) }, 'config warning')
  if (!worker) hintStartupFlags(logger)
  const metrics = createMetrics()
  if (worker) shareWithClusterPrimary(metrics)
  const gateway = await startGateway(result.config, { logger, metrics, withAdmin: !worker })
  const reload = (why: string): void => reloadConfig(gateway, cli.configFile, logger, metrics.countReload.bind(metrics), why)
  onChange = () => reload('file changed')
  if (changedWhileStarting) reload('file changed')
  const stop = onceStop(logger, async () => {
    watcher?.close()
    await gateway.shutdown()
  })
  // The primary holds back its messages until this worker listens, so binding here loses none.
  if (worker) bindWorker({ reload: () => reload('primary'), shutdown: () => stop('primary'), purge: (token) => gateway.purge(token) })
  process.on('SIGHUP', () => reload('SIGHUP'))
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
}

/**
 * The cluster primary serves no traffic: it forks the workers, runs the one admin listener
 * (metrics summed over workers, purge sent to each), and passes reloads and shutdown on.
 */
async function runPrimary(cli: Cli): Promise<void> {
  const result = loadForStart(cli.configFile)
  if (result === undefined) return
  const { config } = result
  const logger = createLogger({ level: config.logLevel, pid: process.pid })
  hintStartupFlags(logger)
  let stopping = false
  const handle = startPrimary({ workers: cli.workers, logger, graceMs: config.server.shutdownGraceMs + 5_000 })
  const admin = config.admin.enabled
    ? buildAdminApp({
        metrics: createClusterMetricsView(),
        isReady: () => !stopping && handle.listeningCount() > 0,
        purgeCache: (token) => handle.purge(token),
        logger: logger.child({ listener: 'admin' }),
      })
    : undefined
  handle.onGiveUp((err) => {
    logger.fatal({ err: { code: err.code, message: err.message } }, 'workers keep crashing; giving up')
    process.exitCode = 1
  })
  await handle.ready
  if (admin !== undefined) await admin.listen({ host: config.admin.host, port: config.admin.port })
  logger.info({ workers: cli.workers, admin: admin === undefined ? undefined : `http://${config.admin.host}:${config.admin.port}` }, 'cluster ready')
  const reload = (): void => handle.reload()
  const watcher = cli.watch ? watchConfigFile(cli.configFile, reload) : undefined
  process.on('SIGHUP', reload)
  const stop = onceStop(logger, async () => {
    stopping = true
    watcher?.close()
    await handle.shutdown()
    await admin?.close()
  })
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
}

/** The shutdown sequence runs once, whatever signals follow; the exit code tells how it went. */
function onceStop(logger: Logger, shutdown: () => Promise<void>): (signal: string) => void {
  let stopping = false
  return (signal) => {
    if (stopping) return
    stopping = true
    logger.info({ signal }, 'shutting down: draining in-flight requests')
    shutdown().then(
      () => {
        logger.info('stopped')
        logger.flush()
        process.exit(process.exitCode ?? 0)
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed')
        logger.flush()
        process.exit(1)
      },
    )
  }
}

function reloadConfig(gateway: Gateway, file: string, logger: Logger, count: (o: 'success' | 'failure') => void, why: string): void {
  try {
    const { config, warnings } = load(file)
    gateway.reload(config)
    count('success')
    logger.info({ why, routes: config.routes.length, policies: config.policies.size, warnings: warnings.length }, 'config reloaded')
  } catch (err) {
    count('failure')
    const problems = err instanceof ConfigError ? err.problems.map(formatProblem) : [String(err)]
    logger.error({ why, problems }, 'config reload failed; still serving the previous config')
  }
}

/** Started as `node dist/cli.js` rather than through a launcher: the gateway works, a little slower. */
function hintStartupFlags(logger: Logger): void {
  const missing = missingStartupFlags(process.execArgv)
  if (missing.length > 0) logger.info({ missing }, `V8 flags missing: start with \`node ${missing.join(' ')} dist/cli.js\` (the tokengate bin, npm start and the image do)`)
}

async function main(): Promise<void> {
  tuneV8()
  let cli: Cli
  try {
    cli = parseCli(process.argv.slice(2), process.env)
  } catch (err) {
    process.stderr.write(`tokengate: ${(err as Error).message}\n${USAGE}\n`)
    process.exitCode = 2
    return
  }
  if (cli.command === 'help') {
    process.stdout.write(USAGE + '\n')
    return
  }
  if (cli.command === 'validate') {
    process.exitCode = validate(cli.configFile)
    return
  }
  if (isClusterWorker()) await runGateway(cli, true)
  else if (cli.workers > 1) await runPrimary(cli)
  else await runGateway(cli, false)
}

main().catch((err: unknown) => {
  const code = (err as { code?: unknown }).code
  if (code === 'EADDRINUSE') {
    const e = err as { address?: string; port?: number }
    process.stderr.write(`tokengate: ${e.address ?? ''}:${e.port ?? ''} is already in use: stop what uses it or change server.port / admin.port\n`)
  } else {
    process.stderr.write(`tokengate: ${(err as Error).stack ?? String(err)}\n`)
  }
  process.exit(1)
})

#!/usr/bin/env node
// The only file that touches `process`: arguments, environment, signals, exit codes.
import { parseArgs } from 'node:util'
import { resolve } from 'node:path'
import { DEFAULT_CONFIG_FILE } from './defaults.js'
import { ConfigError, formatProblem, type ConfigProblem } from './errors.js'
import { loadConfigFile, type LoadResult } from './config/load.js'
import { shadowWarnings } from './config/shadow-warnings.js'
import { createLogger, type Logger } from './observability/logger.js'
import { createMetrics } from './observability/metrics.js'
import { startGateway, type Gateway } from './server/gateway.js'
import { watchConfigFile } from './server/config-watcher.js'

const USAGE = `Usage:
  tokengate [run] [--config FILE] [--no-watch]   run the gateway
  tokengate validate [--config FILE]             check a config file and exit
Options:
  -c, --config FILE   config file (default: $TOKENGATE_CONFIG, then ${DEFAULT_CONFIG_FILE})
      --no-watch      do not reload when the config file changes (SIGHUP still reloads)
  -h, --help          show this help
Environment:
  TOKENGATE_CONFIG    config file when --config is not given
  LOG_LEVEL           overrides log.level from the config file`

interface Cli {
  readonly command: 'run' | 'validate' | 'help'
  readonly configFile: string
  readonly watch: boolean
}

function parseCli(argv: readonly string[], env: NodeJS.ProcessEnv): Cli {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      'no-watch': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  const verb = positionals[0] ?? 'run'
  if (positionals.length > 1 || (verb !== 'run' && verb !== 'validate')) throw new Error(`unknown command: ${positionals.join(' ')}`)
  return {
    command: values.help === true ? 'help' : verb,
    configFile: resolve(values.config ?? env.TOKENGATE_CONFIG ?? DEFAULT_CONFIG_FILE),
    watch: values['no-watch'] !== true,
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

async function run(cli: Cli): Promise<void> {
  let result: LoadResult
  try {
    result = load(cli.configFile)
  } catch (err) {
    if (err instanceof ConfigError) {
      printProblems(err.problems)
      process.exitCode = 1
      return
    }
    throw err
  }
  const logger = createLogger({ level: result.config.logLevel })
  for (const w of result.warnings) logger.warn({ problem: formatProblem(w) }, 'config warning')
  const metrics = createMetrics()
  const gateway = await startGateway(result.config, { logger, metrics })

  const reload = (why: string): void => reloadConfig(gateway, cli.configFile, logger, metrics.countReload.bind(metrics), why)
  const watcher = cli.watch ? watchConfigFile(cli.configFile, () => reload('file changed')) : undefined
  process.on('SIGHUP', () => reload('SIGHUP'))

  let stopping = false
  const stop = (signal: string): void => {
    if (stopping) return
    stopping = true
    logger.info({ signal }, 'shutting down: draining in-flight requests')
    watcher?.close()
    gateway.shutdown().then(
      () => {
        logger.info('stopped')
        logger.flush()
        process.exit(0)
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed')
        logger.flush()
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
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

async function main(): Promise<void> {
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
  await run(cli)
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

// Loading a configuration file: parse with positions → substitute ${VAR} → schema → semantic
// checks → compile and freeze. Every problem of every step is collected and thrown together.
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { ConfigError, TokengateError, type ConfigProblem } from '../errors.js'
import type { ConfigDocument, PolicyDocument, RouteDocument } from './schema.js'
import type { GatewayConfig, LogLevel } from './types.js'
import { Problems, toConfigProblem } from './problems.js'
import { parseYaml } from './yaml-document.js'
import { substituteDocument, type Env } from './env-substitution.js'
import { checkSchema } from './schema-problems.js'
import { Shape, isRecord } from './shape.js'
import { checkUpstreams } from './check-upstreams.js'
import { checkRoutes } from './check-routes.js'
import { checkPolicies } from './check-policies.js'
import { checkSelection } from './selection.js'
import { checkDurations } from './check-durations.js'
import { compileConfig } from './compile.js'

export interface LoadDeps {
  /** Reads a file as UTF-8; the config file itself and clientSecretFile. */
  readonly readFile?: (path: string) => string
}

export interface LoadResult {
  readonly config: GatewayConfig
  /** Problems that do not make the file invalid (e.g. a policy that selects no route). */
  readonly warnings: ConfigProblem[]
  /** Line and column of a dotted document path, e.g. `routes.0.forwardTo`. */
  locate(path: string): { line: number; col: number } | undefined
}

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']
const readUtf8 = (path: string): string => readFileSync(path, 'utf8')

export function loadConfigFile(file: string, env: Env, deps: LoadDeps = {}): LoadResult {
  const readFile = deps.readFile ?? readUtf8
  let text: string
  try {
    text = readFile(file)
  } catch (err) {
    const reason = (err as { code?: string }).code ?? (err instanceof Error ? err.message : String(err))
    const cause = new TokengateError('TG_ERR_CONFIG_READ', `cannot read ${file}: ${reason}`, { cause: err })
    throw new ConfigError([{ file, path: '', message: `cannot read the configuration file (${reason}); check the path given with --config or TOKENGATE_CONFIG`, severity: 'error' }], { cause })
  }
  return loadConfigText(text, file, env, deps)
}

export function loadConfigText(text: string, file: string, env: Env, deps: LoadDeps = {}): LoadResult {
  const readFile = deps.readFile ?? readUtf8
  const problems = new Problems()
  const { doc, locate } = parseYaml(text, problems)
  const locateDotted = (path: string): { line: number; col: number } | undefined => locate(splitDotted(doc.toJS(), path))
  const located = (): ConfigProblem[] => sortByPosition(problems.list.map((p) => toConfigProblem(file, p, locate)))

  // Past a syntax error the tree is a guess: report what the parser found and stop.
  if (problems.hasErrors) throw new ConfigError(located())
  const unsubstituted = substituteDocument(doc, env, problems)
  const data: unknown = doc.toJS()
  const schemaFrom = problems.list.length
  const shape = new Shape([...checkSchema(data, problems), ...unsubstituted])
  // `${X}` left in place is already reported; its value says nothing about the user's intent.
  problems.dropUnder(unsubstituted, schemaFrom)
  const envLogLevel = checkEnvLogLevel(env['LOG_LEVEL'], problems)

  const root = isRecord(data) ? data : {}
  checkDurations(data, problems)
  const upstreamNames = checkUpstreams(root['upstreams'], shape, problems)
  checkRoutes(root['routes'], upstreamNames, shape, problems)
  // clientSecretFile is relative to the config file, like every path a user writes in it.
  const secrets = checkPolicies(root['policies'], shape, (p) => readFile(resolve(dirname(file), p)), problems)
  if (shape.isSound(['routes']) && shape.isSound(['policies']) && shape.isSound(['server'])) {
    const doc = root as ConfigDocument
    const routes: readonly RouteDocument[] = doc.routes
    const policies: readonly PolicyDocument[] = doc.policies ?? []
    checkSelection(routes, policies, doc.server?.requireAuth === true, problems)
  }

  if (problems.hasErrors) throw new ConfigError(located())
  const config = compileConfig({ doc: data as ConfigDocument, file: resolve(file), secrets, ...(envLogLevel === undefined ? {} : { envLogLevel }) })
  return { config, warnings: located(), locate: locateDotted }
}

/** In file order, as an editor lists them; problems without a position (the whole file) first. */
function sortByPosition(list: ConfigProblem[]): ConfigProblem[] {
  const key = (p: ConfigProblem): number => (p.line ?? 0) * 1e6 + (p.col ?? 0)
  return list.map((p, i) => ({ p, i })).sort((a, b) => key(a.p) - key(b.p) || a.i - b.i).map(({ p }) => p)
}

/** LOG_LEVEL wins over log.level (DESIGN.md); an empty value counts as unset. */
function checkEnvLogLevel(value: string | undefined, problems: Problems): LogLevel | undefined {
  if (value === undefined || value === '') return undefined
  const level = value.toLowerCase() as LogLevel
  if (LOG_LEVELS.includes(level)) return level
  problems.add({ path: [], message: `the environment variable LOG_LEVEL is "${value}"; use one of ${LOG_LEVELS.join(', ')}`, severity: 'error', unlocated: true })
  return undefined
}

/**
 * Dotted paths are ambiguous when a key contains a dot (`upstreams.api.v2`): at each step take the
 * longest run of segments that is a key of the data there.
 */
function splitDotted(data: unknown, dotted: string): string[] {
  const parts = dotted === '' ? [] : dotted.split('.')
  const out: string[] = []
  let node: unknown = data
  for (let i = 0; i < parts.length;) {
    let taken = 1
    if (isRecord(node)) {
      for (let j = parts.length; j > i; j--) {
        if (parts.slice(i, j).join('.') in node) {
          taken = j - i
          break
        }
      }
    }
    const key = parts.slice(i, i + taken).join('.')
    out.push(key)
    node = isRecord(node) || Array.isArray(node) ? (node as Record<string, unknown>)[key] : undefined
    i += taken
  }
  return out
}

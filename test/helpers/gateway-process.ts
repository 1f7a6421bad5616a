// Runs the real built CLI (dist/cli.js) as a child process on a config written to a temp dir,
// and collects its JSON log lines so tests can assert on them.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)))
export const CLI = join(ROOT, 'dist', 'cli.js')

export interface GatewayProcess {
  readonly url: string
  readonly adminUrl: string | undefined
  readonly configFile: string
  readonly child: ChildProcess
  /** Every stdout line parsed as JSON (non-JSON lines are kept as `{ raw }`). */
  readonly logs: Record<string, unknown>[]
  readonly stderr: () => string
  stop(signal?: NodeJS.Signals): Promise<number | null>
  waitForLog(predicate: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>
}

export function writeConfig(yaml: string, dir = mkdtempSync(join(tmpdir(), 'tokengate-'))): string {
  const file = join(dir, 'gateway.yaml')
  writeFileSync(file, yaml)
  return file
}

export async function startGatewayProcess(yaml: string, opts: { env?: Record<string, string>; args?: string[]; nodeArgs?: string[] } = {}): Promise<GatewayProcess> {
  const configFile = writeConfig(yaml)
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), CLI, '--config', configFile, ...(opts.args ?? [])], {
    env: { ...process.env, LOG_LEVEL: 'info', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const logs: Record<string, unknown>[] = []
  const waiters = new Set<() => void>()
  let stderr = ''
  let buffered = ''
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk
    let nl: number
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl)
      buffered = buffered.slice(nl + 1)
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>)
      } catch {
        logs.push({ raw: line })
      }
      for (const w of waiters) w()
    }
  })
  child.stderr!.setEncoding('utf8').on('data', (c: string) => {
    stderr += c
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))

  const waitForLog = (predicate: (l: Record<string, unknown>) => boolean, timeoutMs = 10_000): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      const check = (): boolean => {
        const hit = logs.find(predicate)
        if (hit !== undefined) {
          waiters.delete(check)
          clearTimeout(timer)
          resolve(hit)
          return true
        }
        return false
      }
      const timer = setTimeout(() => {
        waiters.delete(check)
        reject(new Error(`log line not seen within ${timeoutMs} ms; stderr: ${stderr}; logs: ${JSON.stringify(logs).slice(0, 2000)}`))
      }, timeoutMs)
      if (!check()) waiters.add(check)
      void exited.then(() => {
        if (waiters.has(check)) {
          waiters.delete(check)
          clearTimeout(timer)
          reject(new Error(`gateway exited; stderr: ${stderr}`))
        }
      })
    })

  const listening = await waitForLog((l) => l.msg === 'listening')
  return {
    url: String(listening.address),
    adminUrl: typeof listening.admin === 'string' ? listening.admin : undefined,
    configFile,
    child,
    logs,
    stderr: () => stderr,
    waitForLog,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      return exited
    },
  }
}

/** A minimal config around one upstream; `extra` is appended verbatim (routes, policies). */
export function baseConfig(upstreamUrl: string, routesAndPolicies: string, opts: { admin?: boolean } = {}): string {
  return `server: { host: 127.0.0.1, port: 0 }
admin: ${opts.admin === true ? '{ host: 127.0.0.1, port: 0 }' : '{ enabled: false }'}
upstreams:
  app: { url: "${upstreamUrl}", timeout: 2s }
${routesAndPolicies}
`
}

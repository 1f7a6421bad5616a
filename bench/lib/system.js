// What this machine offers the benchmark: which tools exist, which CPUs we may use, free ports,
// and a process's resident memory. Everything here is read once, at start.
import { accessSync, constants, readFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { createServer } from 'node:net'
import { join } from 'node:path'
import os from 'node:os'
import process from 'node:process'

/** Absolute path of an executable on PATH (plus the sbin folders, where Debian puts nginx), or null. */
export function findExecutable(name) {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/local/sbin', '/usr/sbin', '/sbin']
  for (const dir of dirs) {
    if (dir === '') continue
    const candidate = join(dir, name)
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      // not here; keep looking
    }
  }
  return null
}

/** First line of `cmd args` (stdout or stderr), for the report's environment section. */
export function versionOf(cmd, args) {
  const out = spawnSync(cmd, args, { encoding: 'utf8', timeout: 5000 })
  return `${out.stdout ?? ''}${out.stderr ?? ''}`.split('\n').find((l) => l.trim() !== '')?.trim() ?? 'unknown'
}

/** The CPUs this process may run on, from `taskset -pc` (e.g. "0,1" or "0-3"). */
export function allowedCpus(tasksetPath) {
  if (tasksetPath === null) return []
  const out = spawnSync(tasksetPath, ['-pc', String(process.pid)], { encoding: 'utf8', timeout: 5000 })
  const list = /list:\s*([0-9,\-\s]+)/.exec(out.stdout ?? '')?.[1]?.trim()
  if (list === undefined) return []
  const cpus = []
  for (const part of list.split(',')) {
    const [from, to] = part.split('-').map(Number)
    for (let cpu = from; cpu <= (to ?? from); cpu += 1) cpus.push(cpu)
  }
  return cpus
}

/**
 * The pinning layout. With two CPUs or more: the process under test (passthrough, nginx or
 * tokengate) gets a CPU of its own; the load generator, the upstream and the introspection stub
 * share the other. The proxy is the bottleneck by design, so what we measure is its cost.
 */
export function cpuLayout(cpus, pin) {
  if (!pin || cpus.length < 2) return { target: null, aux: null, note: 'not pinned (taskset missing, one CPU, or --no-pin)' }
  return { target: cpus[0], aux: cpus[1], note: `target on cpu ${cpus[0]}; load generator, upstream and introspection stub on cpu ${cpus[1]}` }
}

/** `count` distinct free TCP ports on 127.0.0.1 (bound to port 0, then released). */
export async function freePorts(count) {
  const servers = []
  try {
    for (let i = 0; i < count; i += 1) {
      const server = createServer()
      servers.push(server)
      await new Promise((resolve, reject) => {
        server.once('error', reject)
        server.listen(0, '127.0.0.1', resolve)
      })
    }
    return servers.map((s) => s.address().port)
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))))
  }
}

/** VmRSS of one process in bytes, or null when it is gone. */
export function rssBytes(pid) {
  try {
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
    return kb === undefined ? null : Number(kb) * 1024
  } catch {
    return null
  }
}

/** Direct children of a process (Linux 3.5+ exposes them per task). */
export function childPids(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter((s) => s !== '').map(Number)
  } catch {
    return []
  }
}

/** A process and all its descendants (nginx's workers, a cluster's workers). */
export function processTree(pid) {
  const pids = [pid]
  for (let i = 0; i < pids.length && pids.length < 256; i += 1) pids.push(...childPids(pids[i]))
  return pids
}

export function treeRssBytes(pid) {
  return processTree(pid).reduce((sum, p) => sum + (rssBytes(p) ?? 0), 0)
}

/** utime + stime of a process tree, in clock ticks (/proc/PID/stat fields 14 and 15). */
export function treeCpuTicks(pid) {
  let ticks = 0
  for (const p of processTree(pid)) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8')
      // The command name (field 2) may hold spaces; the fields after its ")" are fixed.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      ticks += Number(fields[11]) + Number(fields[12])
    } catch {
      // exited meanwhile
    }
  }
  return ticks
}

/**
 * { busy, irq, total } clock ticks of one CPU since boot, from /proc/stat. `irq` (hard and soft
 * interrupts, where loopback networking is accounted) is charged to no process, so it is kept apart.
 */
export function cpuTicks(cpu) {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n').find((l) => l.startsWith(`cpu${cpu} `))
    if (line === undefined) return null
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number)
    const busy = user + nice + system + irq + softirq + steal
    return { busy, irq: irq + softirq, total: busy + idle + iowait }
  } catch {
    return null
  }
}

export function machineSummary() {
  return {
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    cpuCount: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    node: process.version,
    loadAverage1m: Number(os.loadavg()[0].toFixed(2)),
  }
}

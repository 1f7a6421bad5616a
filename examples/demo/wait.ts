// Readiness checks for the demo's gateway child: its admin /readyz when the admin listener is
// up, else a plain TCP connect to the traffic port. Polls until ready or `deadlineMs` passes.
import { connect } from 'node:net'
import { setTimeout as delay } from 'node:timers/promises'

const POLL_INTERVAL_MS = 100

function tcpOpen(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host })
    socket.once('connect', () => { socket.destroy(); resolve(true) })
    socket.once('error', () => resolve(false))
  })
}

async function readyz(adminUrl: string): Promise<boolean> {
  try {
    const response = await fetch(`${adminUrl}/readyz`, { signal: AbortSignal.timeout(1000) })
    await response.body?.cancel()
    return response.status === 200
  } catch {
    return false
  }
}

export interface WaitTarget {
  port: number
  host: string
  adminUrl: string
  /** Stops waiting early (the child exited). */
  gaveUp: () => boolean
}

/** Resolves true when the gateway answers, false when it gave up or the deadline passed. */
export async function waitForGateway(target: WaitTarget, deadlineMs: number): Promise<boolean> {
  const admin = new URL(target.adminUrl)
  const endAt = Date.now() + deadlineMs
  while (Date.now() < endAt && !target.gaveUp()) {
    if (await readyz(target.adminUrl)) return true
    // A gateway without an admin listener never answers /readyz: its open traffic port is
    // then the only sign of life.
    const adminOpen = await tcpOpen(Number(admin.port), admin.hostname)
    if (!adminOpen && await tcpOpen(target.port, target.host)) return true
    await delay(POLL_INTERVAL_MS)
  }
  return false
}

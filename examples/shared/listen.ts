// Listening helpers shared by the example servers. A port already in use is the most common
// failure when starting the demo; it becomes one readable sentence naming the environment
// variable that moves the server elsewhere, instead of a stack trace.
import type { Server } from 'node:http'
import { createServer } from 'node:net'

/** Thrown when a port is taken; `message` is meant to be printed as is. */
export class PortInUseError extends Error {
  readonly code = 'EADDRINUSE'
  readonly port: number
  readonly envName: string
  constructor(port: number, envName: string) {
    super(`port ${port} is already in use: stop what uses it or set ${envName}`)
    this.name = 'PortInUseError'
    this.port = port
    this.envName = envName
  }
}

/** Listens and resolves with the bound port (useful with port 0). */
export function listen(server: Server, port: number, host: string, envName: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(port, envName) : error)
    }
    server.once('error', onError)
    server.listen(port, host, () => {
      server.off('error', onError)
      const address = server.address()
      resolve(typeof address === 'object' && address !== null ? address.port : port)
    })
  })
}

/** Closes a server, ending idle keep-alive connections so close() does not wait for them. */
export function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve()
    server.close(() => resolve())
    server.closeIdleConnections()
  })
}

/** Rejects with PortInUseError when `port` cannot be bound on `host` right now. */
export async function assertPortFree(port: number, host: string, envName: string): Promise<void> {
  const probe = createServer()
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(port, envName) : error)
    })
    probe.listen(port, host, () => probe.close(() => resolve()))
  })
}

/** Reads a port from an environment value; anything but an integer 0..65535 is an error. */
export function portFrom(value: string | undefined, fallback: number, envName: string): number {
  if (value === undefined || value === '') return fallback
  const port = Number(value)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`${envName}=${value} is not a port number (0-65535)`)
  }
  return port
}

// A full garbage collection in another Node process, through its inspector (Chrome DevTools
// protocol, HeapProfiler.collectGarbage). Lets the memory measurement count what the cache
// retains rather than garbage V8 has not collected yet. Only bench/memory.js starts the gateway
// with --inspect; the throughput runs never do.
import { WebSocket } from 'undici'
import { setTimeout, clearTimeout } from 'node:timers'
import { httpRequest } from './http.js'

const GC_TIMEOUT_MS = 15_000

export async function collectGarbage(inspectPort) {
  const targets = JSON.parse((await httpRequest(`http://127.0.0.1:${inspectPort}/json/list`)).body)
  const url = targets[0]?.webSocketDebuggerUrl
  if (url === undefined) throw new Error(`no inspector target on port ${inspectPort}`)
  const ws = new WebSocket(url)
  try {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('inspector: collectGarbage timed out')), GC_TIMEOUT_MS)
      ws.addEventListener('error', (event) => {
        clearTimeout(timer)
        reject(new Error(`inspector: ${event.message ?? 'websocket error'}`))
      })
      ws.addEventListener('open', () => ws.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' })))
      ws.addEventListener('message', (event) => {
        if (JSON.parse(String(event.data)).id !== 1) return
        clearTimeout(timer)
        resolve()
      })
    })
  } finally {
    ws.close()
  }
}

// `npm run demo` brings the whole stack up and examples/walkthrough.sh passes against it, step
// by step, exactly as the guide reads; SIGTERM stops everything with exit 0. Every port is one
// the OS handed out, so the test never collides with a running demo.
import t from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer, type Server } from 'node:net'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)))
const DEMO = join(ROOT, 'dist/examples/demo/run.js')
const READY_LINE = 'Ctrl-C stops everything'
const READY_TIMEOUT_MS = 60_000

/** Distinct free ports: all held open at once, then released. */
async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = []
  for (let i = 0; i < count; i++) {
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    servers.push(server)
  }
  const ports = servers.map((server) => (server.address() as { port: number }).port)
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))))
  return ports
}

interface Demo {
  child: ChildProcess
  output: () => string
  exited: Promise<number | null>
  urls: { hydraPublic: string, hydraAdmin: string, gateway: string }
  ports: number[]
}

async function startDemo(): Promise<Demo> {
  const ports = await freePorts(5)
  const [hydraPublic, hydraAdmin, ratings, gateway, gatewayAdmin] = ports.map(String)
  const child = spawn(process.execPath, [DEMO], {
    cwd: ROOT,
    env: {
      ...process.env,
      HYDRA_PUBLIC_PORT: hydraPublic, HYDRA_ADMIN_PORT: hydraAdmin, RATINGS_PORT: ratings,
      TOKENGATE_PORT: gateway, TOKENGATE_ADMIN_PORT: gatewayAdmin,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => { output += chunk })
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { output += chunk })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  t.teardown(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  return {
    child,
    output: () => output,
    exited,
    ports,
    urls: {
      hydraPublic: `http://127.0.0.1:${hydraPublic}`,
      hydraAdmin: `http://127.0.0.1:${hydraAdmin}`,
      gateway: `http://127.0.0.1:${gateway}`,
    },
  }
}

/** Resolves when the demo printed its ready line; rejects if it exited or took too long. */
function untilReady(demo: Demo): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { clearInterval(poll); reject(new Error(`demo not ready:\n${demo.output()}`)) }, READY_TIMEOUT_MS)
    const poll = setInterval(() => {
      if (demo.output().includes(READY_LINE)) { clearInterval(poll); clearTimeout(timer); resolve() }
    }, 50)
    void demo.exited.then((code) => {
      clearInterval(poll); clearTimeout(timer)
      reject(new Error(`demo exited with ${code} before it was ready:\n${demo.output()}`))
    })
  })
}

function run(command: string, args: string[], env: Record<string, string>): Promise<{ code: number | null, output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { output += chunk })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { output += chunk })
    child.once('exit', (code) => resolve({ code, output }))
  })
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer()
    probe.once('error', () => resolve(false))
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)))
  })
}

t.test('the walkthrough passes against `npm run demo`, twice; SIGTERM stops everything with 0', async (t) => {
  const demo = await startDemo()
  await untilReady(demo)
  t.match(demo.output(), /DEVELOPMENT authorization server .* in-memory, not for production/)
  t.ok(demo.output().includes(`curl -i ${demo.urls.gateway}/ratings/1`), 'prints the curl commands with the demo\'s ports')

  const env = { HYDRA_PUBLIC_URL: demo.urls.hydraPublic, HYDRA_ADMIN_URL: demo.urls.hydraAdmin, GATEWAY_URL: demo.urls.gateway }
  const first = await run('bash', ['examples/walkthrough.sh'], env)
  t.equal(first.code, 0, first.output)
  for (let step = 1; step <= 7; step++) t.match(first.output, new RegExp(`== step ${step}: `), `step ${step} printed`)
  t.match(first.output, /step 2: [^\n]*\n {3}-> 201 /, 'the client is created')
  t.match(first.output, /step 5: [^\n]*\n {3}-> 403 /)
  t.match(first.output, /step 6: [^\n]*\n {3}-> 403 /)
  t.match(first.output, /step 7: [^\n]*\n {3}-> 200 [^\n]*\n {3}\{"id":1,"ratings":\{"Reviewer1":5,"Reviewer2":4\}\}/)
  t.match(first.output, /all 7 steps answered as in the guide/)

  const second = await run('bash', ['examples/walkthrough.sh'], env)
  t.equal(second.code, 0, 'a second run accepts the existing client (409)')
  t.match(second.output, /step 2: [^\n]*\n {3}-> 409 /)

  demo.child.kill('SIGTERM')
  t.equal(await demo.exited, 0, demo.output())
  for (const port of demo.ports) t.ok(await portFree(port), `port ${port} is free again`)
})

t.test('the walkthrough exits non-zero at the first answer that differs from the guide', async (t) => {
  // Nothing listens on these ports: step 1 gets no answer (000) instead of 200.
  const [gateway] = await freePorts(1)
  const result = await run('bash', ['examples/walkthrough.sh'], { GATEWAY_URL: `http://127.0.0.1:${gateway}` })
  t.not(result.code, 0)
  t.match(result.output, /== step 1: /)
  t.notMatch(result.output, /== step 2: /)
  t.match(result.output, /but the guide expects 200/)
})

t.test('a port in use is a one-line message and a non-zero exit', async (t) => {
  const blocker = createServer()
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => blocker.close(() => resolve())))
  const port = (blocker.address() as { port: number }).port
  const [p1, p2, p3, p4] = (await freePorts(4)).map(String)
  const result = await run(process.execPath, [DEMO], {
    HYDRA_PUBLIC_PORT: p1!, HYDRA_ADMIN_PORT: String(port), RATINGS_PORT: p2!, TOKENGATE_PORT: p3!, TOKENGATE_ADMIN_PORT: p4!,
  })
  t.equal(result.code, 1)
  t.match(result.output, `demo: port ${port} is already in use: stop what uses it or set HYDRA_ADMIN_PORT`)
  t.notMatch(result.output, /\n\s+at /, 'no stack trace')
})

t.test('when the gateway dies, the demo stops everything and exits non-zero', async (t) => {
  const demo = await startDemo()
  await untilReady(demo)
  const listed = await run('ps', ['-o', 'pid=', '--ppid', String(demo.child.pid)], {})
  const gatewayPid = Number(listed.output.trim().split(/\s+/)[0])
  t.ok(gatewayPid > 0, 'found the gateway child')
  process.kill(gatewayPid, 'SIGKILL')
  t.not(await demo.exited, 0)
  t.match(demo.output(), /the gateway exited/)
  for (const port of demo.ports) t.ok(await portFree(port), `port ${port} is free again`)
})

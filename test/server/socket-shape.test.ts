// Every client socket ends up with one V8 hidden class, whatever its first answer was (a forwarded
// request, a denial, a 404, a rejected path): otherwise Node's stream and socket code, which every
// proxied request runs, turns megamorphic for the rest of the process's life
// (src/server/socket-shape.ts). The built CLI runs with a preload that compares each socket's map
// with the first one's when the keep-alive timer is armed after a response.
import t from 'tap'
import { Agent, request as httpRequest } from 'node:http'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { ROOT, startGatewayProcess } from '../helpers/gateway-process.js'
import { ratingsAndOpenYaml } from '../helpers/gateway-yaml.js'
import { startOidcServer } from '../helpers/oidc-server.js'
import { startRecordingUpstream } from '../helpers/recording-upstream.js'

const oidc = await startOidcServer()
const upstream = await startRecordingUpstream()
const gw = await startGatewayProcess(ratingsAndOpenYaml(oidc, upstream.url), { nodeArgs: ['--allow-natives-syntax', '--import', pathToFileURL(join(ROOT, 'test', 'server', 'fixtures', 'socket-shapes.mjs')).href] })
t.teardown(async () => {
  await gw.stop()
  await upstream.close()
  await oidc.close()
})

/** One request on a keep-alive connection of its own, left open; resolves to the status. */
function onNewConnection(agents: Agent[], path: string, headers: Record<string, string> = {}): Promise<number> {
  const agent = new Agent({ keepAlive: true })
  agents.push(agent)
  return new Promise((resolve, reject) => {
    httpRequest(`${gw.url}${path}`, { agent, headers }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
    }).on('error', reject).end()
  })
}

const shapeLines = (): string[] => gw.stderr().split('\n').filter((line) => line.startsWith('socket-shape '))

async function shapesAfter(count: number): Promise<string[]> {
  for (let i = 0; i < 100 && shapeLines().length < count; i += 1) await new Promise((resolve) => setTimeout(resolve, 20))
  return shapeLines()
}

t.test('forwarded, denied, not found and rejected requests leave their sockets alike', async (t) => {
  const agents: Agent[] = []
  t.teardown(() => agents.forEach((agent) => agent.destroy()))
  const token = await oidc.issueToken('ratings:read')
  // The first socket is the reference: a forwarded request, the path every request should stay fast on.
  t.equal(await onNewConnection(agents, '/open/ratings/1'), 200)
  t.equal(await onNewConnection(agents, '/ratings/1'), 403, 'no token')
  t.equal(await onNewConnection(agents, '/ratings/1', { authorization: 'Bearer not-a-token-the-server-issued' }), 403, 'inactive token')
  t.equal(await onNewConnection(agents, '/nowhere'), 404)
  t.equal(await onNewConnection(agents, '/open%2F1'), 400, 'encoded slash')
  t.equal(await onNewConnection(agents, '/ratings/1', { authorization: `Bearer ${token}` }), 200, 'valid token')
  t.same(await shapesAfter(6), Array(6).fill('socket-shape same'), gw.stderr())
})

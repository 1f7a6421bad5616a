// examples/kubernetes must agree with the code: ports, probe paths, mount paths and the embedded
// configuration. (Nothing here talks to a cluster.)
import t from 'tap'
import { execFile } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { parseAllDocuments, parse } from 'yaml'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const DIR = join(ROOT, 'examples/kubernetes')
const CLI = join(ROOT, 'dist/cli.js')

type Doc = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

function load(file: string): Doc[] {
  const docs = parseAllDocuments(readFileSync(join(DIR, file), 'utf8'))
  if (!Array.isArray(docs)) throw new Error(`${file}: not a YAML stream`)
  for (const d of docs) if (d.errors.length > 0) throw new Error(`${file}: ${d.errors.map((e) => e.message).join('; ')}`)
  return docs.map((d) => d.toJS() as Doc).filter((d) => d !== null)
}

const manifestFiles = readdirSync(DIR).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
const all = manifestFiles.flatMap((f) => load(f).map((doc) => ({ file: f, doc })))
const one = (kind: string): Doc => {
  const found = all.filter((m) => m.doc.kind === kind)
  if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}`)
  return found[0]!.doc
}

const deployment = one('Deployment')
const configMap = one('ConfigMap')
const pod = deployment.spec.template.spec
const container = pod.containers[0]
const config = parse(configMap.data['gateway.yaml']) as Doc
const portByName = new Map<string, number>(container.ports.map((p: Doc) => [p.name, p.containerPort]))
const resolvePort = (p: string | number): number | undefined => (typeof p === 'number' ? p : portByName.get(p))
const mountOf = (volumeName: string): string => container.volumeMounts.find((m: Doc) => m.name === volumeName).mountPath

t.test('every manifest parses and the expected kinds are present', async (t) => {
  t.ok(manifestFiles.length >= 6)
  const kinds = all.map((m) => `${m.doc.apiVersion}/${m.doc.kind}`).sort()
  t.same(kinds, [
    'apps/v1/Deployment', 'autoscaling/v2/HorizontalPodAutoscaler', 'policy/v1/PodDisruptionBudget',
    'v1/ConfigMap', 'v1/Secret', 'v1/Service',
  ])
  const kustomization = load('kustomization.yaml')[0]!
  t.same([...kustomization.resources].sort(), [...manifestFiles].sort(), 'kustomization lists every manifest')
})

t.test('container ports equal the configured listeners; the Service exposes only traffic', async (t) => {
  t.equal(config.server.port, 8080)
  t.equal(config.admin.port, 9901)
  t.equal(config.admin.host, '0.0.0.0', 'kubelet probes need the admin listener on the pod IP')
  t.equal(portByName.get('http'), config.server.port)
  t.equal(portByName.get('admin'), config.admin.port)
  const service = one('Service')
  t.equal(service.spec.ports.length, 1)
  t.equal(service.spec.ports[0].port, 80)
  t.equal(resolvePort(service.spec.ports[0].targetPort), config.server.port)
  t.same(service.spec.selector, deployment.spec.selector.matchLabels)
})

t.test('probes: /healthz and /readyz on the admin port', async (t) => {
  t.equal(container.livenessProbe.httpGet.path, '/healthz')
  t.equal(container.readinessProbe.httpGet.path, '/readyz')
  t.equal(resolvePort(container.livenessProbe.httpGet.port), config.admin.port)
  t.equal(resolvePort(container.readinessProbe.httpGet.port), config.admin.port)
})

t.test('mounts hold the files the configuration names', async (t) => {
  const args: string[] = container.args
  const configFile = args[args.indexOf('--config') + 1]!
  const configVolume = pod.volumes.find((v: Doc) => v.configMap?.name === configMap.metadata.name)
  t.equal(mountOf(configVolume.name), dirname(configFile))
  t.ok(basename(configFile) in configMap.data, 'the ConfigMap has the key --config reads')

  const secret = one('Secret')
  const secretFile: string = config.policies[0].config.oauth2.accessTokenValidation.introspection.clientSecretFile
  const secretVolume = pod.volumes.find((v: Doc) => v.secret?.secretName === secret.metadata.name)
  t.equal(mountOf(secretVolume.name), dirname(secretFile))
  t.ok(basename(secretFile) in secret.stringData, 'the Secret has the key clientSecretFile reads')
  t.match(secret.stringData[basename(secretFile)], /REPLACE-ME/, 'the committed secret is an obvious placeholder')
})

t.test('the pod runs locked down', async (t) => {
  t.match(pod.securityContext, { runAsNonRoot: true, runAsUser: 1000 })
  t.match(container.securityContext, {
    runAsNonRoot: true, runAsUser: 1000, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
  })
  t.ok(container.resources.requests.cpu && container.resources.requests.memory, 'requests (the HPA needs the cpu one)')
  t.ok(container.resources.limits.memory, 'a memory limit')
  t.equal(deployment.spec.replicas, 2)
})

t.test('shutdown timing: preStop sleep + grace period fit in terminationGracePeriodSeconds', async (t) => {
  const graceS = Number(/^(\d+)s$/.exec(config.server.shutdownGracePeriod)?.[1])
  const preStopS: number = container.lifecycle.preStop.sleep.seconds
  t.ok(graceS > 0)
  t.ok(preStopS + graceS < pod.terminationGracePeriodSeconds)
})

t.test('HPA and PDB target the deployment', async (t) => {
  const hpa = one('HorizontalPodAutoscaler')
  t.match(hpa.spec.scaleTargetRef, { kind: 'Deployment', name: deployment.metadata.name })
  t.match(hpa.spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }])
  const pdb = one('PodDisruptionBudget')
  t.equal(pdb.spec.minAvailable, 1)
  t.same(pdb.spec.selector.matchLabels, deployment.spec.template.metadata.labels)
})

t.test('the embedded configuration passes `tokengate validate`', { skip: existsSync(CLI) ? false : 'dist/cli.js missing: npm run build' }, async (t) => {
  const dir = t.testdir({ secrets: { 'client-secret': 'test-secret\n' } })
  // The mounted secret's path does not exist here: point that one field at a temporary file.
  const text = (configMap.data['gateway.yaml'] as string).replace(
    '/etc/tokengate/secrets/client-secret', join(dir, 'secrets', 'client-secret'))
  t.not(text, configMap.data['gateway.yaml'], 'the secret path was rewritten')
  const file = join(dir, 'gateway.yaml')
  writeFileSync(file, text)
  const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'validate', '--config', file])
  t.match(stdout, /valid/)

  // …and the check can fail: the same file with the secret missing is refused.
  writeFileSync(file, configMap.data['gateway.yaml'])
  await t.rejects(promisify(execFile)(process.execPath, [CLI, 'validate', '--config', file]), { code: 1 })
})

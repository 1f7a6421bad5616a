// The built CLI's commands and exit codes: validate, a bad config at start, usage errors.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { CLI, ROOT, writeConfig } from '../helpers/gateway-process.js'

function cli(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const res = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 20_000 })
  return { status: res.status, stdout: res.stdout, stderr: res.stderr }
}

const valid = `server: { port: 0 }
upstreams:
  app: { url: "http://127.0.0.1:9" }
routes:
  - name: everything
    forwardTo: { upstream: app }
  - name: ratings
    matchers: [ { uri: { prefix: /ratings } } ]
    forwardTo: { upstream: app }
`

t.test('validate: the shipped configs are valid', async (t) => {
  for (const file of ['config/gateway.yaml', 'config/gateway.docker.yaml']) {
    const res = cli(['validate', '--config', file])
    t.equal(res.status, 0, `${file}: ${res.stderr}`)
    t.match(res.stdout, /valid \(2 routes, 1 policies\)/)
  }
})

t.test('validate: a shadowed route is a warning, not an error', async (t) => {
  const file = writeConfig(valid)
  const res = cli(['validate', '--config', file])
  t.equal(res.status, 0)
  t.match(res.stderr, new RegExp(`${file}:\\d+:\\d+ routes\\.1: warning: route "ratings" is never reached: route "everything"`))
})

t.test('validate: every problem at once, each with file, line, column and path; exit 1', async (t) => {
  const file = writeConfig(`upstreams:
  app: { url: "http://127.0.0.1:9" }
routes:
  - name: a
    forwardTo: { upstream: ratingz }
  - name: a
    matchers: [ { uri: { prefix: /x, exact: /y } } ]
    forwardTo: { upstream: app }
policies:
  - name: p
    config:
      oauth2:
        accessTokenValidation:
          introspectionURL: http://127.0.0.1:4445/admin/oauth2/introspect
`)
  const res = cli(['validate', '--config', file])
  t.equal(res.status, 1)
  const lines = res.stderr.trim().split('\n')
  t.ok(lines.length >= 4, res.stderr)
  for (const line of lines) t.match(line, new RegExp(`^${file}:\\d+:\\d+ \\S+: `), line)
  t.match(res.stderr, /routes\.0\.forwardTo\.upstream: .*ratingz/)
  t.match(res.stderr, /routes\.1\.name: .*duplicate|routes\.1.*"a"/)
  t.match(res.stderr, /introspectionURL.*did you mean "introspectionUrl"/)
})

t.test('run: a bad config exits non-zero before listening, printing its problems', async (t) => {
  const file = writeConfig('upstreams: {}\nroutes: []\n')
  const res = cli(['--config', file])
  t.equal(res.status, 1)
  t.match(res.stderr, file)
  t.notMatch(res.stdout, /listening/)
})

t.test('TOKENGATE_CONFIG names the file when --config is absent', async (t) => {
  const file = writeConfig(valid)
  const res = cli(['validate'], { TOKENGATE_CONFIG: file })
  t.equal(res.status, 0)
  t.match(res.stdout, file)
})

t.test('usage errors exit 2 with the usage text; --help exits 0', async (t) => {
  const bad = cli(['frobnicate'])
  t.equal(bad.status, 2)
  t.match(bad.stderr, /unknown command: frobnicate[\s\S]*Usage:/)
  const help = cli(['--help'])
  t.equal(help.status, 0)
  t.match(help.stdout, /tokengate validate/)
  t.equal(cli(['--workers', 'lots']).status, 2)
})

t.test('a missing config file is one clear line', async (t) => {
  const res = cli(['validate', '--config', '/nonexistent/gateway.yaml'])
  t.equal(res.status, 1)
  t.match(res.stderr, /^\/nonexistent\/gateway\.yaml: cannot read the configuration file \(ENOENT\)/)
})

// `portico export compose` booted by Debian's docker-compose (v1) and reached through the
// gateway; `portico export kubernetes` built by `kubectl kustomize`, validated against the
// Kubernetes v1.33.0 schemas, and its security context proven on the real images (read-only
// root filesystem, non-root, no capabilities, /tmp as the only writable place). beta has an
// env file and a bind mount: compose carries both (env_file:, a relative bind), Kubernetes a
// Secret created from the file and a note for the mount.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseAllDocuments, parseDocument } from 'yaml';
import { cleanup, freePort, getThroughGateway, makeWorkspace, portico, randomProject, setGatewayPort } from './helpers/stack.js';
import { expectValidKubernetes } from '../helpers/kubernetes-schemas.js';

const which = async (bin: string) => (await execa('sh', ['-c', `command -v ${bin}`], { reject: false })).exitCode === 0;

describe('portico export (real engine)', () => {
  const project = randomProject();
  const composeProject = `${project}c`;
  let dir: string;
  let gatewayPort: number;
  const composeEnv = { PORTICO_REGISTRY_TOKEN: 'export-test-token' };
  const compose = (args: string[]) => execa('docker-compose', ['-p', composeProject, '-f', 'docker-compose.yml', ...args], { cwd: dir, reject: false, all: true, env: composeEnv });

  // A value only the env file has, and one portico.yaml's env overrides (it wins, as in `up`).
  const ENV_FILE = 'EXPORT_FROM_FILE="file value"\nEXPORT_BOTH=from-file\n';

  beforeAll(async () => {
    dir = await makeWorkspace(project);
    gatewayPort = await freePort();
    await setGatewayPort(dir, gatewayPort);
    await writeFile(path.join(dir, '.env.beta'), ENV_FILE);
    const file = path.join(dir, 'portico.yaml');
    const manifest = parseDocument(await readFile(file, 'utf8'));
    manifest.setIn(['services', 'beta', 'envFile'], '.env.beta');
    manifest.setIn(['services', 'beta', 'env', 'EXPORT_BOTH'], 'from-manifest');
    manifest.setIn(['services', 'beta', 'mounts'], ['./services/beta:/mnt/beta-src:ro']);
    await writeFile(file, manifest.toString());
  });
  afterAll(async () => {
    if (dir && (await which('docker-compose'))) await compose(['down', '-v', '--remove-orphans']);
    await cleanup(dir);
  });

  it('export compose: docker-compose accepts it (config), boots it, and the gateway answers 200 on the same port', async () => {
    const r = await portico(dir, ['export', 'compose', '--json']);
    expect(r.exitCode, r.all).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ target: 'compose', output: path.join(dir, 'docker-compose.yml'), needsEnv: ['PORTICO_REGISTRY_TOKEN'] });
    expect(Object.keys(doc.images).sort()).toEqual(['alpha', 'beta', 'gateway', 'registry']);

    // A second export refuses to overwrite without --force.
    const again = await portico(dir, ['export', 'compose']);
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toMatch(/already exists[\s\S]*--force/);

    expect(await which('docker-compose'), 'docker-compose is installed (.ci/run installs it)').toBe(true);
    const config = await compose(['config', '--quiet']);
    expect(config.exitCode, config.all).toBe(0);
    const started = Date.now();
    const up = await compose(['up', '-d']);
    expect(up.exitCode, up.all).toBe(0);
    for (const route of ['/api/alpha/items', '/api/beta/items']) {
      const res = await getThroughGateway(`http://127.0.0.1:${gatewayPort}${route}`, 240);
      expect(res.status, route).toBe(200);
    }
    console.log(`compose stack answered 200 through the gateway ${Date.now() - started} ms after \`docker-compose up -d\``);
    const ps = await compose(['ps']);
    expect(ps.all).toContain(`127.0.0.1:${gatewayPort}->8080/tcp`);

    // beta's env file reached the container through env_file: (its values never in the compose
    // file), portico.yaml's env won, and its mount is a read-only bind of the workspace folder.
    const text = await readFile(path.join(dir, 'docker-compose.yml'), 'utf8');
    expect(text).toContain('env_file:\n      - ./.env.beta');
    expect(text).toContain('./services/beta:/mnt/beta-src:ro');
    expect(text + r.all).not.toContain('file value');
    const betaId = (await compose(['ps', '-q', 'beta-1'])).stdout.trim();
    const beta = JSON.parse((await execa('docker', ['inspect', betaId])).stdout)[0];
    expect(beta.Config.Env).toEqual(expect.arrayContaining(['EXPORT_FROM_FILE=file value', 'EXPORT_BOTH=from-manifest']));
    expect(beta.Mounts).toContainEqual(expect.objectContaining({ Type: 'bind', Source: path.join(dir, 'services/beta'), Destination: '/mnt/beta-src', RW: false }));
    const down = await compose(['down', '-v']);
    expect(down.exitCode, down.all).toBe(0);
  });

  it('export kubernetes: every object validates against the v1.33.0 schemas and `kubectl kustomize` builds the folder', async () => {
    const r = await portico(dir, ['export', 'kubernetes', '-o', 'k8s', '--hpa-max', '4', '--json']);
    expect(r.exitCode, r.all).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.secrets).toEqual([
      { name: `${project}-registry`, keys: ['PORTICO_REGISTRY_TOKEN'] },
      { name: `${project}-beta-env`, keys: [], envFiles: ['.env.beta'] },
    ]);
    expect(doc.commands).toContain(`kubectl create secret generic ${project}-registry --from-literal=PORTICO_REGISTRY_TOKEN="$PORTICO_REGISTRY_TOKEN"`);
    expect(doc.commands).toContain(`kubectl create secret generic ${project}-beta-env --from-env-file=.env.beta`);
    expect(doc.needsEnv).toEqual(['PORTICO_REGISTRY_TOKEN']);
    expect(doc.notes).toContainEqual(expect.stringContaining('services.beta.mounts: ./services/beta:/mnt/beta-src:ro binds a host folder'));
    // The quoted value would keep its quotes with kubectl: named, never shown.
    expect(doc.notes).toContainEqual(expect.stringMatching(/^\.env\.beta \(services\.beta\.envFile\): kubectl reads .* so EXPORT_FROM_FILE would/));
    expect(r.all).not.toContain('file value');
    const objects = [];
    for (const file of doc.files.filter((f: string) => !f.endsWith('kustomization.yaml'))) {
      for (const d of parseAllDocuments(await readFile(file, 'utf8'))) objects.push(d.toJS());
    }
    const kinds = expectValidKubernetes(objects);
    expect(kinds).toEqual(expect.arrayContaining(['Deployment/alpha', 'Service/alpha', 'HorizontalPodAutoscaler/alpha', 'Deployment/gateway', 'Ingress/gateway', `ConfigMap/${project}-config`]));

    if (!(await which('kubectl'))) {
      console.log('SKIPPED kubectl kustomize: kubectl is not installed on this machine (install it to run this check)');
      return;
    }
    const built = await execa('kubectl', ['kustomize', path.join(dir, 'k8s')], { reject: false, all: true });
    expect(built.exitCode, built.all).toBe(0);
    const rendered = parseAllDocuments(built.stdout).map((d) => d.toJS() as { kind: string; metadata: { name: string } });
    expect(rendered.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([...kinds].sort());
    expectValidKubernetes(rendered as never);
  });

  it("the Portico-built images run healthy under the export's securityContext (read-only root, uid 1000, no capabilities)", async () => {
    const doc = JSON.parse((await portico(dir, ['export', 'kubernetes', '-o', 'k8s', '--force', '--json'])).stdout);
    const net = `${project}_ro`;
    const names = { registry: `${project}-ro-registry`, gateway: `${project}-ro-gateway`, alpha: `${project}-ro-alpha` };
    const locked = ['--read-only', '--tmpfs', '/tmp', '--user', '1000:1000', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', '--label', `dev.portico.project=${project}`];
    const env = (vars: Record<string, string>) => Object.entries(vars).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    const common = { PORTICO_REGISTRY_TOKEN: 't', PORTICO_PROJECT: project };
    try {
      await execa('docker', ['network', 'create', '--label', `dev.portico.project=${project}`, net]);
      const cfg = ['-v', `${path.join(dir, '.portico')}:/etc/portico:ro`];
      await execa('docker', ['run', '-d', '--name', names.registry, '--network', net, '--network-alias', 'registry', ...locked, ...cfg, ...env({ ...common, PORTICO_CONFIG_DIR: '/etc/portico' }), doc.images.registry]);
      await execa('docker', ['run', '-d', '--name', names.gateway, '--network', net, ...locked, ...cfg, ...env({ ...common, PORTICO_CONFIG_DIR: '/etc/portico' }), doc.images.gateway]);
      await execa('docker', ['run', '-d', '--name', names.alpha, '--network', net, ...locked, ...env({ ...common, PORTICO_REGISTRY_URL: 'http://registry:8500', PORTICO_SERVICE: 'alpha', PORTICO_INSTANCE_ID: 'alpha-pod', PORT: '3000' }), doc.images.alpha]);
      const deadline = Date.now() + 90_000;
      let states: string[] = [];
      while (Date.now() < deadline) {
        const inspect = await execa('docker', ['inspect', '--format', '{{.State.Health.Status}}', ...Object.values(names)], { reject: false });
        states = inspect.stdout.split('\n');
        if (states.every((s) => s === 'healthy') || states.includes('unhealthy')) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      expect(states).toEqual(['healthy', 'healthy', 'healthy']);
    } finally {
      await execa('docker', ['rm', '-f', ...Object.values(names)], { reject: false });
      await execa('docker', ['network', 'rm', net], { reject: false });
    }
  });
});

// One run inside the built container image: the engine builds the gateway image from
// dist/runtime/gateway.mjs, the gateway container proxies to an upstream container on a
// Docker network this test creates, and is reached through its port published on 127.0.0.1.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/core/paths.js';
import type { DockerClient } from '../../src/engine/docker/client.js';
import { getDockerClient } from '../../src/engine/docker/dockerode-client.js';
import { ensureImage } from '../../src/engine/images/build.js';
import { resolveRuntimeImage } from '../../src/engine/images/runtime-image.js';
import { LABEL } from '../../src/compile/labels.js';
import { discovery, gatewayConfig, route, send, until } from './gateway-helpers.js';

const project = `t${randomBytes(3).toString('hex')}`;
// The package version, as `portico up` uses: the image (named by content hash) is shared with other runs.
const version = (JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
const labels = { [LABEL.project]: project };
const network = `${project}_net`;
// A tiny upstream: answers with what it received and its hostname.
const UPSTREAM = "require('http').createServer((q,s)=>{s.setHeader('content-type','application/json');s.end(JSON.stringify({url:q.url,host:require('os').hostname(),headers:q.headers}))}).listen(3000)";

describe('gateway in its container image', () => {
  let docker: DockerClient;
  let dir: string;
  let port = 0;

  beforeAll(async () => {
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: packageRoot(), stdio: 'ignore' });
    docker = await getDockerClient();
    const report = { info() {} };
    const runtime = await resolveRuntimeImage(docker, 'auto', { report, version });
    dir = await mkdtemp(path.join(os.tmpdir(), 'portico-gw-image-'));
    const image = await ensureImage({ kind: 'runtime', runtime: 'gateway' }, { docker, project, version, workspaceDir: dir, stateDir: path.join(dir, 'state'), runtime, force: false, report });

    // discovery.json names the upstream by its network alias.
    const d = discovery({ orders: [3000] });
    d.services.orders.instances = [{ id: `${project}-orders-1`, address: 'orders', port: 3000 }];
    const config = gatewayConfig([route({ id: 'orders#0', service: 'orders', path: '/api/orders', auth: 'required' })], {
      project,
      auth: { apiKeys: [{ name: 'ci', env: 'CI_KEY' }], jwt: null },
    });
    await writeFile(path.join(dir, 'gateway.json'), JSON.stringify(config));
    await writeFile(path.join(dir, 'discovery.json'), JSON.stringify(d));
    // The image runs as uid 1000: the mounted files must be readable by it.
    await chmod(dir, 0o755);
    await chmod(path.join(dir, 'gateway.json'), 0o644);
    await chmod(path.join(dir, 'discovery.json'), 0o644);

    await docker.createNetwork(network, labels);
    const common = { labels, network, volumes: [], init: true };
    const upstream = await docker.createContainer({ ...common, name: `${project}-orders-1`, image: runtime.ref, env: {}, cmd: ['node', '-e', UPSTREAM], aliases: ['orders'], ports: [], binds: [] });
    await docker.startContainer(upstream);
    const gateway = await docker.createContainer({
      ...common,
      name: `${project}-gateway-1`,
      image: image.ref,
      env: { PORTICO_CONFIG_DIR: '/etc/portico', CI_KEY: 'image-test-key' },
      aliases: ['gateway'],
      ports: [{ hostIp: '127.0.0.1', hostPort: 0, containerPort: 8080 }],
      binds: [{ source: dir, target: '/etc/portico', readOnly: true }],
    });
    await docker.startContainer(gateway);
    const details = await docker.inspectContainer(gateway);
    port = details!.ports.find((p) => p.containerPort === 8080)!.hostPort;
    await until(async () => (await send(port, '/_portico/health')).status === 200, 60_000);
  });

  afterAll(async () => {
    if (docker !== undefined) {
      for (const c of await docker.listContainers(labels)) await docker.removeContainer(c.id, { force: true });
      for (const n of await docker.listNetworks(labels)) await docker.removeNetwork(n.id);
    }
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('proxies to a service container with the API key from its environment', async () => {
    const ok = await send(port, '/api/orders/42?x=1', { headers: { 'x-api-key': 'image-test-key' } });
    expect(ok.status).toBe(200);
    expect(ok.json()).toMatchObject({ url: '/42?x=1', host: expect.any(String), headers: { 'x-portico-consumer': 'ci' } });
    expect(ok.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    expect((await send(port, '/api/orders/42')).status).toBe(401);
    const none = await send(port, '/nowhere');
    expect(none.status).toBe(404);
    expect(none.json().error).toBe('no_route');
  });

  it('becomes healthy under the image HEALTHCHECK', async () => {
    const [gateway] = (await docker.listContainers(labels)).filter((c) => c.name.endsWith('-gateway-1'));
    await until(async () => (await docker.inspectContainer(gateway.id))?.state.health === 'healthy', 60_000);
  });
});

// The go-net-http template on the real engine through the built CLI: `create` a Go service,
// its own tests with the host's Go, `up` (the build stage runs in golang:<ver> or in the
// toolchain image Portico builds from the host's GOROOT), requests through the gateway, health,
// the catalog's validated OpenAPI document, and an unchanged second `up` that skips the build.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { cleanup, docker, getThroughGateway, makeWorkspace, randomProject, upJson } from './helpers/stack.js';

describe('go-net-http template (real engine)', () => {
  const project = randomProject();
  let dir: string;
  let gatewayUrl: string;

  beforeAll(async () => {
    dir = await makeWorkspace(project, [['orders', '-t', 'go-net-http', '-r', '/api/orders']]);
  });
  const started = Date.now();
  afterAll(async () => {
    await cleanup(dir);
    // The classic builder keeps the build stage as an untagged image without the project's
    // label: remove the ones this file's builds made (the `go build` step, since it started).
    for (const image of await docker.listImages({ filters: JSON.stringify({ dangling: ['true'] }) })) {
      const info = await docker.getImage(image.Id).inspect().catch(() => undefined);
      const cmd = JSON.stringify((info as { ContainerConfig?: { Cmd?: string[] } } | undefined)?.ContainerConfig?.Cmd ?? []);
      if (image.Created * 1000 >= started - 1000 && cmd.includes('/out/service')) await docker.getImage(image.Id).remove().catch(() => undefined);
    }
  });

  it('creates a Go service with nothing to install, whose own tests pass with the host Go', async () => {
    const manifest = await readFile(path.join(dir, 'portico.yaml'), 'utf8');
    expect(manifest).toContain('    template: go-net-http\n    build: {}\n    path: services/orders\n    port: 8080\n');
    const tests = await execa('go', ['test', './...'], { cwd: path.join(dir, 'services/orders'), reject: false, all: true, env: { GOPROXY: 'off', GOFLAGS: '' } });
    expect(tests.exitCode, tests.all).toBe(0);
    expect(tests.stdout).toMatch(/^ok\s+orders/m);
  });

  it('builds the static binary FROM scratch, serves through the gateway, is healthy and its OpenAPI is in the catalog', async () => {
    const doc = await upJson(dir, 180);
    gatewayUrl = doc.gateway.url;
    const image = doc.images.find((i: { key: string }) => i.key === 'orders');
    expect(image).toMatchObject({ outcome: 'built' });

    const created = await fetch(`${gatewayUrl}/api/orders/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"first"}' });
    expect(created.status).toBe(201);
    const item = (await created.json()) as { id: string };
    const res = await getThroughGateway(`${gatewayUrl}/api/orders/items/${item.id}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: item.id, name: 'first' });

    const info = await docker.getImage(image.ref).inspect();
    expect(info.Config.User).toBe('65532:65532');
    expect(info.Config.Healthcheck?.Test).toEqual(['CMD', '/service', '-healthcheck']);
    expect(info.Size).toBeLessThan(20_000_000);
    // The container keeps the image's own HEALTHCHECK (no node in it) and passes it.
    const container = await docker.getContainer(`${project}-orders-1`).inspect();
    expect(container.Config.Healthcheck?.Test).toEqual(['CMD', '/service', '-healthcheck']);
    expect(container.State.Health?.Status).toBe('healthy');

    const token = (await readFile(path.join(dir, '.portico/state/admin-token'), 'utf8')).trim();
    let entry: { health: { status: string }; openapi: { state: string; operations: number; error: unknown } } | undefined;
    for (let i = 0; i < 40 && entry?.openapi.state !== 'ok'; i++) {
      const catalog = (await (await fetch(`${gatewayUrl}/_portico/catalog`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
        services: { service: string; health: { status: string }; openapi: { state: string; operations: number; error: unknown } }[];
      };
      entry = catalog.services.find((s) => s.service === 'orders');
      if (entry?.openapi.state !== 'ok') await new Promise((done) => setTimeout(done, 250));
    }
    expect(entry).toMatchObject({ health: { status: 'passing' }, openapi: { state: 'ok', error: null } });
    // listItems, createItem, getItem, deleteItem, /healthz, /readyz
    expect(entry!.openapi.operations).toBe(6);
  });

  it('skips the build on an unchanged second up', async () => {
    const doc = await upJson(dir);
    expect(doc.images.find((i: { key: string }) => i.key === 'orders')).toMatchObject({ outcome: 'cached' });
    expect(doc.actions).toMatchObject({ created: 0, recreated: 0, unchanged: 3 });
  });

  it('drains on SIGTERM: the service deregisters and exits 0', async () => {
    const container = docker.getContainer(`${project}-orders-1`);
    await container.stop({ t: 10 });
    const state = (await container.inspect()).State;
    expect(state.ExitCode).toBe(0);
    const logs = (await container.logs({ stdout: true, stderr: true })).toString('utf8');
    expect(logs).toContain('"msg":"deregistered from the Portico registry"');
    expect(logs).toContain('"msg":"stopped"');
  });
});

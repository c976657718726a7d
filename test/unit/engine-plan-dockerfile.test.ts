// How `build:`, `envFile:` and `mounts:` services are planned: image spec, health, binds,
// discovery check, and the edge that reads env files and resolves mount paths.
import { describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseManifest } from '../../src/manifest/load.js';
import { compileDiscovery } from '../../src/compile/discovery.js';
import { planImages, planStack, type PlanInputs } from '../../src/compile/plan.js';
import { withWorkspaceFiles } from '../../src/engine/workspace-files.js';
import { tempDir } from '../helpers/workspace.js';

const yaml = `version: 1
name: shop
services:
  api:
    build: { args: { VERSION: 2, DEBUG: true }, target: prod }
    port: 8000
    health: { path: /ping }
    env: { MODE: manifest }
    envFile: [api.env, api.local.env]
    mounts: ["./src:/app/src:ro", { source: ./data, target: /data }]
  worker:
    build: { context: ., dockerfile: worker/Dockerfile }
    envFile: missing.env
`;
const inputs: PlanInputs = {
  version: '0.1.0',
  configDir: '/w/.portico',
  images: { api: 'portico/shop-api:aaa', worker: 'portico/shop-worker:bbb', gateway: 'g', registry: 'r' },
  registryToken: 'tok',
  gatewayEnv: {},
};

describe('Dockerfile services in the plan', () => {
  const loaded = parseManifest(yaml, '/w/portico.yaml');

  it('asks for a Dockerfile build with the context defaulting to the service path and args as strings', () => {
    expect(planImages(loaded.manifest).filter((i) => i.kind === 'dockerfile')).toEqual([
      { kind: 'dockerfile', service: 'api', context: 'services/api', dockerfile: 'Dockerfile', args: { VERSION: '2', DEBUG: 'true' }, target: 'prod' },
      { kind: 'dockerfile', service: 'worker', context: '.', dockerfile: 'worker/Dockerfile', args: {}, target: undefined },
    ]);
  });

  it('keeps the image\'s own health check and is probed over HTTP by the registry only when health is given', () => {
    const discovery = compileDiscovery(loaded.manifest);
    expect(discovery.services.api).toMatchObject({ kind: 'image', check: { type: 'http', path: '/ping' } });
    expect(discovery.services.worker).toMatchObject({ kind: 'image', check: { type: 'tcp' } });
  });

  it('reads env files (portico.yaml env wins, later files win) and binds mounts from the workspace', async () => {
    const dir = await tempDir({ 'api.env': 'MODE=file\nTOKEN=one\nA=1\n', 'api.local.env': 'TOKEN=two\n' });
    const resolved = await withWorkspaceFiles({ ...loaded, dir }, ['api']);
    // worker's missing env file is not read: it is not started by this run.
    const plan = planStack(resolved.manifest, compileDiscovery(resolved.manifest), { ...inputs, only: ['api'] });
    const api = plan.containers.find((c) => c.service === 'api')!;
    expect(api.health).toBeUndefined();
    expect(api.env).toMatchObject({ MODE: 'manifest', TOKEN: 'two', A: '1', PORT: '8000' });
    expect(api.binds).toEqual([
      { source: path.join(dir, 'src'), target: '/app/src', readOnly: true },
      { source: path.join(dir, 'data'), target: '/data', readOnly: false },
    ]);
    // A changed value recreates the container (config hash) without the value being in any label.
    await writeFile(path.join(dir, 'api.local.env'), 'TOKEN=three\n');
    const changed = await withWorkspaceFiles({ ...loaded, dir }, ['api']);
    const other = planStack(changed.manifest, compileDiscovery(changed.manifest), { ...inputs, only: ['api'] }).containers.find((c) => c.service === 'api')!;
    expect(other.configHash).not.toBe(api.configHash);
    expect(JSON.stringify(api.labels)).not.toContain('two');
  });

  it('refuses to plan a mount whose source was not resolved (a bug, not user input)', () => {
    expect(() => planStack(loaded.manifest, compileDiscovery(loaded.manifest), { ...inputs, only: ['api'] })).toThrow(/was not resolved to an absolute path/);
  });
});

// Step 4 of `up`: the stack plan (now that image tags and secrets are known), then the
// project's network and named volumes.
import { compileDiscovery } from '../../compile/discovery.js';
import { projectFilter } from '../../compile/labels.js';
import { planStack, type StackPlan } from '../../compile/plan.js';
import { readGatewayCa } from '../../workspace/gateway-ca.js';
import type { DockerClient } from '../docker/client.js';
import { isConflict, networkConflict } from '../docker/errors.js';
import { adminToken, configDirOf, gatewaySecrets, registryToken } from '../workspace.js';
import { step, warn, type UpRun } from './run.js';

export async function createNetwork(run: UpRun): Promise<void> {
  const { req, state, manifest } = run;
  await step(run, { id: 'network', title: 'Network and volumes' }, async (s) => {
    const secrets = await gatewaySecrets(manifest, req.loaded.dir, req.env);
    for (const name of secrets.missing) {
      warn(run, `${name} is not set in the environment or .env: the gateway will reject requests that need it.`);
    }
    const plan = planStack(run.planned, compileDiscovery(manifest), {
      version: req.version,
      configDir: configDirOf(req.loaded.dir),
      images: Object.fromEntries(Object.entries(state.images).map(([k, v]) => [k, v.ref])),
      registryToken: await registryToken(req.loaded.dir),
      adminToken: await adminToken(req.loaded.dir),
      gatewayEnv: secrets.values,
      gatewayCa: await readGatewayCa(req.loaded),
      only: req.only,
    });
    state.plan = plan;
    await ensureNetwork(run.docker, plan);
    await ensureVolumes(run.docker, plan);
    s.title = `Network ${plan.network.name}`;
  });
}

async function ensureNetwork(docker: DockerClient, plan: StackPlan): Promise<void> {
  const ours = await docker.listNetworks(projectFilter(plan.project));
  if (ours.some((n) => n.name === plan.network.name)) return;
  try {
    await docker.createNetwork(plan.network.name, plan.network.labels);
  } catch (error) {
    if (!isConflict(error)) throw error;
    throw networkConflict(plan.network.name, plan.project);
  }
}

async function ensureVolumes(docker: DockerClient, plan: StackPlan): Promise<void> {
  if (plan.volumes.length === 0) return;
  const existing = new Set((await docker.listVolumes(projectFilter(plan.project))).map((v) => v.name));
  for (const v of plan.volumes) if (!existing.has(v.name)) await docker.createVolume(v.name, v.labels);
}

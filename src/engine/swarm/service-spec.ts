// SwarmServicePlan -> the Docker Engine API's ServiceSpec (POST /services/create and
// /services/{id}/update). Pure, so the mapping is unit-tested without an engine.
import { SWARM_STOP_GRACE_S, type SwarmServicePlan } from '../../compile/swarm-plan.js';
import type { ObjectIds } from './client.js';

const NS_PER_MS = 1_000_000;
const NS_PER_S = 1_000_000_000;

/**
 * Rolling updates: one task at a time, the new task started (and healthy: Swarm reports a
 * task with a health check running only once it is healthy) before the old one is stopped,
 * and a rollback when a new task fails within the monitor window.
 */
export const UPDATE_CONFIG = {
  Parallelism: 1,
  Delay: 0,
  Order: 'start-first',
  FailureAction: 'rollback',
  Monitor: 5 * NS_PER_S,
  MaxFailureRatio: 0,
} as const;

export const ROLLBACK_CONFIG = {
  Parallelism: 1,
  Delay: 0,
  Order: 'start-first',
  FailureAction: 'pause',
  Monitor: 5 * NS_PER_S,
  MaxFailureRatio: 0,
} as const;

export function dockerServiceSpec(plan: SwarmServicePlan, network: string, ids: ObjectIds) {
  const idOf = (map: Map<string, string>, name: string, kind: string) => {
    const id = map.get(name);
    if (!id) throw new Error(`${kind} ${name} was not created`);
    return id;
  };
  return {
    Name: plan.name,
    Labels: plan.labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: plan.image,
        Labels: plan.containerLabels,
        // Swarm's Args is Docker's Cmd (the image's entrypoint stays).
        ...(plan.cmd ? { Args: plan.cmd } : {}),
        Env: Object.entries(plan.env).map(([k, v]) => `${k}=${v}`),
        Init: true,
        StopGracePeriod: SWARM_STOP_GRACE_S * NS_PER_S,
        ...(plan.health
          ? {
              HealthCheck: {
                Test: plan.health.test,
                Interval: plan.health.intervalMs * NS_PER_MS,
                Timeout: plan.health.timeoutMs * NS_PER_MS,
                Retries: plan.health.retries,
                StartPeriod: plan.health.startPeriodMs * NS_PER_MS,
              },
            }
          : {}),
        Mounts: [
          ...plan.volumes.map((v) => ({ Type: 'volume', Source: v.name, Target: v.target, VolumeOptions: { Labels: { ...plan.containerLabels } } })),
          ...plan.binds.map((b) => ({ Type: 'bind', Source: b.source, Target: b.target, ReadOnly: b.readOnly })),
        ],
        Configs: plan.configs.map((c) => ({
          File: { Name: c.target, UID: '0', GID: '0', Mode: 0o444 },
          ConfigID: idOf(ids.configs, c.name, 'config'),
          ConfigName: c.name,
        })),
        Secrets: plan.secrets.map((s) => ({
          File: { Name: s.target, UID: s.uid, GID: s.gid, Mode: s.mode },
          SecretID: idOf(ids.secrets, s.name, 'secret'),
          SecretName: s.name,
        })),
      },
      RestartPolicy: { Condition: 'any', Delay: 1 * NS_PER_S, MaxAttempts: 0 },
      ...(plan.constraints.length > 0 ? { Placement: { Constraints: plan.constraints } } : {}),
      Networks: [{ Target: network, Aliases: plan.aliases }],
      ...(plan.resources ? { Resources: { Limits: resourceLimits(plan.resources) } } : {}),
    },
    Mode: plan.replicas === 'global' ? { Global: {} } : { Replicated: { Replicas: plan.replicas } },
    UpdateConfig: { ...UPDATE_CONFIG, Order: plan.updateOrder },
    RollbackConfig: { ...ROLLBACK_CONFIG, Order: plan.updateOrder },
    EndpointSpec: {
      Mode: plan.endpointMode,
      Ports: plan.ports.map((p) => ({ Protocol: 'tcp', TargetPort: p.target, PublishedPort: p.published, PublishMode: plan.publishMode })),
    },
  };
}

function resourceLimits(r: NonNullable<SwarmServicePlan['resources']>) {
  return {
    ...(r.cpus !== undefined ? { NanoCPUs: Math.round(r.cpus * NS_PER_S) } : {}),
    ...(r.memoryBytes !== undefined ? { MemoryBytes: r.memoryBytes } : {}),
  };
}

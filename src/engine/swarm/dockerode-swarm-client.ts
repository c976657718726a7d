// The dockerode-backed SwarmClient, and its factory (the engine checked to answer first).
import Docker from 'dockerode';
import { Readable } from 'node:stream';
import type { LabelFilter } from '../docker/client.js';
import { LABEL } from '../../compile/labels.js';
import { DockerodeClient, getDockerClient } from '../docker/dockerode-client.js';
import type { SwarmServicePlan } from '../../compile/swarm-plan.js';
import type { NamedObject, ObjectIds, SwarmClient, SwarmInfo, SwarmServiceInfo, SwarmTaskInfo } from './client.js';
import { dockerServiceSpec } from './service-spec.js';

function labelFilters(labels: LabelFilter): string {
  return JSON.stringify({ label: Object.entries(labels).map(([k, v]) => (v === true ? k : `${k}=${v}`)) });
}

const statusOf = (error: unknown) => (error as { statusCode?: number })?.statusCode;
const ignoreGone = (error: unknown) => {
  if (statusOf(error) !== 404) throw error;
};

const objectSpec = (name: string, data: string, labels: Record<string, string>) => ({ Name: name, Labels: labels, Data: Buffer.from(data).toString('base64') });
const createdId = (created: unknown) => (created as { id: string }).id;
function namedObjects(list: unknown): NamedObject[] {
  return (list as { ID: string; Spec?: { Name?: string; Labels?: Record<string, string> } }[]).map((o) => ({ id: o.ID, name: o.Spec?.Name ?? '', labels: o.Spec?.Labels ?? {} }));
}

interface RawService {
  ID: string;
  Version?: { Index?: number };
  Spec?: {
    Name?: string;
    Labels?: Record<string, string>;
    TaskTemplate?: { ContainerSpec?: { Image?: string } };
    Mode?: { Replicated?: { Replicas?: number }; Global?: object };
    EndpointSpec?: { Ports?: { PublishedPort?: number; TargetPort?: number }[] };
  };
  Endpoint?: { Ports?: { PublishedPort?: number; TargetPort?: number }[] };
  UpdateStatus?: { State?: string; Message?: string };
}

interface RawTask {
  ID: string;
  ServiceID: string;
  Slot?: number;
  DesiredState?: string;
  Status?: { State?: string; Err?: string; Message?: string; Timestamp?: string; ContainerStatus?: { ContainerID?: string } };
  Spec?: { ContainerSpec?: { Labels?: Record<string, string> } };
}

export class DockerodeSwarmClient implements SwarmClient {
  constructor(readonly docker: Docker) {}

  async info(): Promise<SwarmInfo> {
    const info = (await this.docker.info()) as { Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean; NodeID?: string; Nodes?: number } };
    const swarm = info.Swarm ?? {};
    return { state: swarm.LocalNodeState || 'inactive', manager: swarm.ControlAvailable === true, nodeId: swarm.NodeID ?? '', nodes: swarm.Nodes ?? 0 };
  }

  async listServices(labels: LabelFilter): Promise<SwarmServiceInfo[]> {
    const list = (await this.docker.listServices({ filters: labelFilters(labels) })) as unknown as RawService[];
    return list.map((s) => ({
      id: s.ID,
      name: s.Spec?.Name ?? '',
      version: s.Version?.Index ?? 0,
      labels: s.Spec?.Labels ?? {},
      image: s.Spec?.TaskTemplate?.ContainerSpec?.Image ?? '',
      replicas: s.Spec?.Mode?.Replicated?.Replicas ?? 0,
      global: s.Spec?.Mode?.Global !== undefined,
      updateState: s.UpdateStatus?.State ?? null,
      updateMessage: s.UpdateStatus?.Message ?? null,
      // Host-mode ports are not in Endpoint.Ports (no virtual IP): read them from the spec.
      publishedPorts: (s.Endpoint?.Ports?.length ? s.Endpoint.Ports : (s.Spec?.EndpointSpec?.Ports ?? [])).map((p) => ({ published: p.PublishedPort ?? 0, target: p.TargetPort ?? 0 })),
    }));
  }

  // The spec goes to the engine as it is: the API (unlike the docker CLI) does not resolve the
  // image against a registry, so a local tag works on a single-node swarm.
  async createService(plan: SwarmServicePlan, network: string, ids: ObjectIds): Promise<string> {
    const created = (await this.docker.createService(dockerServiceSpec(plan, network, ids) as unknown as Docker.CreateServiceOptions)) as unknown as { id?: string; ID?: string };
    return created.id ?? created.ID ?? '';
  }

  async updateService(existing: SwarmServiceInfo, plan: SwarmServicePlan, network: string, ids: ObjectIds): Promise<void> {
    await this.docker.getService(existing.id).update({ version: existing.version, ...dockerServiceSpec(plan, network, ids) });
  }

  async removeService(id: string): Promise<void> {
    await this.docker.getService(id).remove().catch(ignoreGone);
  }

  async listTasks(labels: LabelFilter): Promise<SwarmTaskInfo[]> {
    // Tasks carry no service labels of their own: filter by the service ids of the project.
    const services = await this.listServices(labels);
    if (services.length === 0) return [];
    const list = (await this.docker.listTasks({ filters: JSON.stringify({ service: services.map((s) => s.id) }) })) as RawTask[];
    return list.map((t) => ({
      id: t.ID,
      serviceId: t.ServiceID,
      slot: t.Slot ?? null,
      desiredState: t.DesiredState ?? '',
      state: t.Status?.State ?? '',
      error: t.Status?.Err || null,
      message: t.Status?.Message ?? '',
      timestamp: t.Status?.Timestamp ?? '',
      containerId: t.Status?.ContainerStatus?.ContainerID || null,
      configHash: t.Spec?.ContainerSpec?.Labels?.[LABEL.configHash] ?? null,
    }));
  }

  async serviceLogs(id: string, options: { tail: number; follow: boolean }): Promise<Readable> {
    const service = this.docker.getService(id) as unknown as { logs(o: object): Promise<Readable | Buffer> };
    const logs = await service.logs({ stdout: true, stderr: true, follow: options.follow, tail: options.tail });
    // Without follow, dockerode hands back the whole (multiplexed) body as one Buffer.
    return Buffer.isBuffer(logs) ? Readable.from([logs]) : logs;
  }

  // Configs and secrets are the same kind of object to the API: a name, labels and base64 data.
  async listConfigs(labels: LabelFilter): Promise<NamedObject[]> {
    return namedObjects(await this.docker.listConfigs({ filters: labelFilters(labels) }));
  }

  async createConfig(name: string, content: string, labels: Record<string, string>): Promise<string> {
    return createdId(await this.docker.createConfig(objectSpec(name, content, labels)));
  }

  async removeConfig(id: string): Promise<void> {
    await this.docker.getConfig(id).remove().catch(ignoreGone);
  }

  async listSecrets(labels: LabelFilter): Promise<NamedObject[]> {
    return namedObjects(await this.docker.listSecrets({ filters: labelFilters(labels) }));
  }

  async createSecret(name: string, value: string, labels: Record<string, string>): Promise<string> {
    return createdId(await this.docker.createSecret(objectSpec(name, value, labels)));
  }

  async removeSecret(id: string): Promise<void> {
    await this.docker.getSecret(id).remove().catch(ignoreGone);
  }

  async listNetworks(labels: LabelFilter): Promise<NamedObject[]> {
    const list = await this.docker.listNetworks({ filters: labelFilters(labels) });
    return list.map((n) => ({ id: n.Id, name: n.Name, labels: n.Labels ?? {} }));
  }

  async createOverlayNetwork(name: string, labels: Record<string, string>): Promise<string> {
    const network = await this.docker.createNetwork({ Name: name, Driver: 'overlay', Labels: labels, CheckDuplicate: true });
    return network.id;
  }

  async removeNetwork(id: string): Promise<void> {
    await this.docker.getNetwork(id).remove().catch(ignoreGone);
  }

  async tagImage(source: string, target: string): Promise<void> {
    const at = target.lastIndexOf(':');
    const slash = target.lastIndexOf('/');
    const [repo, tag] = at > slash ? [target.slice(0, at), target.slice(at + 1)] : [target, 'latest'];
    await this.docker.getImage(source).tag({ repo, tag });
  }

  async pushImage(ref: string, onProgress?: (line: string) => void): Promise<void> {
    // Credentials come from the engine's own login (`docker login <registry>`): none are passed here.
    const stream = await this.docker.getImage(ref).push({});
    await new Promise<void>((resolve, reject) => {
      let failure: string | undefined;
      this.docker.modem.followProgress(
        stream,
        (err: Error | null) => (err ? reject(err) : failure ? reject(new Error(failure)) : resolve()),
        (event: { status?: string; error?: string; errorDetail?: { message?: string } }) => {
          if (event.error || event.errorDetail) failure = event.errorDetail?.message ?? event.error;
          if (event.status) onProgress?.(event.status);
        },
      );
    });
  }
}

/** The Swarm client of the process, on the same checked engine connection as every command. */
export async function getSwarmClient(): Promise<SwarmClient> {
  const docker = await getDockerClient();
  if (!(docker instanceof DockerodeClient)) throw new Error('the Swarm client needs the dockerode Docker client');
  return new DockerodeSwarmClient(docker.docker);
}

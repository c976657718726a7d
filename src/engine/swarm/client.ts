// The narrow interface of what `deploy`, `deploy status`, `deploy logs` and `undeploy` need
// from a Swarm manager. One implementation (dockerode-swarm-client.ts) talks to the real
// engine; the pure mapping onto the Docker API's ServiceSpec is service-spec.ts.
import type { Readable } from 'node:stream';
import type { LabelFilter } from '../docker/client.js';
import type { SwarmServicePlan } from '../../compile/swarm-plan.js';

export interface SwarmInfo {
  /** inactive | pending | active | error | locked */
  state: string;
  /** This engine is a manager (only managers can create services). */
  manager: boolean;
  nodeId: string;
  nodes: number;
}

export interface SwarmServiceInfo {
  id: string;
  name: string;
  /** Swarm's object version, needed by update. */
  version: number;
  labels: Record<string, string>;
  image: string;
  /** Desired tasks of a replicated service (0 for a global one). */
  replicas: number;
  /** One task per node. */
  global: boolean;
  /** updating | paused | completed | rollback_started | rollback_paused | rollback_completed, or null before any update. */
  updateState: string | null;
  updateMessage: string | null;
  publishedPorts: { published: number; target: number }[];
}

export interface SwarmTaskInfo {
  id: string;
  serviceId: string;
  slot: number | null;
  /** running | shutdown | ... (what Swarm wants) */
  desiredState: string;
  /** new | pending | assigned | preparing | starting | running | complete | failed | rejected | shutdown ... */
  state: string;
  /** The task's error (failed, rejected), e.g. "task: non-zero exit (1)" or "No such image". */
  error: string | null;
  message: string;
  timestamp: string;
  containerId: string | null;
  /** dev.portico.config-hash of the spec this task was created from (to tell old tasks from new). */
  configHash: string | null;
}

export interface NamedObject {
  id: string;
  name: string;
  labels: Record<string, string>;
}

/** Ids of the configs and secrets a service spec refers to (Docker wants both name and id). */
export interface ObjectIds {
  configs: Map<string, string>;
  secrets: Map<string, string>;
}

export interface SwarmClient {
  info(): Promise<SwarmInfo>;

  listServices(labels: LabelFilter): Promise<SwarmServiceInfo[]>;
  createService(plan: SwarmServicePlan, network: string, ids: ObjectIds): Promise<string>;
  updateService(existing: SwarmServiceInfo, plan: SwarmServicePlan, network: string, ids: ObjectIds): Promise<void>;
  /** Already gone is success. */
  removeService(id: string): Promise<void>;
  listTasks(labels: LabelFilter): Promise<SwarmTaskInfo[]>;
  /** The raw multiplexed log stream of all tasks of a service. */
  serviceLogs(id: string, options: { tail: number; follow: boolean }): Promise<Readable>;

  listConfigs(labels: LabelFilter): Promise<NamedObject[]>;
  createConfig(name: string, content: string, labels: Record<string, string>): Promise<string>;
  /** Already gone is success; in use by a service rejects. */
  removeConfig(id: string): Promise<void>;

  listSecrets(labels: LabelFilter): Promise<NamedObject[]>;
  /** The value goes to the engine only; it is never logged or written anywhere. */
  createSecret(name: string, value: string, labels: Record<string, string>): Promise<string>;
  removeSecret(id: string): Promise<void>;

  listNetworks(labels: LabelFilter): Promise<NamedObject[]>;
  createOverlayNetwork(name: string, labels: Record<string, string>): Promise<string>;
  removeNetwork(id: string): Promise<void>;

  /** `--push`: tag a local image under another reference and push it to that registry. */
  tagImage(source: string, target: string): Promise<void>;
  pushImage(ref: string, onProgress?: (line: string) => void): Promise<void>;
}

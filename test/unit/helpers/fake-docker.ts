// An in-memory DockerClient for unit tests of the engine's logic (no engine involved).
import { PassThrough } from 'node:stream';
import type { ContainerCreateSpec, ContainerDetails, ContainerSummary, DockerClient, LabelFilter } from '../../../src/engine/docker/client.js';

interface FakeContainer {
  id: string;
  spec: ContainerCreateSpec;
  state: string;
  health?: string;
  logs: string;
}

const matches = (labels: Record<string, string>, filter: LabelFilter = {}) =>
  Object.entries(filter).every(([k, v]) => (v === true ? k in labels : labels[k] === v));

export class FakeDocker implements DockerClient {
  containers = new Map<string, FakeContainer>();
  networks = new Map<string, Record<string, string>>();
  volumes = new Map<string, Record<string, string>>();
  calls: string[] = [];
  private next = 1;

  /** Scripted health per container name, read by inspect. */
  healthOf: (name: string, inspections: number) => string | undefined = () => 'healthy';
  private inspections = new Map<string, number>();

  async ping() {}
  async version() {
    return { version: 'fake', apiVersion: '1.41', os: 'linux', arch: 'amd64' };
  }
  async listContainers(labels?: LabelFilter): Promise<ContainerSummary[]> {
    return [...this.containers.values()]
      .filter((c) => matches(c.spec.labels, labels))
      .map((c) => ({ id: c.id, name: c.spec.name, labels: c.spec.labels, state: c.state, image: c.spec.image, ports: c.spec.ports }));
  }
  private find(idOrName: string) {
    return this.containers.get(idOrName) ?? [...this.containers.values()].find((c) => c.spec.name === idOrName);
  }
  async inspectContainer(id: string): Promise<ContainerDetails | undefined> {
    const c = this.find(id);
    if (!c) return undefined;
    const n = (this.inspections.get(c.spec.name) ?? 0) + 1;
    this.inspections.set(c.spec.name, n);
    const health = c.state === 'running' ? this.healthOf(c.spec.name, n) : undefined;
    return {
      id: c.id,
      name: c.spec.name,
      labels: c.spec.labels,
      image: c.spec.image,
      state: { status: c.state, running: c.state === 'running', exitCode: 0, startedAt: new Date(0).toISOString(), health, healthLog: [{ exitCode: 1, output: 'HTTP 500', start: '' }] },
      ports: c.spec.ports,
    };
  }
  async createContainer(spec: ContainerCreateSpec) {
    if (this.find(spec.name)) throw Object.assign(new Error('conflict'), { statusCode: 409 });
    const id = `id${this.next++}`;
    this.containers.set(id, { id, spec, state: 'created', logs: '' });
    this.calls.push(`create ${spec.name}`);
    return id;
  }
  async startContainer(id: string) {
    this.find(id)!.state = 'running';
    this.calls.push(`start ${this.find(id)!.spec.name}`);
  }
  async renameContainer(id: string, name: string) {
    const c = this.find(id)!;
    this.calls.push(`rename ${c.spec.name} ${name}`);
    c.spec = { ...c.spec, name };
  }
  async stopContainer(id: string) {
    const c = this.find(id);
    if (c) c.state = 'exited';
    this.calls.push(`stop ${c?.spec.name}`);
  }
  async removeContainer(id: string) {
    const c = this.find(id);
    if (c) this.containers.delete(c.id);
    this.calls.push(`remove ${c?.spec.name}`);
  }
  async containerLogs(id: string) {
    const s = new PassThrough();
    const text = Buffer.from(this.find(id)?.logs ?? '');
    const header = Buffer.alloc(8);
    header[0] = 1;
    header.writeUInt32BE(text.length, 4);
    s.end(Buffer.concat([header, text]));
    return s;
  }
  async exec(_id: string, _cmd: string[]) {
    return { exitCode: 0, stdout: '', stderr: '' };
  }
  async execAttached() {
    return 0;
  }
  async listNetworks(labels: LabelFilter) {
    return [...this.networks.entries()].filter(([, l]) => matches(l, labels)).map(([name, l]) => ({ id: name, name, labels: l }));
  }
  async createNetwork(name: string, labels: Record<string, string>) {
    this.networks.set(name, labels);
    return name;
  }
  async removeNetwork(id: string) {
    this.networks.delete(id);
    this.calls.push(`remove network ${id}`);
  }
  async listVolumes(labels: LabelFilter) {
    return [...this.volumes.entries()].filter(([, l]) => matches(l, labels)).map(([name, l]) => ({ name, labels: l }));
  }
  async createVolume(name: string, labels: Record<string, string>) {
    this.volumes.set(name, labels);
  }
  async removeVolume(name: string) {
    this.volumes.delete(name);
    this.calls.push(`remove volume ${name}`);
  }
  async imageId() {
    return 'sha256:fake';
  }
  async inspectImage() {
    return { id: 'sha256:fake', labels: {} };
  }
  async putArchive(id: string, path: string) {
    this.calls.push(`put archive ${this.containers.get(id)?.spec.name ?? id} ${path}`);
  }
  async readFile() {
    return undefined;
  }
  async connectNetwork(id: string, network: string) {
    this.calls.push(`connect ${this.containers.get(id)?.spec.name ?? id} ${network}`);
  }
  async disconnectNetwork(id: string, network: string) {
    this.calls.push(`disconnect ${this.containers.get(id)?.spec.name ?? id} ${network}`);
  }
  async buildImage() {}
  async pullImage() {}
}

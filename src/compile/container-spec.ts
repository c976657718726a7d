// What a container is, as the stack plan describes it: the engine's Docker client creates
// exactly this (plus the network and an init process). Types only; defined here so the plan
// does not reach into the engine.

export interface PortBinding {
  hostIp: string;
  hostPort: number;
  containerPort: number;
}

export interface HealthCheckSpec {
  test: string[];
  intervalMs: number;
  timeoutMs: number;
  retries: number;
  startPeriodMs: number;
}

export interface ContainerSpec {
  name: string;
  image: string;
  env: Record<string, string>;
  labels: Record<string, string>;
  cmd?: string[];
  health?: HealthCheckSpec;
  aliases: string[];
  ports: PortBinding[];
  /** Host bind mounts. */
  binds: { source: string; target: string; readOnly: boolean }[];
  /** Named volumes. */
  volumes: { name: string; target: string }[];
}

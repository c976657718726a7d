// Placeholder for the Portico registry client (replaced by the registry issue).
// API contract: call after the server listens; call stop() on SIGTERM before closing.
import type { Server } from 'node:http';

export interface RegistryClientOptions {
  server: Server;
  log?: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void };
}

export interface Registration {
  stop(): Promise<void>;
}

export function registerWithPortico(_options: RegistryClientOptions): Registration {
  return { stop: async () => {} };
}

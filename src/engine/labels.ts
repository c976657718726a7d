// Names and labels of every Docker resource Portico creates (DESIGN.md "Docker resources").
// Portico finds, changes and removes only what carries these labels.
export const LABEL = {
  project: 'dev.portico.project',
  service: 'dev.portico.service',
  replica: 'dev.portico.replica',
  configHash: 'dev.portico.config-hash',
  version: 'dev.portico.version',
} as const;

// Network and container names are compile/'s (discovery.json lists the same container names).
export { networkName, containerName } from '../compile/discovery.js';
export const volumeName = (project: string, volume: string) => `${project}_${volume}`;
export const serviceImageRef = (project: string, service: string, hash: string) => `portico/${project}-${service}:${hash}`;
export const runtimeImageRef = (kind: 'gateway' | 'registry', version: string, hash: string) => `portico/${kind}:${version}-${hash}`;

/** Label filter selecting everything of one project. */
export const projectFilter = (project: string) => ({ [LABEL.project]: project });

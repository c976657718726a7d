// Labels and image names of every Docker resource Portico creates (DESIGN.md "Docker
// resources"). Portico finds, changes and removes only what carries these labels. In compile/
// because the stack plan stamps them and the engine filters by them: one direction, engine
// imports compile. Container, network and volume names are the manifest's (manifest/names.ts).
export const LABEL = {
  project: 'dev.portico.project',
  service: 'dev.portico.service',
  replica: 'dev.portico.replica',
  configHash: 'dev.portico.config-hash',
  version: 'dev.portico.version',
  /** The registry instance id, where it is not the container name (a container that replaced another: see engine/rolling.ts). */
  instance: 'dev.portico.instance',
  /** On a template service's image: what its files are laid out from (images/dist-overlay.ts). */
  distLayout: 'dev.portico.dist-layout',
  /** On a container `portico dev` created as a warm standby (engine/standby/spec.ts); stays after it became the service. */
  standby: 'dev.portico.standby',
} as const;

export const serviceImageRef = (project: string, service: string, hash: string) => `portico/${project}-${service}:${hash}`;
export const runtimeImageRef = (kind: 'gateway' | 'registry', version: string, hash: string) => `portico/${kind}:${version}-${hash}`;

/** Label filter selecting everything of one project. */
export const projectFilter = (project: string) => ({ [LABEL.project]: project });

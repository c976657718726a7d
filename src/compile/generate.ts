// Manifest -> the files under .portico/ (pure). Formatting is fixed (2-space JSON, keys in
// construction order, trailing newline) so `portico generate --check` compares byte for byte.
import { manifestJsonSchema, type Manifest } from '../manifest/schema.js';
import { DISCOVERY_CONFIG_FILE, GATEWAY_CONFIG_FILE } from '../runtime/contract/index.js';
import { compileDiscovery } from './discovery.js';
import { compileGateway } from './gateway.js';
import type { OpenApiFiles } from './catalog.js';
import { GATEWAY_CA_FILE } from './gateway-ca.js';

/** Folder (relative to portico.yaml) holding the generated files. */
export const GENERATED_DIR = '.portico';
export const SCHEMA_FILE = 'portico.schema.json';

export interface Artifact {
  /** Relative to the directory of portico.yaml, with forward slashes. */
  relativePath: string;
  content: string;
}

/** The CA bundle's place, relative to portico.yaml (written only when gateway.tls.caFiles is set). */
export const GATEWAY_CA_ARTIFACT = `${GENERATED_DIR}/${GATEWAY_CA_FILE}`;

/** `gatewayCa`: the bundle of gateway.tls.caFiles (compile/gateway-ca.ts), read by the caller. */
export function renderArtifacts(manifest: Manifest, openapiFiles: OpenApiFiles = {}, gatewayCa?: string): Artifact[] {
  return [
    { relativePath: `${GENERATED_DIR}/${GATEWAY_CONFIG_FILE}`, content: toJson(compileGateway(manifest, openapiFiles)) },
    { relativePath: `${GENERATED_DIR}/${DISCOVERY_CONFIG_FILE}`, content: toJson(compileDiscovery(manifest)) },
    { relativePath: `${GENERATED_DIR}/${SCHEMA_FILE}`, content: toJson(manifestJsonSchema()) },
    ...(gatewayCa === undefined ? [] : [{ relativePath: GATEWAY_CA_ARTIFACT, content: gatewayCa }]),
  ];
}

export function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

// Edits of portico.yaml that keep what the user wrote: comments, key order, quoting and
// blank lines survive because the change is made on the parsed yaml Document, not on a
// re-serialised object.
import { isMap, type Document } from 'yaml';
import type { LoadedManifest } from './load.js';

/** What `portico create` adds under `services:`. */
export interface NewServiceEntry {
  template: string;
  /** The template builds from its own Dockerfile: written as `build: {}`. */
  build?: boolean;
  path: string;
  port: number;
  replicas?: number;
  routes: { path: string }[];
}

/** Returns the manifest text with `name` added under `services:` (the loaded document is not modified). */
export function addServiceText(loaded: Pick<LoadedManifest, 'document' | 'text'>, name: string, entry: NewServiceEntry): string {
  const doc = loaded.document.clone() as Document.Parsed;
  const value: Record<string, unknown> = { template: entry.template, ...(entry.build ? { build: {} } : {}), path: entry.path, port: entry.port };
  if (entry.replicas !== undefined) value.replicas = entry.replicas;
  value.routes = entry.routes;

  let services = doc.get('services', true);
  if (!isMap(services)) {
    // `services:` missing or empty (null): start a block mapping.
    doc.set('services', doc.createNode({}));
    services = doc.get('services', true);
  }
  if (!isMap(services)) throw new Error('services is not a mapping'); // unreachable: set above
  if (services.items.length === 0) services.flow = false; // `services: {}` becomes a block mapping
  if (services.has(name)) throw new Error(`service ${name} already exists`);
  services.set(doc.createNode(name), doc.createNode(value));
  return keepLineEndings(loaded.text, doc.toString({ lineWidth: 0 }));
}

/** Returns the manifest text with `services.<name>.replicas` set (comments and layout kept). */
export function setReplicasText(loaded: Pick<LoadedManifest, 'document' | 'text'>, name: string, replicas: number): string {
  const doc = loaded.document.clone() as Document.Parsed;
  const service = doc.getIn(['services', name], true);
  if (!isMap(service)) throw new Error(`service ${name} is not a mapping`);
  service.set('replicas', replicas);
  return keepLineEndings(loaded.text, doc.toString({ lineWidth: 0 }));
}

/** The yaml printer writes \n; a file saved with Windows line endings keeps them. */
function keepLineEndings(original: string, text: string): string {
  return original.includes('\r\n') ? text.replace(/\r?\n/g, '\r\n') : text;
}

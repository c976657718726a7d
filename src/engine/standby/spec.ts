// `portico dev`'s warm standby containers, the pure half: what a standby is and how it becomes
// the service. Creating and starting a container is most of a reload that no longer builds an
// image (docker start alone is 0.4-0.8 s here, then node's own start), so `dev` keeps one
// container per slot created, started and idle ahead of the next save:
//   - it runs the service's image with its usual command wrapped by a small boot script that
//     waits until the bundle is in (a marker file, written last) and the container is on the
//     project network, then imports the service's entry file, which from
//     then on runs exactly as under its own command (same flags, argv[1], import.meta.url);
//   - it is created on the project network and disconnected before it starts, so its service's
//     DNS alias never resolves to an idle standby; a source change's reload connects it (with
//     the alias) as it begins, while the bundle is built, and puts the bundle in afterwards
//     (so the alias resolves to it from the reload's start, as it did to a container created
//     by the reload from its start); a reload that does not take it disconnects it again;
//   - on a local engine the bundle and the marker come through two read-only bind mounts of a
//     host folder (`.portico/standby/<instance id>/`, standbyBinds): the reload copies files
//     there (a few ms) instead of sending an archive the engine unpacks (100-140 ms under load
//     here); otherwise through the archive API, the same files at the same paths;
//   - its health check gets a long start period: an idle standby stays `starting`, not
//     `unhealthy`, and the first passing check after the reload makes it `healthy` as usual.
// Labels cannot change after a container is created, and the config hash label a standby was
// created with names the image of the sources before the save. The marker holds the hash of
// what the reload put in: `up` and `restart` read it from containers labelled as born from a
// standby (effective-hash.ts), so they see the container as current.
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { ContainerPlan } from '../../compile/plan.js';
import { stableJson } from '../../compile/plan.js';
import { LABEL } from '../../compile/labels.js';
import type { TarEntry } from '../images/tar.js';

/** Where a standby finds the reload's marker (a folder at the container's root: any image has one). */
export const STANDBY_MARKER_DIR = '/.portico-standby';
export const STANDBY_MARKER = `${STANDBY_MARKER_DIR}/marker.json`;
/** How often the idle boot script looks for the marker (a stat call). */
const POLL_MS = 10;
/**
 * Node built-ins a web service loads at start, loaded while idle (no side effects: a built-in
 * is loaded once per process either way), and fetch's HTTP client, which node loads on the
 * first call (the registry client's registration): 20-40 ms less between the reload and serving.
 */
const WARM_BUILTINS = ['http', 'https', 'net', 'dns', 'crypto', 'zlib', 'stream', 'fs/promises', 'url', 'util', 'events'];
/** An idle standby's health-check start period: failures before the service first passes do not count. */
export const STANDBY_START_PERIOD_MS = 24 * 3600 * 1000;

export interface StandbyMarker {
  /** The config hash of the plan the reload put in (what the container's label would say). */
  configHash: string;
}

/** A started idle standby, as the reload that takes it needs it. */
export interface WarmStandby {
  id: string;
  /** Its container name (standbyName) until it serves. */
  name: string;
  /** Its registry instance id (PORTICO_INSTANCE_ID and the instance label), fixed at creation. */
  instanceId: string;
  /**
   * Set when the pool joined it to the network ahead, as the reload began: resolves true once
   * joined (then the reload does not join it again), false when that failed.
   */
  joined?: Promise<boolean>;
  /** Its host folder (standbyBinds) when the reload copies the bundle there; else the archive API. */
  filesDir?: string;
}

/**
 * Pure: a standby's bind mounts when its bundle comes through host folders (a local engine):
 * `<dir>/dist` at the Dockerfile's dist/ target (the reload copies the new bundle in; the
 * service reads it at the paths it always has) and `<dir>/marker` at STANDBY_MARKER_DIR (the
 * marker, written last). Read-only: the container never writes there. Without them the reload
 * puts the same files in through the archive API (a remote engine, or a service whose
 * Dockerfile copies dist/ in a way the overlay cannot follow).
 */
export function standbyBinds(dir: string, distTarget: string): { source: string; target: string; readOnly: boolean }[] {
  return [
    { source: path.join(dir, 'dist'), target: distTarget, readOnly: true },
    { source: path.join(dir, 'marker'), target: STANDBY_MARKER_DIR, readOnly: true },
  ];
}

/** Container name of a slot's idle standby. Slot names end in a replica number, so this never is one. */
export const standbyName = (slot: string) => `${slot}-standby`;

/** Pure: a container waiting as a standby (not yet the service): labelled as one and still under its standby name. */
export function isIdleStandby(c: { name: string; labels: Record<string, string> }): boolean {
  return c.labels[LABEL.standby] !== undefined && c.name.endsWith('-standby');
}

/** Pure: the project's containers without idle standbys (they are not part of the stack yet). */
export function withoutIdleStandbys<T extends { name: string; labels: Record<string, string> }>(containers: T[]): T[] {
  return containers.filter((c) => !isIdleStandby(c));
}

/**
 * Pure: the boot script (`node -e`) an idle standby runs. It loads what the service will need
 * of node itself (WARM_BUILTINS), then polls for the marker and for a
 * network interface other than loopback (the reload connects the network), then makes the
 * process look as if node had been started on the entry file (argv[1] absolute, no `-e` in
 * execArgv, so a child forked with process.execArgv runs the service, not this script) and
 * imports it. Started again (e.g. `docker restart`), it finds both at once and imports.
 */
export function standbyBootScript(marker = STANDBY_MARKER): string {
  return [
    "const fs=require('fs'),os=require('os'),path=require('path'),url=require('url');",
    `for(const m of ${JSON.stringify(WARM_BUILTINS)})require(m);`,
    "if(typeof fetch==='function')fetch('data:,').then((r)=>r.text()).catch(()=>{});",
    `const marker=${JSON.stringify(marker)};`,
    'const online=()=>Object.values(os.networkInterfaces()).some((l)=>(l||[]).some((i)=>!i.internal));',
    'const run=()=>{const e=process.execArgv.indexOf("-e");if(e>=0)process.execArgv.splice(e,2);',
    'process.argv[1]=path.resolve(process.argv[1]);',
    'import(url.pathToFileURL(process.argv[1]).href).catch((error)=>{console.error(error);process.exit(1)})};',
    `const look=()=>fs.existsSync(marker)&&online()?run():setTimeout(look,${POLL_MS});look();`,
  ].join('');
}

/**
 * Pure: the standby's command from the service's own (`node [flags...] <entry file>`), or
 * undefined when it is not that shape (a shell, another program, a node that reads a script
 * from elsewhere): then the service gets no standby and reloads by creating a container.
 */
export function standbyCmd(cmd: string[] | undefined, marker = STANDBY_MARKER): string[] | undefined {
  if (!cmd || cmd.length < 2 || !/(^|\/)node$/.test(cmd[0]!)) return undefined;
  const entry = cmd.at(-1)!;
  const flags = cmd.slice(1, -1);
  if (entry.startsWith('-') || !/\.(mjs|cjs|js)$/.test(entry)) return undefined;
  // Flags that take the script from elsewhere or need a value we cannot tell from a file name.
  if (flags.some((f) => !f.startsWith('-') || /^(-e|--eval|-p|--print|-r|--require|--import|--loader|--experimental-loader|-i|--interactive|-c|--check)$/.test(f))) return undefined;
  return [cmd[0]!, ...flags, '-e', standbyBootScript(marker), entry];
}

/**
 * Pure: what must match between the plan a standby was created from and the slot's plan at the
 * reload: everything but the image and the config hash, which a source change moves (the
 * reload gives the standby the new bundle on the image it was created from).
 */
export function standbyFingerprint(desired: ContainerPlan): string {
  const { image: _image, configHash: _hash, labels, ...rest } = desired;
  const { [LABEL.configHash]: _label, ...otherLabels } = labels;
  return createHash('sha256').update(stableJson({ ...rest, labels: otherLabels })).digest('hex');
}

/**
 * Pure: the reload's archive, extracted at `/`: the bundle's files under `target` (where the
 * Dockerfile copies dist/), then the marker, last, so the boot script never sees a half-written bundle.
 */
export function standbyArchiveEntries(target: string, files: { name: string; file: string }[], marker: StandbyMarker): TarEntry[] {
  const base = target.replace(/^\/+/, '').replace(/\/+$/, '');
  const under = (name: string) => (base ? `${base}/${name}` : name);
  return [...files.map((f) => ({ name: under(f.name), file: f.file })), { name: STANDBY_MARKER.replace(/^\//, ''), content: JSON.stringify(marker) }];
}

/** Pure: the marker's config hash, or undefined when the text is not a marker. */
export function parseStandbyMarker(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as Partial<StandbyMarker>;
    return typeof value.configHash === 'string' ? value.configHash : undefined;
  } catch {
    return undefined;
  }
}

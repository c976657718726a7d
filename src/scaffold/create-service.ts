// The steps of `create` between reading the workspace and writing: check the target is free,
// settle template/port/route (flags, else prompts, else defaults), render the service into
// the tree and add it to portico.yaml, then validate the resulting manifest in memory.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { usageError } from '../core/errors.js';
import type { Prompter } from './prompts.js';
import { addServiceText } from '../manifest/edit.js';
import { ManifestError, parseManifest, type LoadedManifest } from '../manifest/load.js';
import type { Manifest } from '../manifest/schema.js';
import { normalizeRoutePath } from '../manifest/routes.js';
import { semanticProblems } from '../manifest/validate.js';
import { DEFAULT_TEMPLATE, pickTemplate, type TemplateInfo } from './catalog.js';
import { portProblem, routeProblem } from './inputs.js';
import { renderService } from './service.js';
import type { FileTree } from './tree.js';

export interface CreateFlags {
  template?: string;
  port?: number;
  route?: string;
  replicas?: number;
}

export interface Choices {
  template: TemplateInfo;
  port: number;
  route: string;
  replicas?: number;
}

/** The folder of a new service, relative to the workspace root. */
export const serviceFolder = (name: string) => `services/${name}`;

/**
 * Exit 2 when the name is taken in portico.yaml, or its folder already exists (nothing
 * written yet). With `force` an existing folder is scaffolded into: files the template also
 * has are overwritten, the others kept.
 */
export async function checkTargetFree(loaded: LoadedManifest, name: string, options: { force?: boolean } = {}): Promise<void> {
  const rel = serviceFolder(name);
  if (name in loaded.manifest.services) {
    throw usageError(
      `service "${name}" is already in ${path.basename(loaded.file)} (line ${loaded.locate(['services', name]).line}). Nothing was written.`,
      'Choose another name, or remove the service from portico.yaml first.',
    );
  }
  const target = path.join(loaded.dir, rel);
  const existing = await stat(target).catch(() => undefined);
  if (!existing) return;
  if (!existing.isDirectory()) {
    throw usageError(`${target} already exists and is a file. Nothing was written.`, 'Choose another service name, or move or delete that file first.');
  }
  if (options.force) return;
  throw usageError(
    `${target} already exists. Nothing was written.`,
    'Choose another service name, move or delete that folder first, or pass --force to scaffold into it (files the template also has are overwritten).',
  );
}

/** The service already serving `route` (same prefix once trailing slashes are ignored). */
export function routeOwner(manifest: Manifest, route: string): string | undefined {
  const wanted = normalizeRoutePath(route);
  return Object.entries(manifest.services).find(([, spec]) => spec.routes.some((r) => normalizeRoutePath(r.path) === wanted))?.[0];
}

function routeTakenMessage(route: string, owner: string): string {
  return `route ${route} is already served by service "${owner}"; two services cannot share a route prefix. Pass --route with another path, e.g. ${route.replace(/\/+$/, '')}-v2.`;
}

export interface ChoiceContext {
  name: string;
  manifest: Manifest;
  /** The catalog, listed once by the caller. */
  templates: readonly TemplateInfo[];
  /** Ask for missing values (a person is there and --yes was not given). */
  interactive: boolean;
  prompter: Prompter;
}

/** Flags win; missing values are asked for when interactive, else take their defaults. */
export async function resolveChoices(flags: CreateFlags, c: ChoiceContext): Promise<Choices> {
  let templateId = flags.template;
  if (templateId === undefined && c.interactive) {
    templateId = await c.prompter.select(
      'Template',
      c.templates.map((t) => ({ value: t.id, name: t.id, description: t.description })),
      DEFAULT_TEMPLATE,
    );
  }
  const template = pickTemplate(templateId ?? DEFAULT_TEMPLATE, c.templates);

  let port = flags.port;
  if (port === undefined && c.interactive) {
    port = Number(await c.prompter.input('Port the service listens on', String(template.defaultPort), (v) => portProblem(v) ?? true));
  }

  const routeCheck = (v: string) => {
    const owner = routeOwner(c.manifest, v);
    return routeProblem(v) ?? (owner ? routeTakenMessage(v, owner) : undefined);
  };
  let route = flags.route;
  if (route === undefined && c.interactive) {
    route = await c.prompter.input('Gateway route prefix', `/${c.name}`, (v) => routeCheck(v) ?? true);
  }
  // Written as the gateway will match it: "/api/orders/" becomes "/api/orders".
  route = normalizeRoutePath(route ?? `/${c.name}`);
  const owner = routeOwner(c.manifest, route);
  if (owner) throw usageError(`${routeTakenMessage(route, owner)} Nothing was written.`);

  return { template, port: port ?? template.defaultPort, route, replicas: flags.replicas };
}

/**
 * Records the service files and the updated portico.yaml in `tree` (rooted at the workspace),
 * and returns the updated manifest, validated. Throws ManifestError (exit 2) if the result
 * would not be a valid manifest.
 */
export async function planService(
  tree: FileTree,
  loaded: LoadedManifest,
  name: string,
  choices: Choices,
  templateIds: readonly string[],
): Promise<LoadedManifest> {
  const folder = serviceFolder(name);
  await renderService(tree, folder, choices.template.dir, {
    name,
    port: choices.port,
    route: choices.route.replace(/\/+$/, ''),
    description: `${name}: a ${choices.template.id} service of the ${loaded.manifest.name} workspace`,
    project: loaded.manifest.name,
    template: choices.template.id,
  }, { shared: choices.template.shared });
  const text = addServiceText(loaded, name, {
    template: choices.template.id,
    build: choices.template.build === 'dockerfile',
    path: folder,
    port: choices.port,
    replicas: choices.replicas,
    routes: [{ path: choices.route }],
  });
  tree.overwrite(path.relative(tree.root, loaded.file).split(path.sep).join('/'), text);
  const next = parseManifest(text, loaded.file);
  const problems = semanticProblems(next, templateIds);
  if (problems.length > 0) throw new ManifestError(loaded.file, problems, 'Adding the service would make portico.yaml invalid; fix the problems shown (or choose other flags) and run the command again.');
  return next;
}

// Reads portico.yaml: YAML (with positions) -> zod -> Manifest. Every error names the file,
// line and column and says what was expected.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { isMap, isNode, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { PorticoError, ExitCode } from '../core/errors.js';
import { fileError } from '../core/fs-error.js';
import { manifestSchema, type Manifest } from './schema.js';

export const MANIFEST_FILE = 'portico.yaml';

export interface ManifestProblem {
  /** Dotted path in the manifest, e.g. services.orders.port ("" for the root). */
  path: string;
  message: string;
  line: number;
  column: number;
}

export interface LoadedManifest {
  manifest: Manifest;
  /** Absolute path of portico.yaml. */
  file: string;
  /** Directory holding portico.yaml: every relative path in the manifest is relative to it. */
  dir: string;
  /** The parsed document, kept for edits that preserve comments and order. */
  document: Document.Parsed;
  /** Original text (for --check style comparisons). */
  text: string;
  /** Finds the line/column of a manifest path, for semantic errors raised after parsing. */
  locate(pathInManifest: (string | number)[]): { line: number; column: number };
}

/** Error thrown for an invalid manifest: exit code 2, one line per problem. */
export class ManifestError extends PorticoError {
  readonly problems: ManifestProblem[];
  readonly file: string;
  constructor(file: string, problems: ManifestProblem[], hint?: string) {
    const rel = path.relative(process.cwd(), file) || file;
    const lines = problems.map((p) => `  ${rel}:${p.line}:${p.column} ${p.path ? `${p.path}: ` : ''}${p.message}`);
    super(`${rel} is not valid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${lines.join('\n')}`, {
      exitCode: ExitCode.USAGE,
      hint: hint ?? `Fix ${path.basename(file)} and run \`portico validate\` again. The schema is in .portico/portico.schema.json.`,
      details: { file, problems },
    });
    this.problems = problems;
    this.file = file;
  }
}

/**
 * Walks up from `cwd` to the nearest directory with portico.yaml. A manifest that exists but
 * cannot be looked at (no permission) stops the walk with an error: silently using a parent
 * workspace instead would act on the wrong project.
 */
export async function findManifest(cwd: string): Promise<string | undefined> {
  let dir = path.resolve(cwd);
  for (;;) {
    const candidate = path.join(dir, MANIFEST_FILE);
    const info = await stat(candidate).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
      throw fileError(error, 'read', candidate, 'Fix its permissions, or pass -C <dir> to point at another workspace.');
    });
    if (info?.isFile()) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Loads and validates the manifest of the workspace containing `cwd` (exit 2 when absent). */
export async function loadManifest(cwd: string): Promise<LoadedManifest> {
  const file = await findManifest(cwd);
  if (!file) {
    // A mistyped -C <dir> is not "no workspace": say which folder is missing.
    const missing = await stat(cwd).then(() => false, () => true);
    if (missing) {
      throw new PorticoError(`the folder ${cwd} does not exist.`, {
        exitCode: ExitCode.USAGE,
        hint: 'Check the path given to -C/--cwd, or run `portico init <dir>` to create a workspace there.',
      });
    }
    throw new PorticoError(`no ${MANIFEST_FILE} found in ${cwd} or any parent directory.`, {
      exitCode: ExitCode.USAGE,
      hint: 'Run `portico init` to create a workspace, or pass -C <dir> to point at one.',
    });
  }
  const text = await readFile(file, 'utf8').catch((error: unknown) => {
    throw fileError(error, 'read', file, 'Fix its permissions, or pass -C <dir> to point at another workspace.');
  });
  return parseManifest(text, file);
}

/** Parses manifest text; `file` is used for positions and messages only. */
export function parseManifest(text: string, file: string): LoadedManifest {
  const lineCounter = new LineCounter();
  // merge: `<<: *base` (YAML 1.1 merge keys, common in Compose files) reuses a service's settings.
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: true });
  const at = (offset: number) => {
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, column: pos.col };
  };
  if (document.errors.length > 0) {
    throw new ManifestError(
      file,
      document.errors.map((e) => ({ path: '', message: `YAML syntax: ${e.message.split('\n')[0]}`, ...at(e.pos[0]) })),
      'Fix the YAML syntax (indentation, quotes, colons) at the position shown.',
    );
  }
  const locate = (p: (string | number)[]) => {
    // The deepest node that exists along the path: a missing key points at its parent.
    for (let depth = p.length; depth >= 0; depth--) {
      const node = depth === 0 ? document.contents : document.getIn(p.slice(0, depth), true);
      if (isNode(node) && node.range) return at(node.range[0]);
      // A key whose value is null has no node; point at the pair's key instead.
    }
    return { line: 1, column: 1 };
  };
  /** Where a key itself is written (for unknown keys: the key, not its value). */
  const locateKey = (p: (string | number)[], key: string) => {
    const parent = p.length === 0 ? document.contents : document.getIn(p, true);
    const pair = isMap(parent) ? parent.items.find((item) => isScalar(item.key) && String(item.key.value) === key) : undefined;
    return isNode(pair?.key) && pair.key.range ? at(pair.key.range[0]) : locate([...p, key]);
  };
  const raw = document.toJS() ?? {};
  // reportInput: messages quote what was written (`got "abc"`), and a missing key (input
  // undefined) is told apart from a wrong type.
  const result = manifestSchema.safeParse(raw, { reportInput: true });
  if (!result.success) {
    throw new ManifestError(file, result.error.issues.map((issue) => toProblem(issue, locate, locateKey)));
  }
  return { manifest: result.data, file, dir: path.dirname(file), document, text, locate };
}

function toProblem(
  issue: z.core.$ZodIssue,
  locate: LoadedManifest['locate'],
  locateKey: (p: (string | number)[], key: string) => { line: number; column: number },
): ManifestProblem {
  const p = issue.path.filter((k): k is string | number => typeof k !== 'symbol');
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    message = `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')} (check the spelling; the schema lists the allowed keys)`;
    const first = issue.keys[0];
    if (first !== undefined) return { path: p.join('.'), message, ...locateKey(p, first) };
  } else if (issue.code === 'invalid_type' && issue.input === undefined) {
    message = `is required (${issue.expected})`;
  } else if (issue.code === 'invalid_type') {
    message = `expected ${issue.expected}, got ${describe(issue.input)}`;
  }
  return { path: p.join('.'), message, ...locate(p) };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `"${value}"`;
  return typeof value === 'object' ? 'a mapping' : `${typeof value} ${String(value)}`;
}

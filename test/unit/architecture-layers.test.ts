// The import rules of docs/architecture.md, checked over the real import graph of src/: every
// `import ... from`, `export ... from`, `import type` and dynamic `import()` (read with the
// TypeScript compiler's own pre-processor). A wrong-way import fails this test, naming each
// offending `file -> import`.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));

/** Which layer may import which (besides itself). Keep in step with docs/architecture.md. */
const ALLOWED: Record<string, readonly string[]> = {
  core: [],
  'runtime/contract': [],
  manifest: ['core', 'runtime/contract'],
  compile: ['core', 'manifest', 'runtime/contract'],
  workspace: ['core', 'manifest', 'compile', 'runtime/contract'],
  scaffold: ['core', 'manifest', 'compile', 'workspace', 'runtime/contract'],
  engine: ['core', 'manifest', 'compile', 'workspace', 'runtime/contract'],
  quickstart: ['core', 'manifest', 'compile', 'scaffold', 'runtime/contract'],
  cli: ['core', 'manifest', 'compile', 'workspace', 'scaffold', 'engine', 'quickstart', 'runtime/contract'],
  // The container runtimes are bundled on their own: never the host side, never each other.
  'runtime/gateway': ['runtime/contract'],
  'runtime/registry': ['runtime/contract'],
};

/** Packages a pure layer may not use: compile/ has no file system, no Docker, no processes, no network. */
const IMPURE: Record<string, readonly string[]> = {
  compile: ['fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'dockerode', 'child_process', 'node:child_process', 'execa', 'net', 'node:net', 'http', 'node:http'],
};

interface Edge {
  /** Importing file, relative to src/ with forward slashes. */
  from: string;
  /** The import as written. */
  spec: string;
  /** Imported file relative to src/, for imports inside src/ (else undefined: a package). */
  to?: string;
}

/** The layer of a file under src/: its top folder, or runtime/<name>. */
function layerOf(file: string): string {
  const [top, sub] = file.split('/');
  return top === 'runtime' ? `runtime/${sub}` : top!;
}

/** Each import that breaks a rule, as `file -> import (why)`. */
function violations(edges: Edge[], allowed = ALLOWED, impure = IMPURE): string[] {
  const found: string[] = [];
  for (const e of edges) {
    const from = layerOf(e.from);
    if (!(from in allowed)) {
      found.push(`${e.from} -> ${e.spec} (folder "${from}" is in no layer: add it to the table here and in docs/architecture.md)`);
      continue;
    }
    if (e.to === undefined) {
      if (impure[from]?.includes(e.spec)) found.push(`${e.from} -> ${e.spec} (${from}/ is pure: no ${e.spec})`);
      continue;
    }
    const to = layerOf(e.to);
    if (to !== from && !allowed[from]!.includes(to)) found.push(`${e.from} -> ${e.to} (${from} may not import ${to})`);
  }
  return found;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** The import graph of src/. */
function importGraph(src = SRC): Edge[] {
  return sourceFiles(src).flatMap((file) => {
    const from = path.relative(src, file).split(path.sep).join('/');
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    return importedFiles.map(({ fileName: spec }) => {
      if (!spec.startsWith('.')) return { from, spec };
      const target = path.resolve(path.dirname(file), spec).replace(/\.js$/, '.ts');
      return { from, spec, to: path.relative(src, target).split(path.sep).join('/') };
    });
  });
}

describe('layers (docs/architecture.md)', () => {
  const graph = importGraph();

  it('reads the real graph: static, type-only, re-exported and lazy imports', () => {
    expect(graph.length).toBeGreaterThan(100);
    // cli/main.ts lazy-imports every command with import('./commands/<name>.js').
    expect(graph).toContainEqual({ from: 'cli/main.ts', spec: './commands/up.js', to: 'cli/commands/up.ts' });
    expect(graph.some((e) => e.from === 'engine/stack-up.ts' && e.spec === './up/run.js')).toBe(true);
  });

  it('every import in src/ runs the allowed way', () => {
    expect(violations(graph)).toEqual([]);
  });

  it('bites: an upward, a sideways, an impure and an unplaced import are each reported', () => {
    const synthetic: Edge[] = [
      { from: 'engine/stack-up.ts', spec: '../cli/context.js', to: 'cli/context.ts' },
      { from: 'engine/up/run.ts', spec: '../../scaffold/catalog.js', to: 'scaffold/catalog.ts' },
      { from: 'manifest/validate.ts', spec: '../compile/gateway.js', to: 'compile/gateway.ts' },
      { from: 'runtime/gateway/gateway.ts', spec: '../registry/catalog.js', to: 'runtime/registry/catalog.ts' },
      { from: 'compile/plan.ts', spec: 'node:fs/promises' },
      { from: 'dashboard/index.ts', spec: '../core/errors.js', to: 'core/errors.ts' },
      // allowed ones stay quiet
      { from: 'cli/commands/up.ts', spec: '../../engine/stack-up.js', to: 'engine/stack-up.ts' },
      { from: 'compile/plan.ts', spec: 'node:crypto' },
      { from: 'engine/up/run.ts', spec: './wait.js', to: 'engine/up/wait.ts' },
    ];
    expect(violations(synthetic)).toEqual([
      'engine/stack-up.ts -> cli/context.ts (engine may not import cli)',
      'engine/up/run.ts -> scaffold/catalog.ts (engine may not import scaffold)',
      'manifest/validate.ts -> compile/gateway.ts (manifest may not import compile)',
      'runtime/gateway/gateway.ts -> runtime/registry/catalog.ts (runtime/gateway may not import runtime/registry)',
      'compile/plan.ts -> node:fs/promises (compile/ is pure: no node:fs/promises)',
      'dashboard/index.ts -> ../core/errors.js (folder "dashboard" is in no layer: add it to the table here and in docs/architecture.md)',
    ]);
  });
});

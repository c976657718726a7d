// The bad manifests of issue 2, through the real commands in-process: each is exit 2 with an
// actionable message, and neither `validate` nor `generate` writes anything.
import { describe, expect, it } from 'vitest';
import { readTree, runCli, templateFixtures, tempDir } from '../helpers/workspace.js';

const HEAD = 'version: 1\nname: shop\n';

const BAD: Record<string, { yaml: string; expect: RegExp }> = {
  'malformed YAML': { yaml: `${HEAD}services:\n  a:\n    port: [3000\n`, expect: /YAML syntax/ },
  'duplicate service name': { yaml: `${HEAD}services:\n  a: { image: x }\n  a: { image: y }\n`, expect: /YAML syntax: Map keys must be unique/ },
  'unknown key': { yaml: `${HEAD}services:\n  a:\n    image: x\n    replica: 2\n`, expect: /unknown key "replica"/ },
  'unknown template': { yaml: `${HEAD}services:\n  a:\n    template: node-nope\n`, expect: /unknown template "node-nope"; use one of: node-express, node-fastify/ },
  'port 0': { yaml: `${HEAD}services:\n  a: { image: x, port: 0 }\n`, expect: /services.a.port: must be between 1 and 65535/ },
  'port 65536': { yaml: `${HEAD}services:\n  a: { image: x, port: 65536 }\n`, expect: /services.a.port: must be between 1 and 65535/ },
  'port "abc"': { yaml: `${HEAD}services:\n  a: { image: x, port: abc }\n`, expect: /services.a.port: .*"abc"/ },
  'route without a leading /': { yaml: `${HEAD}services:\n  a: { image: x, routes: [{ path: api }] }\n`, expect: /routes.0.path: must start with "\/"/ },
  'two services on one route': {
    yaml: `${HEAD}services:\n  a: { image: x, routes: [{ path: /api }] }\n  b: { image: y, routes: [{ path: /api }] }\n`,
    expect: /route \/api collides with service "a"/,
  },
  'dependsOn cycle': {
    yaml: `${HEAD}services:\n  a: { image: x, dependsOn: [b] }\n  b: { image: y, dependsOn: [a] }\n`,
    expect: /dependsOn forms a cycle: a -> b -> a/,
  },
  'service name not DNS-label safe': { yaml: `${HEAD}services:\n  "Foo Bar": { image: x }\n`, expect: /not DNS-label safe/ },
};

async function workspace(yaml: string) {
  const dir = await tempDir({ 'portico.yaml': yaml, ...prefix('tpl/', templateFixtures(['node-fastify', 'node-express'])) });
  return { dir, env: { PORTICO_TEMPLATES_DIR: `${dir}/tpl` } };
}

function prefix(p: string, files: Record<string, string>) {
  return Object.fromEntries(Object.entries(files).map(([k, v]) => [p + k, v]));
}

describe.each(Object.entries(BAD))('bad manifest: %s', (_name, bad) => {
  it.each([['validate'], ['generate'], ['generate', '--check']])('`portico %s` exits 2, says what to do, writes nothing', async (...argv) => {
    const { dir, env } = await workspace(bad.yaml);
    const before = await readTree(dir);
    const result = await runCli(argv, { cwd: dir, env });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(bad.expect);
    expect(result.stderr).toMatch(/portico\.yaml:\d+:\d+ /);
    expect(result.stderr).toMatch(/hint/);
    expect(await readTree(dir)).toEqual(before);
  });

  it('`portico validate --json` reports it on stdout with a position', async () => {
    const { dir, env } = await workspace(bad.yaml);
    const result = await runCli(['validate', '--json'], { cwd: dir, env });
    expect(result.code).toBe(2);
    const out = JSON.parse(result.stdout);
    expect(out.valid).toBe(false);
    expect(out.file).toBe(`${dir}/portico.yaml`);
    expect(out.problems.length).toBeGreaterThan(0);
    expect(out.problems.map((p: { message: string; path: string }) => `${p.path}: ${p.message}`).join('\n')).toMatch(bad.expect);
    for (const p of out.problems) expect(p).toEqual({ path: expect.any(String), message: expect.any(String), line: expect.any(Number), column: expect.any(Number) });
  });
});

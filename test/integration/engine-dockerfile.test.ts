// Services built from their own Dockerfile (`build:`), env files, bind mounts, `portico exec`
// and `portico ps`, on the real engine through the built CLI. One stack for the whole file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeFiles } from '../helpers/workspace.js';
import { execa } from 'execa';
import { bin, cleanup, containerIds, freePort, getThroughGateway, portico } from './helpers/stack.js';

/** A small HTTP service in plain node, built FROM the runtime image Portico resolves. */
const SERVER = `import http from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
http
  .createServer((req, res) => {
    if (req.url === '/healthz') return res.end('ok');
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({
      greeting: process.env.GREETING,
      token: process.env.WEB_TOKEN,
      level: process.env.LOG_LEVEL,
      shared: readFileSync('/app/shared/message.txt', 'utf8').trim(),
      files: readdirSync('/app').sort(),
    }));
  })
  .listen(Number(process.env.PORT), () => console.log('web listening'));
`;

const DOCKERFILE = `# syntax is plain: the classic builder and BuildKit both take it
ARG PORTICO_NODE_IMAGE
FROM \${PORTICO_NODE_IMAGE} AS runtime
ARG GREETING=hi
ENV GREETING=\${GREETING}
WORKDIR /app
COPY . ./
USER 1000:1000
CMD ["node", "server.mjs"]
`;

const manifest = (project: string, port: number, extra = '') => `version: 1
name: ${project}
gateway:
  port: ${port}
services:
  web:
    build:
      context: services/web
      args: { GREETING: hello }
    port: 3000
    routes:
      - path: /api/web
    health: { path: /healthz, interval: 1s }
    env: { LOG_LEVEL: debug }
    envFile: [.env.web, .env.web.local]
    mounts:
      - ./shared:/app/shared:ro
${extra}`;

describe('services from a Dockerfile (real engine)', () => {
  const project = `t${Math.random().toString(36).slice(2, 8).replace(/[^a-z0-9]/g, 'x')}`;
  const token = `tok-${Math.random().toString(36).slice(2)}`;
  const absent = `portico-test-absent/base-${project}:1`;
  let dir: string;
  let gatewayUrl: string;
  let text: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), `portico-${project}-`));
    text = manifest(project, await freePort());
    await writeFiles(dir, {
      'portico.yaml': text,
      // Later files win; a value in portico.yaml's env wins over both.
      '.env.web': `WEB_TOKEN=overridden\nLOG_LEVEL=info\n`,
      '.env.web.local': `WEB_TOKEN="${token}"\n`,
      'shared/message.txt': 'mounted from the host\n',
      'services/web/Dockerfile': DOCKERFILE,
      'services/web/server.mjs': SERVER,
      'services/web/.dockerignore': 'notes/\n*.log\n!keep.log\n',
      'services/web/notes/todo.md': 'not sent\n',
      'services/web/debug.log': 'not sent\n',
      'services/web/keep.log': 'sent\n',
      'services/broken/Dockerfile': `FROM ${absent}\nCMD ["true"]\n`,
    });
  });
  afterAll(async () => {
    await cleanup(dir);
  });

  it('builds the image, serves it through the gateway with env files and mounts, and never prints the env values', async () => {
    const r = await portico(dir, ['up', '--json', '--timeout', '120']);
    expect(r.exitCode, r.all).toBe(0);
    const doc = JSON.parse(r.stdout);
    gatewayUrl = doc.gateway.url;
    const web = doc.images.find((i: { key: string }) => i.key === 'web');
    expect(web).toMatchObject({ outcome: 'built' });
    expect(web.ref).toMatch(new RegExp(`^portico/${project}-web:[0-9a-f]{12}$`));

    const res = await getThroughGateway(`${gatewayUrl}/api/web/`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { files: string[] };
    expect(body).toMatchObject({ greeting: 'hello', token, level: 'debug', shared: 'mounted from the host' });
    // .dockerignore honoured: notes/ and *.log left out, keep.log brought back by "!".
    expect(body.files).toEqual(['.dockerignore', 'Dockerfile', 'keep.log', 'server.mjs', 'shared']);

    expect(r.all).not.toContain(token);
    for (const file of await readdir(path.join(dir, '.portico'))) {
      if (file === 'state') continue;
      expect(await readFile(path.join(dir, '.portico', file), 'utf8'), file).not.toContain(token);
    }
  });

  it('skips the build on an unchanged second up, and for changes .dockerignore excludes', async () => {
    const before = await containerIds(project);
    const r = await portico(dir, ['up', '--json']);
    expect(r.exitCode, r.all).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.images.find((i: { key: string }) => i.key === 'web')).toMatchObject({ outcome: 'cached' });
    expect(doc.actions).toMatchObject({ created: 0, recreated: 0, unchanged: 3 });

    await writeFile(path.join(dir, 'services/web/notes/todo.md'), 'changed, still not sent\n');
    const again = JSON.parse((await portico(dir, ['up', '--json'])).stdout);
    expect(again.images.find((i: { key: string }) => i.key === 'web')).toMatchObject({ outcome: 'cached' });
    expect(await containerIds(project)).toEqual(before);
  });

  it('rebuilds and recreates when a file that is sent changes', async () => {
    await writeFile(path.join(dir, 'services/web/keep.log'), 'sent, and changed\n');
    const r = await portico(dir, ['up', '--json']);
    expect(r.exitCode, r.all).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.images.find((i: { key: string }) => i.key === 'web')).toMatchObject({ outcome: 'built' });
    expect(doc.actions).toMatchObject({ recreated: 1 });
    expect((await getThroughGateway(`${gatewayUrl}/api/web/`)).status).toBe(200);
  });

  it('exec runs a command in the container and passes its output and exit code', async () => {
    const r = await portico(dir, ['exec', 'web', '--', 'sh', '-c', 'echo "out $GREETING"; echo err >&2; exit 7']);
    expect(r.exitCode, r.all).toBe(7);
    // (execa drops the final newline)
    expect(r.stdout).toBe('out hello');
    expect(r.stderr).toBe('err');

    const ok = await portico(dir, ['exec', 'web', '--replica', '1', '--', 'node', '-e', 'console.log(process.env.PORT)']);
    expect(ok.exitCode, ok.all).toBe(0);
    expect(ok.stdout).toBe('3000');

    // -i passes stdin through when it is not a terminal.
    const piped = await execa('node', [bin, 'exec', 'web', '-i', '--', 'sh', '-c', 'read line; echo "got $line"'], { cwd: dir, input: 'a line\n', reject: false, env: { CI: '1', NO_COLOR: '1' } });
    expect(piped.exitCode, piped.stderr).toBe(0);
    expect(piped.stdout).toBe('got a line');

    const noReplica = await portico(dir, ['exec', 'web', '--replica', '3', '--', 'true']);
    expect(noReplica.exitCode).toBe(2);
    expect(noReplica.stderr).toContain('has no replica 3');
    const noService = await portico(dir, ['exec', 'nope', '--', 'true']);
    expect(noService.exitCode).toBe(2);
    expect(noService.stderr).toContain('no service "nope"');
    const noCommand = await portico(dir, ['exec', 'web']);
    expect(noCommand.exitCode).toBe(2);
  });

  it('exec gives the command a TTY when stdin and stdout are terminals', async () => {
    // script(1) runs the CLI on a pseudo-terminal and exits with its exit code (-e).
    const inner = `node ${bin} exec web -- node -e 'console.log("tty " + process.stdin.isTTY + " " + process.stdout.isTTY); process.exit(5)'`;
    const r = await execa('script', ['-qec', inner, '/dev/null'], { cwd: dir, reject: false, env: { CI: '1', NO_COLOR: '1' }, timeout: 30_000 });
    expect(r.exitCode, r.stdout + r.stderr).toBe(5);
    expect(r.stdout).toContain('tty true true');
  });

  it('ps is status', async () => {
    const r = await portico(dir, ['ps']);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`web\\s+${project}-web-1\\s+running`));
  });

  it('a Dockerfile FROM an image that is absent and cannot be pulled exits 3 naming the image; a missing context exits 1', async () => {
    await writeFile(path.join(dir, 'portico.yaml'), manifest(project, Number(new URL(gatewayUrl).port), '  broken:\n    build: {}\n    port: 3000\n'));
    const started = Date.now();
    const r = await portico(dir, ['up', 'broken', '--json']);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(r.exitCode, r.all).toBe(3);
    expect(r.stderr).toContain(`image ${absent} (used by services/broken/Dockerfile) is not available locally and cannot be pulled`);
    expect(r.stderr).toContain('docker load');
    const doc = JSON.parse(r.stdout);
    expect(doc.error.exitCode).toBe(3);
    expect(doc.error.message).toContain(absent);

    await writeFile(path.join(dir, 'portico.yaml'), manifest(project, Number(new URL(gatewayUrl).port), '  gone:\n    build: { context: services/gone }\n'));
    const gone = await portico(dir, ['up', 'gone']);
    expect(gone.exitCode, gone.all).toBe(1);
    expect(gone.stderr).toContain('service gone: build context services/gone does not exist.');
    await writeFile(path.join(dir, 'portico.yaml'), text);
  });
});

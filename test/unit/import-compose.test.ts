// `portico import compose`: three compose files of different shapes (format 2, format 3 for
// Swarm, the Compose Specification) become manifests that validate; every key that does not
// map is one warning (the exact list is asserted, so nothing is dropped silently).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { importCompose } from '../../src/manifest/import/compose.js';
import { parseComposeDuration, parsePort, parseVolume, splitCommand } from '../../src/manifest/import/compose-syntax.js';
import { runCli, tempDir } from '../helpers/workspace.js';

const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures', 'compose');
const fixture = (name: string) => readFileSync(path.join(FIXTURES, name), 'utf8');
const load = (name: string) => importCompose(fixture(name), { file: name, fallbackName: 'demo' });
const warningPaths = (name: string) => load(name).warnings.map((w) => w.path);

describe('import compose: format 2 (build, short ports, env list and map, env_file, depends_on conditions, healthchecks, volumes, string command, scale)', () => {
  const { manifest } = load('v2-webapp.yml');
  const s = manifest.services!;

  it('keeps what maps', () => {
    expect(s.web).toEqual({
      image: 'demo-web:latest',
      port: 8000,
      expose: [8000],
      env: { DJANGO_SETTINGS_MODULE: 'shop.settings', DEBUG: '0' },
      dependsOn: ['db', 'cache'],
      health: { interval: '10s', timeout: '3s', startPeriod: '90s', retries: 5 },
      volumes: ['static:/srv/static'],
      command: ['gunicorn', 'shop.wsgi', '--bind', '0.0.0.0:8000', '--workers', '2'],
    });
    expect(s.worker).toMatchObject({ image: 'shop/web:dev', replicas: 2, dependsOn: ['db', 'cache'], command: ['celery', '-A', 'shop', 'worker'] });
    expect(s.db).toMatchObject({ image: 'postgres:16', port: 5432, env: { POSTGRES_DB: 'shop', POSTGRES_PASSWORD: 'example' }, volumes: ['pgdata:/var/lib/postgresql/data'], health: { interval: '5s' } });
    expect(s.cache).toEqual({ image: 'redis:7-alpine', port: 6379 });
  });

  it('warns once per key that does not map', () => {
    expect(warningPaths('v2-webapp.yml')).toEqual([
      'services.web.build',
      'services.web.environment.SECRET_KEY',
      'services.web.env_file',
      'services.web.depends_on.cache.condition',
      'services.web.healthcheck.test',
      'services.web.volumes[0]',
      'services.worker.build',
      'services.worker',
      'services.db',
      'services.db.healthcheck.test',
    ]);
    const build = load('v2-webapp.yml').warnings[0]!.message;
    expect(build).toContain('docker build -t demo-web:latest -f docker/Dockerfile.web --build-arg PYTHON_VERSION=3.12 ./app');
  });
});

describe('import compose: format 3 for Swarm (long ports, deploy.*, secrets, configs, networks, privileged, cap_add)', () => {
  const { manifest } = load('v3-swarm.yml');

  it('keeps image, port, deploy.replicas, env, depends_on list, health timings, long-syntax named volume, command list', () => {
    expect(manifest.services!.api).toEqual({
      image: 'registry.example.com/acme/api:1.4.2',
      port: 3000,
      replicas: 3,
      env: { NODE_ENV: 'production', REDIS_URL: 'redis://queue:6379' },
      dependsOn: ['queue'],
      health: { interval: '15s', timeout: '5s', retries: 3 },
    });
    expect(manifest.services!.queue).toEqual({ image: 'redis:7', port: 6379, replicas: 1, volumes: ['queue-data:/data'], command: ['redis-server', '--appendonly', 'yes'] });
  });

  it('warns once per key that does not map', () => {
    expect(warningPaths('v3-swarm.yml')).toEqual([
      'networks',
      'secrets',
      'configs',
      'volumes.queue-data.driver',
      'services.api.ports[1]',
      'services.api.ports',
      'services.api.deploy.resources',
      'services.api.deploy.restart_policy',
      'services.api.ports',
      'services.api.environment.PORT',
      'services.api.healthcheck.test',
      'services.api.networks',
      'services.api.secrets',
      'services.queue',
      'services.queue.deploy.placement',
      'services.queue.privileged',
      'services.queue.cap_add',
      'services.queue.networks',
    ]);
  });
});

describe('import compose: the Compose Specification (name, anchors, profiles, renames, long volumes, udp/range ports, shell command)', () => {
  const imported = load('spec-app.yml');
  const s = imported.manifest.services!;

  it('keeps what maps, renaming services to DNS labels away from Portico`s own names', () => {
    expect(imported.manifest.name).toBe('acme-store');
    expect(imported.services).toEqual({ gateway: 'gateway-svc', store_api: 'store-api', db: 'db' });
    expect(s['gateway-svc']).toEqual({ image: 'nginx:1.27', port: 80, expose: [80, 443], dependsOn: ['store-api'] });
    expect(s['store-api']).toMatchObject({ port: 4000, volumes: ['uploads:/var/uploads'], command: ['sh', '-c', 'migrate && exec serve --port 4000'] });
    expect(s.db).toEqual({ image: 'postgres:16', port: 5432, volumes: ['dbdata:/var/lib/postgresql/data'] });
  });

  it('warns once per key that does not map', () => {
    expect(warningPaths('spec-app.yml')).toEqual([
      'x-logging',
      'name',
      'services.gateway',
      'services.store_api',
      'services.gateway.ports[0]',
      'services.gateway.ports[1]',
      'services.gateway.ports',
      'services.gateway.volumes[0]',
      'services.gateway.logging',
      'services.gateway.profiles',
      'services.store_api.ports[0]',
      'services.store_api.ports[1]',
      'services.store_api.ports[2]',
      'services.store_api.environment.DATABASE_URL',
      'services.store_api.healthcheck.disable',
      'services.store_api.volumes[0]',
      'services.store_api.volumes[1]',
      'services.store_api.volumes[2]',
      'services.store_api.logging',
      'services.store_api.restart',
      'services.store_api.container_name',
      'services.db',
      'services.db.environment.POSTGRES_PASSWORD',
      'services.db.env_file',
      'services.db.healthcheck.test',
      'services.db.healthcheck.start_interval',
    ]);
  });
});

describe('import compose: the command', () => {
  for (const name of ['v2-webapp.yml', 'v3-swarm.yml', 'spec-app.yml']) {
    it(`${name}: writes portico.yaml that \`portico validate\` accepts, with the warnings in its header and on stderr`, async () => {
      const dir = await tempDir({ 'docker-compose.yml': fixture(name) });
      const r = await runCli(['import', 'compose', 'docker-compose.yml'], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      // The project name comes from the folder (a temp dir with upper-case letters: one more warning).
      const count = importCompose(fixture(name), { file: 'docker-compose.yml', fallbackName: path.basename(dir) }).warnings.length;
      expect(r.stderr.split('\n').filter((l) => l.startsWith('warning ')).length).toBe(count);
      const text = await readFile(path.join(dir, 'portico.yaml'), 'utf8');
      expect(text).toContain(`# Not imported (${count}):`);
      const v = await runCli(['validate', '--json'], { cwd: dir });
      expect(v.code, v.stdout + v.stderr).toBe(0);
      expect(JSON.parse(v.stdout)).toMatchObject({ valid: true, problems: [] });
    });
  }

  it('--json prints one document with the warnings; -o and --name choose the output and project', async () => {
    const dir = await tempDir({ 'compose.yaml': fixture('v3-swarm.yml') });
    const r = await runCli(['import', 'compose', 'compose.yaml', '-o', 'out/portico.yaml', '--name', 'swarmy', '--json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ project: 'swarmy', output: path.join(dir, 'out', 'portico.yaml'), services: { api: 'api', queue: 'queue' } });
    expect(doc.warnings).toHaveLength(18);
    expect(doc.warnings[0]).toEqual({ path: 'networks', message: expect.stringContaining('one network') });
  });

  it('refuses to overwrite portico.yaml without --force (exit 2, with a hint), and replaces it with --force', async () => {
    const dir = await tempDir({ 'docker-compose.yml': fixture('v2-webapp.yml'), 'portico.yaml': 'mine\n' });
    const r = await runCli(['import', 'compose', 'docker-compose.yml'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/portico\.yaml already exists[\s\S]*hint.*--force/);
    expect(await readFile(path.join(dir, 'portico.yaml'), 'utf8')).toBe('mine\n');
    expect((await runCli(['import', 'compose', 'docker-compose.yml', '--force'], { cwd: dir })).code).toBe(0);
    expect(await readFile(path.join(dir, 'portico.yaml'), 'utf8')).toContain('Imported from docker-compose.yml');
  });

  it('bad input exits 2 naming the file and the reason: missing file, invalid YAML, no services', async () => {
    const dir = await tempDir({ 'bad.yml': 'services:\n  web: [unclosed\n', 'v1.yml': 'web:\n  image: nginx\n', 'list.yml': '- a\n' });
    const missing = await runCli(['import', 'compose', 'nope.yml'], { cwd: dir });
    expect([missing.code, missing.stderr]).toEqual([2, expect.stringContaining('cannot read nope.yml: no such file')]);
    const bad = await runCli(['import', 'compose', 'bad.yml'], { cwd: dir });
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringContaining('bad.yml is not valid YAML')]);
    const v1 = await runCli(['import', 'compose', 'v1.yml'], { cwd: dir });
    expect([v1.code, v1.stderr]).toEqual([2, expect.stringContaining('v1.yml has no "services:" mapping')]);
    const list = await runCli(['import', 'compose', 'list.yml', '--json'], { cwd: dir });
    expect(list.code).toBe(2);
    expect(JSON.parse(list.stdout).error ?? JSON.parse(list.stdout)).toBeTruthy();
  });
});

describe('compose syntax', () => {
  it('ports: short, with address, IPv6, long, ranges', () => {
    expect(parsePort('80')).toEqual({ container: 80, host: undefined, hostIp: undefined, protocol: 'tcp' });
    expect(parsePort('127.0.0.1:8080:80/tcp')).toEqual({ container: 80, host: 8080, hostIp: '127.0.0.1', protocol: 'tcp' });
    expect(parsePort('[::1]:8080:80')).toMatchObject({ container: 80, host: 8080, hostIp: '::1' });
    expect(parsePort({ target: 80, published: '8080', protocol: 'udp' })).toEqual({ container: 80, host: 8080, hostIp: undefined, protocol: 'udp' });
    expect(parsePort('7000-7005:7000-7005')).toHaveProperty('error');
  });

  it('volumes: named, bind, anonymous, long syntax', () => {
    expect(parseVolume('data:/data:ro')).toEqual({ type: 'volume', source: 'data', target: '/data', readOnly: true });
    expect(parseVolume('./src:/app')).toMatchObject({ type: 'bind' });
    expect(parseVolume('/cache')).toMatchObject({ type: 'anonymous', target: '/cache' });
    expect(parseVolume({ type: 'tmpfs', target: '/tmp' })).toMatchObject({ type: 'other', kind: 'tmpfs' });
  });

  it('durations and commands', () => {
    expect(parseComposeDuration('1m30s')).toBe(90_000);
    expect(parseComposeDuration('250ms')).toBe(250);
    expect(parseComposeDuration('soon')).toBeUndefined();
    expect(splitCommand(`serve --name "a b" 'c'`)).toEqual(['serve', '--name', 'a b', 'c']);
    expect(splitCommand('a | b')).toBeUndefined();
  });
});

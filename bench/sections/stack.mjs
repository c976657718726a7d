// Stack lifecycle, Portico vs docker-compose 1.29 (Debian's), same machine, same run.
// Workspace: `portico init` + two template services (alpha x2 fastify, beta express) =
// 5 health-checked containers with the registry and the gateway.
// Portico: cold `up` (fresh workspace, --build: npm builds + every image rebuilt), `up` with
// images present and no containers, warm `up` (nothing changed), `down`.
// Compose: an equivalent compose file generated from Portico's own running containers (same
// images, env, health checks, init, mounts, aliases; a second project name), measured for
// `up -d` until every container is healthy (what `portico up` waits for), warm `up -d`, `down`.
import { execa } from 'execa';
import { mkdtemp, readFile, rm, writeFile, cp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../lib/net.mjs';

const TARGETS = { coldUpSeconds: 25, downSeconds: 3, ratioVsCompose: 1 };

export async function run({ root, log }) {
  const bin = path.join(root, 'bin', 'portico.js');
  const env = { ...process.env, CI: '1', NO_COLOR: '1' };
  const tag = Math.random().toString(36).slice(2, 7);
  const project = `bp${tag}`;
  const composeProject = `bc${tag}`;
  const dir = await mkdtemp(path.join(os.tmpdir(), `portico-bench-${project}-`));
  let cdir;
  const portico = async (args, cwd = dir) => {
    const t0 = performance.now();
    const r = await execa('node', [bin, ...args], { cwd, env, reject: false, all: true });
    const seconds = (performance.now() - t0) / 1000;
    if (r.exitCode !== 0) throw new Error(`portico ${args.join(' ')} exited ${r.exitCode}:\n${r.all}`);
    return { seconds: round(seconds), stdout: r.stdout };
  };
  const compose = async (args) => {
    const t0 = performance.now();
    const r = await execa('docker-compose', ['-p', composeProject, '-f', path.join(cdir, 'docker-compose.yml'), ...args], { cwd: cdir, reject: false, all: true });
    if (r.exitCode !== 0) throw new Error(`docker-compose ${args.join(' ')} exited ${r.exitCode}:\n${r.all}`);
    return round((performance.now() - t0) / 1000);
  };
  try {
    log('stack: creating the workspace (portico init + create x2)');
    await portico(['init', '.', '--name', project, '-y']);
    await portico(['create', 'alpha', '-t', 'node-fastify', '-r', '/api/alpha', '--replicas', '2', '-y']);
    await portico(['create', 'beta', '-t', 'node-express', '-r', '/api/beta', '-y']);
    await setPort(dir, await freePort());

    log('stack: portico cold up (--build)');
    const cold = await portico(['up', '--build', '--json']);
    const coldDoc = JSON.parse(cold.stdout);
    const down1 = await portico(['down']);
    log('stack: portico up with images present, no containers');
    const present = await portico(['up', '--json']);
    log('stack: portico warm up');
    const warm = await portico(['up', '--json']);
    const warmDoc = JSON.parse(warm.stdout);

    // The compose twin: same sources, another project name, its own generated .portico/.
    cdir = await mkdtemp(path.join(os.tmpdir(), `portico-bench-${composeProject}-`));
    await cp(dir, cdir, { recursive: true, filter: (s) => !s.includes(`${path.sep}node_modules`) && !s.includes(`${path.sep}.portico`) });
    await writeFile(path.join(cdir, 'portico.yaml'), (await readFile(path.join(cdir, 'portico.yaml'), 'utf8')).replace(/^name: .*$/m, `name: ${composeProject}`));
    await setPort(cdir, await freePort());
    await portico(['generate'], cdir);
    const composeFile = await composeFromRunning(project, composeProject, cdir);
    await writeFile(path.join(cdir, 'docker-compose.yml'), composeFile);

    log('stack: portico down');
    const down = await portico(['down']);

    log('stack: docker-compose up -d (images present, no containers) until healthy');
    const cUpRaw0 = performance.now();
    const cUpRaw = await compose(['up', '-d']);
    await waitHealthy(composeProject);
    const cUpHealthy = round((performance.now() - cUpRaw0) / 1000);
    log('stack: docker-compose warm up -d');
    const cWarm0 = performance.now();
    const cWarm = await compose(['up', '-d']);
    await waitHealthy(composeProject);
    const cWarmHealthy = round((performance.now() - cWarm0) / 1000);
    log('stack: docker-compose down');
    const cDown = await compose(['down']);

    const ratio = (a, b) => round(a / b);
    return {
      containers: coldDoc.services.reduce((n, s) => n + s.instances.length, 0),
      runtimeImage: coldDoc.runtimeImage,
      // What the cold run built: service images always (fresh project); the gateway and registry
      // images are content-addressed and shared across projects, so they show 'cached' when an
      // earlier run on this machine built the same content.
      coldUpImages: Object.fromEntries(coldDoc.images.map((i) => [i.key, i.outcome])),
      loadAverage: os.loadavg().map((x) => round(x)),
      portico: {
        coldUpSeconds: cold.seconds,
        upImagesPresentSeconds: present.seconds,
        warmUpSeconds: warm.seconds,
        warmUpActions: warmDoc.actions,
        downSeconds: down.seconds,
        downAfterColdSeconds: down1.seconds,
      },
      compose: {
        version: (await execa('docker-compose', ['version', '--short'])).stdout.trim(),
        upImagesPresentRawSeconds: cUpRaw,
        upImagesPresentUntilHealthySeconds: cUpHealthy,
        warmUpRawSeconds: cWarm,
        warmUpUntilHealthySeconds: cWarmHealthy,
        downSeconds: cDown,
      },
      ratios: {
        upImagesPresent: ratio(present.seconds, cUpHealthy),
        warmUp: ratio(warm.seconds, cWarmHealthy),
        down: ratio(down.seconds, cDown),
      },
      targets: TARGETS,
      meetsTargets: {
        coldUp: cold.seconds < TARGETS.coldUpSeconds,
        down: down.seconds < TARGETS.downSeconds,
        upImagesPresentVsCompose: present.seconds <= cUpHealthy,
        warmUpVsCompose: warm.seconds <= cWarmHealthy,
        downVsCompose: down.seconds <= cDown,
      },
      notes:
        'compose runs the same images with the same env, health checks and init; its "up" is measured until every container is healthy, ' +
        'which is what `portico up` waits for (raw `up -d` return time also given). cold up = fresh workspace with --build (npm builds + image builds; the node runtime image is reused).',
    };
  } finally {
    await execa('node', [bin, 'down', '--remove-orphans'], { cwd: dir, env, reject: false });
    if (cdir) {
      await execa('docker-compose', ['-p', composeProject, '-f', path.join(cdir, 'docker-compose.yml'), 'down'], { cwd: cdir, reject: false });
      await rm(cdir, { recursive: true, force: true });
    }
    await rm(dir, { recursive: true, force: true });
    // The service images this run built (labelled with its project); shared runtime images stay.
    const ids = (await execa('docker', ['images', '-q', '--filter', `label=dev.portico.project=${project}`], { reject: false })).stdout.split('\n').filter(Boolean);
    if (ids.length > 0) await execa('docker', ['rmi', '-f', ...new Set(ids)], { reject: false });
  }
}

const round = (x) => Math.round(x * 100) / 100;

async function setPort(dir, port) {
  const file = path.join(dir, 'portico.yaml');
  await writeFile(file, (await readFile(file, 'utf8')).replace(/^  port: \d+$/m, `  port: ${port}`));
}

async function inspectAll(filter) {
  const ids = (await execa('docker', ['ps', '-aq', '--filter', filter])).stdout.split('\n').filter(Boolean);
  if (ids.length === 0) return [];
  return JSON.parse((await execa('docker', ['inspect', ...ids])).stdout);
}

async function waitHealthy(composeProject) {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const all = await inspectAll(`label=com.docker.compose.project=${composeProject}`);
    if (all.length > 0 && all.every((c) => c.State.Health?.Status === 'healthy')) return;
    if (Date.now() > deadline) throw new Error('compose stack not healthy after 120 s');
    await new Promise((r) => setTimeout(r, 250));
  }
}

const dur = (ns) => `${Math.round(ns / 1e6)}ms`;

/** A compose file (format 2.4) reproducing Portico's running containers under another project name. */
async function composeFromRunning(project, composeProject, cdir) {
  const containers = await inspectAll(`label=dev.portico.project=${project}`);
  const rename = (s) => s.split(`${project}-`).join(`${composeProject}-`);
  const lines = ['version: "2.4"', 'services:'];
  const q = (s) => JSON.stringify(s);
  for (const c of containers.sort((a, b) => a.Name.localeCompare(b.Name))) {
    const name = rename(c.Name.replace(/^\//, ''));
    const service = c.Config.Labels['dev.portico.service'];
    lines.push(`  ${name}:`, `    image: ${q(c.Config.Image)}`, `    container_name: ${q(name)}`, '    init: true', '    stop_grace_period: 3s');
    lines.push('    environment:');
    for (const e of c.Config.Env ?? []) {
      const i = e.indexOf('=');
      lines.push(`      ${e.slice(0, i)}: ${q(rename(e.slice(i + 1)))}`);
    }
    const h = c.Config.Healthcheck;
    if (h) {
      lines.push('    healthcheck:', `      test: ${q(h.Test)}`, `      interval: ${dur(h.Interval)}`, `      timeout: ${dur(h.Timeout)}`, `      retries: ${h.Retries}`, `      start_period: ${dur(h.StartPeriod)}`);
    }
    const binds = (c.HostConfig.Binds ?? []).map((b) => b.replace(/^[^:]*\.portico:/, `${path.join(cdir, '.portico')}:`));
    if (binds.length > 0) lines.push('    volumes:', ...binds.map((b) => `      - ${q(b)}`));
    const ports = Object.entries(c.HostConfig.PortBindings ?? {});
    if (ports.length > 0) {
      const port = (await readFile(path.join(cdir, 'portico.yaml'), 'utf8')).match(/^  port: (\d+)$/m)[1];
      lines.push('    ports:', ...ports.map(([k, v]) => `      - ${q(`${v[0].HostIp}:${port}:${k.split('/')[0]}`)}`));
    }
    lines.push('    networks:', '      net:', `        aliases: [${q(service)}]`);
    if (service !== 'registry') lines.push('    depends_on:', `      - ${composeProject}-registry-1`);
  }
  lines.push('networks:', '  net:', `    name: ${composeProject}_net`, '');
  return lines.join('\n');
}

// install.sh end to end: packs this repository, installs the tarball into a temporary $HOME
// and $PORTICO_HOME, and checks the promises of issue 6: `portico --version` from the new
// PATH, a second run changes no file, a truncated script writes nothing, and missing
// prerequisites are reported before anything is changed.
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/core/paths.js';

const root = packageRoot();
const installSh = path.join(root, 'install.sh');

let work: string;
let tarball: string;
/** Serves the tarball at /portico.tgz on 127.0.0.1 (everything else is a 404). */
let server: Server;
let baseUrl: string;
/** npm's real cache: dependencies come from it (prefer-offline), and it stays outside $HOME. */
let npmCache: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'portico-installer-'));
  npmCache = (await execa('npm', ['config', 'get', 'cache'])).stdout.trim();
  await execa('npm', ['run', 'build'], { cwd: root });
  const packed = await execa('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', work], { cwd: root });
  tarball = path.join(work, packed.stdout.trim().split('\n').pop()!);
  const body = await readFile(tarball);
  server = createServer((req, res) => (req.url === '/portico.tgz' ? res.writeHead(200).end(body) : res.writeHead(404).end('not here')));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

/** A fresh, empty $HOME (and TMPDIR) for one scenario. */
async function sandbox(name: string) {
  const dir = path.join(work, name);
  const home = path.join(dir, 'home');
  const tmp = path.join(dir, 'tmp');
  await mkdir(home, { recursive: true });
  await mkdir(tmp, { recursive: true });
  return { dir, home, tmp };
}

function installerEnv(home: string, tmp: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    SHELL: '/bin/bash',
    TMPDIR: tmp,
    PORTICO_SOURCE: tarball,
    npm_config_cache: npmCache,
    npm_config_prefer_offline: 'true',
    npm_config_update_notifier: 'false',
    ...(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}),
    ...extra,
  };
}

/** Runs install.sh as a file (`./install.sh ...`). */
function runInstaller(args: string[], env: Record<string, string>) {
  return execa('bash', [installSh, ...args], { env, extendEnv: false, reject: false, stdin: 'ignore', cwd: env.HOME });
}

/** Runs a script the way `curl ... | bash -s -- args` does: the script arrives on stdin. */
function pipeToBash(script: string, args: string[], env: Record<string, string>) {
  return execa('bash', ['-s', '--', ...args], { env, extendEnv: false, reject: false, input: script, cwd: env.HOME });
}

/** path -> sha256 of content (or of the link target) for every entry under dir. */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string) => {
    for (const entry of await readdir(d)) {
      const full = path.join(d, entry);
      const st = await lstat(full);
      const rel = path.relative(dir, full);
      if (st.isSymbolicLink()) out.set(rel, `link:${await readlink(full)}`);
      else if (st.isDirectory()) {
        out.set(rel + '/', `dir:${st.mode}`);
        await walk(full);
      } else out.set(rel, `${st.mode}:${createHash('sha256').update(await readFile(full)).digest('hex')}:${st.mtimeMs}`);
    }
  };
  await walk(dir);
  return out;
}

/**
 * PATH with the given commands removed: every PATH directory holding one of them is replaced
 * by a directory of symlinks to all its other entries.
 */
async function pathWithout(commands: string[], into: string): Promise<string> {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  const result: string[] = [];
  for (const [i, dir] of dirs.entries()) {
    if (!commands.some((c) => existsSync(path.join(dir, c)))) {
      result.push(dir);
      continue;
    }
    const filtered = path.join(into, `path${i}`);
    await mkdir(filtered, { recursive: true });
    for (const entry of await readdir(dir)) {
      if (!commands.includes(entry)) await symlink(path.join(dir, entry), path.join(filtered, entry));
    }
    result.push(filtered);
  }
  return result.join(path.delimiter);
}

describe('install.sh', () => {
  it('is shellcheck clean', async () => {
    const r = await execa('shellcheck', [installSh], { reject: false });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
  });

  it('installs from a tarball through `curl | bash`, puts portico on PATH, and a second run changes no file', async () => {
    const { home, tmp } = await sandbox('install');
    const env = installerEnv(home, tmp);
    const script = await readFile(installSh, 'utf8');

    const first = await pipeToBash(script, ['-y', '--no-quickstart'], env);
    expect(first.stderr).not.toMatch(/error/i);
    expect(first.exitCode, first.stdout + first.stderr).toBe(0);
    expect(first.stdout).toContain('Portico 0.1.0 is installed');

    // Exactly one profile line, and a login shell that reads it finds `portico`.
    const bashrc = await readFile(path.join(home, '.bashrc'), 'utf8');
    expect(bashrc.split('\n').filter((l) => l.includes('.portico/bin'))).toHaveLength(1);
    const fromProfile = await execa('bash', ['-c', '. "$HOME/.bashrc" && command -v portico && portico --version && command -v create-service'], {
      env: { PATH: '/usr/bin:/bin', HOME: home },
      extendEnv: false,
    });
    const [where, version, createService] = fromProfile.stdout.split('\n');
    expect(where).toBe(path.join(home, '.portico/bin/portico'));
    expect(version).toBe('0.1.0');
    expect(createService).toBe(path.join(home, '.portico/bin/create-service'));

    // Second run, from the file this time: same version, same profile -> nothing changes.
    const before = await snapshot(home);
    const second = await runInstaller(['-y', '--no-quickstart'], env);
    expect(second.exitCode, second.stdout + second.stderr).toBe(0);
    expect(second.stdout).toContain('already installed');
    expect(second.stdout).toContain('already puts');
    const after = await snapshot(home);
    expect([...after.entries()]).toEqual([...before.entries()]);

    // Third run from a URL of the same tarball, checksum pinned: downloaded, verified by
    // version, still nothing to change.
    const sha = createHash('sha256').update(await readFile(tarball)).digest('hex');
    const third = await runInstaller(['-y', '--no-quickstart'], { ...env, PORTICO_SOURCE: `${baseUrl}/portico.tgz`, PORTICO_SHA256: sha });
    expect(third.exitCode, third.stdout + third.stderr).toBe(0);
    expect(third.stdout).toContain('already installed');
    expect([...(await snapshot(home)).entries()]).toEqual([...before.entries()]);
    // Temporary files are gone.
    expect(await readdir(tmp)).toEqual([]);
  });

  it('a copy cut at any line boundary (or inside the last line) and piped to bash writes nothing', async () => {
    const { home, tmp } = await sandbox('truncated');
    const env = installerEnv(home, tmp);
    const script = await readFile(installSh, 'utf8');
    const lines = script.split('\n');
    const lastLine = lines.findLastIndex((l) => l.trim() !== '');
    expect(lines[lastLine]).toBe('main "$@"');

    const cuts: string[] = [];
    for (let n = 1; n <= lastLine; n++) cuts.push(lines.slice(0, n).join('\n') + '\n');
    const head = lines.slice(0, lastLine).join('\n') + '\n';
    // Inside the last line: a partial name is an unknown command, a partial `"$@"` an
    // unterminated string. (Cut right after `main`, the script is complete and runs with no
    // arguments, the same as the full script run with none.)
    for (let k = 1; k < lines[lastLine].length; k++) {
      const partial = lines[lastLine].slice(0, k);
      if (partial.trim() !== 'main') cuts.push(head + partial);
    }

    for (const cut of cuts) {
      const r = await pipeToBash(cut, ['-y', '--no-quickstart'], env);
      // Whatever bash said, it changed nothing and said nothing about installing.
      expect(r.stdout, `cut of ${cut.length} bytes`).not.toContain('installing');
      expect(await readdir(home), `cut of ${cut.length} bytes`).toEqual([]);
    }
    expect(await readdir(tmp)).toEqual([]);
  });

  it('without docker on PATH: says what to install and exits 3 before changing anything', async () => {
    const { dir, home, tmp } = await sandbox('no-docker');
    const env = installerEnv(home, tmp, { PATH: await pathWithout(['docker'], dir) });
    const r = await runInstaller(['-y', '--no-quickstart'], env);
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toContain('missing: Docker');
    expect(r.stdout).toMatch(/apt-get install -y docker\.io|dnf install|brew install|docs\.docker\.com/);
    expect(r.stdout).toContain('Nothing was changed');
    expect(await readdir(home)).toEqual([]);
  });

  it('without node and npm: names both with install hints and exits 3', async () => {
    const { dir, home, tmp } = await sandbox('no-node');
    const env = installerEnv(home, tmp, { PATH: await pathWithout(['node', 'npm', 'npx'], dir) });
    const r = await runInstaller(['-y'], env);
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toContain('missing: Node.js >= 20.18.1');
    expect(r.stdout).toContain('missing: npm');
    expect(r.stdout).toContain('nvm install 20');
    expect(await readdir(home)).toEqual([]);
  });

  it('with Node.js too old or a Docker engine that does not answer: exits 3 with the fix', async () => {
    const { dir, home, tmp } = await sandbox('old-node');
    const fake = path.join(dir, 'fakebin');
    await mkdir(fake);
    await writeFile(path.join(fake, 'node'), '#!/bin/sh\necho 20.11.0\n');
    await writeFile(path.join(fake, 'docker'), '#!/bin/sh\necho "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2\nexit 1\n');
    await chmod(path.join(fake, 'node'), 0o755);
    await chmod(path.join(fake, 'docker'), 0o755);
    const env = installerEnv(home, tmp, { PATH: `${fake}${path.delimiter}${process.env.PATH}` });
    const r = await runInstaller(['-y'], env);
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toContain('too old: Node.js 20.11.0');
    expect(r.stdout).toContain('not reachable: the Docker engine (Cannot connect to the Docker daemon');
    expect(r.stdout).toMatch(/systemctl start docker|open -a Docker/);
    expect(await readdir(home)).toEqual([]);
  });

  it('--dry-run prints the plan and writes nothing; a checkout is packed when no source is given', async () => {
    const { home, tmp } = await sandbox('dry-run');
    const env = installerEnv(home, tmp);
    delete env.PORTICO_SOURCE; // the script sits in a checkout: it would build and pack it
    const r = await runInstaller(['--dry-run', '-y'], env);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(`from checkout: ${root}`);
    expect(r.stdout).toMatch(/would run: npm pack/);
    expect(r.stdout).toMatch(/would run: npm install --global --prefix \S*home\/\.portico/);
    expect(r.stdout).toContain(`would append to ${path.join(home, '.bashrc')}`);
    expect(await readdir(home)).toEqual([]);
    expect(await readdir(tmp)).toEqual([]);
  });

  it('in a terminal it asks first (on /dev/tty) and answering "n" changes nothing', async () => {
    const { home, tmp } = await sandbox('prompt');
    const env = installerEnv(home, tmp);
    // util-linux `script` gives the installer a real terminal; "n" is typed on it.
    const r = await execa('script', ['-qec', `bash ${installSh}`, '/dev/null'], { env, extendEnv: false, reject: false, input: 'n\n', cwd: home });
    expect(r.stdout).toContain('Then it runs `portico quickstart`');
    expect(r.stdout).toContain('Continue? [Y/n]');
    expect(r.stdout).toContain('cancelled; nothing was changed');
    expect(r.exitCode).toBe(1);
    expect(await readdir(home)).toEqual([]);
  });

  it('a download that fails (HTTP 404) or a checksum that does not match: exit 1, $HOME and TMPDIR stay empty', async () => {
    const { home, tmp } = await sandbox('downloads');
    const missing = await runInstaller(['-y', '--no-quickstart'], installerEnv(home, tmp, { PORTICO_SOURCE: `${baseUrl}/nope.tgz` }));
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain('could not download');

    const tampered = await runInstaller(
      ['-y', '--no-quickstart'],
      installerEnv(home, tmp, { PORTICO_SOURCE: `${baseUrl}/portico.tgz`, PORTICO_SHA256: '0'.repeat(64) }),
    );
    expect(tampered.exitCode).toBe(1);
    expect(tampered.stderr).toContain('checksum mismatch');
    expect(await readdir(home)).toEqual([]);
    expect(await readdir(tmp)).toEqual([]);
  });

  it('a PORTICO_SOURCE file that is not a tarball: exit 2, nothing written', async () => {
    const { dir, home, tmp } = await sandbox('not-a-tarball');
    const fake = path.join(dir, 'portico-9.9.9.tgz');
    await writeFile(fake, '<html>login page</html>\n');
    const r = await runInstaller(['-y', '--no-quickstart'], installerEnv(home, tmp, { PORTICO_SOURCE: fake }));
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('is not a tarball made by `npm pack`');
    expect(await readdir(home)).toEqual([]);
  });

  it('rejects unknown options (exit 2) and a missing PORTICO_SOURCE (exit 2); --help documents exit codes', async () => {
    const { home, tmp } = await sandbox('usage');
    const bad = await runInstaller(['--bogus'], installerEnv(home, tmp));
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('unknown option: --bogus');
    const missing = await runInstaller(['-y'], installerEnv(home, tmp, { PORTICO_SOURCE: path.join(tmp, 'nope.tgz') }));
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('does not exist');
    const help = await runInstaller(['--help'], installerEnv(home, tmp));
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toMatch(/Exit codes:[\s\S]*3 {2}prerequisites missing/);
    expect(await readdir(home)).toEqual([]);
  });
});

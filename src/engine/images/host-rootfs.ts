// The root filesystem of an image built FROM scratch out of host files (the Node runtime from
// the host's node, the Go toolchain from the host's GOROOT), as tar entries under rootfs/:
// each file added with the folders above it, a binary with the shared libraries ldd reports,
// and a POSIX shell (with its libraries) so shell-form RUN, CMD and HEALTHCHECK work.
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import type { TarEntry } from './tar.js';

/** Files ldd reports for a binary: its shared libraries and the dynamic loader. */
export function parseLdd(output: string): string[] {
  const libs = new Set<string>();
  for (const line of output.split('\n')) {
    const arrow = /=>\s+(\/\S+)/.exec(line);
    const bare = /^\s*(\/\S+)\s+\(/.exec(line);
    const file = arrow?.[1] ?? bare?.[1];
    if (file) libs.add(file);
  }
  return [...libs];
}

async function linkedFiles(binary: string): Promise<string[]> {
  const { stdout } = await execa('ldd', [binary]);
  return parseLdd(stdout);
}

export class HostRootfs {
  readonly entries: TarEntry[] = [{ name: 'rootfs/', directory: true }];
  private readonly dirs = new Set<string>(['rootfs/']);
  private readonly files = new Set<string>();

  /** A folder (and its parents); `target` is absolute in the image. */
  dir(target: string, options: { mode?: number; uid?: number; gid?: number } = {}): this {
    const parts = target.split('/').filter(Boolean);
    for (let i = 1; i <= parts.length; i++) {
      const name = `rootfs/${parts.slice(0, i).join('/')}/`;
      if (this.dirs.has(name)) continue;
      this.dirs.add(name);
      this.entries.push(i === parts.length ? { name, directory: true, ...options } : { name, directory: true });
    }
    return this;
  }

  /** A file written from text. */
  text(target: string, content: string): this {
    this.parentOf(target);
    this.entries.push({ name: `rootfs${target}`, content });
    return this;
  }

  /** A host file (symlinks followed) at `target`. */
  async file(target: string, source: string, mode?: number): Promise<this> {
    if (this.files.has(target)) return this;
    this.files.add(target);
    this.parentOf(target);
    this.entries.push({ name: `rootfs${target}`, file: await realpath(source), mode });
    return this;
  }

  /** The shared libraries and loader `binary` links, at their host paths. */
  async librariesOf(binary: string): Promise<this> {
    for (const lib of await linkedFiles(binary)) await this.file(lib, lib);
    return this;
  }

  /** The host's /bin/sh and its libraries, when it has one. */
  async shell(): Promise<this> {
    if (!existsSync('/bin/sh')) return this;
    await this.librariesOf('/bin/sh');
    return this.file('/bin/sh', '/bin/sh', 0o755);
  }

  /** The host's CA bundle, for HTTPS from inside the image. */
  async caCertificates(): Promise<this> {
    const bundle = '/etc/ssl/certs/ca-certificates.crt';
    return existsSync(bundle) ? this.file(bundle, bundle) : this;
  }

  private parentOf(target: string): void {
    const parent = target.slice(0, target.lastIndexOf('/'));
    if (parent) this.dir(parent);
  }
}

// Build contexts as tar streams (what the Docker API's build endpoint takes). Entries are
// written one after another while Docker reads, so large files (the node binary) stream.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import type { Readable } from 'node:stream';

export type TarEntry =
  | { name: string; content: string | Buffer; mode?: number; uid?: number; gid?: number }
  | { name: string; file: string; mode?: number }
  | { name: string; directory: true; mode?: number; uid?: number; gid?: number }
  | { name: string; symlink: string };

/** A tar stream of `entries`; errors reading a file destroy the stream with that error. */
export function tarStream(entries: TarEntry[]): Readable {
  const pack = tar.pack();
  void (async () => {
    try {
      for (const e of entries) {
        if ('content' in e) {
          const body = typeof e.content === 'string' ? Buffer.from(e.content) : e.content;
          await new Promise<void>((resolve, reject) =>
            pack.entry({ name: e.name, mode: e.mode ?? 0o644, uid: e.uid ?? 0, gid: e.gid ?? 0, mtime: new Date(0) }, body, (err) => (err ? reject(err) : resolve())),
          );
        } else if ('file' in e) {
          const info = await stat(e.file);
          const sink = pack.entry({ name: e.name, size: info.size, mode: e.mode ?? info.mode & 0o7777, mtime: new Date(0) });
          await pipeline(createReadStream(e.file), sink);
        } else if ('directory' in e) {
          pack.entry({ name: e.name, type: 'directory', mode: e.mode ?? 0o755, uid: e.uid ?? 0, gid: e.gid ?? 0, mtime: new Date(0) });
        } else {
          pack.entry({ name: e.name, type: 'symlink', linkname: e.symlink, mtime: new Date(0) });
        }
      }
      pack.finalize();
    } catch (error) {
      pack.destroy(error as Error);
    }
  })();
  return pack as unknown as Readable;
}

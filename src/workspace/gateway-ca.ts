// The read edge of the gateway's CA bundle: the files of gateway.tls.caFiles (validated before,
// by manifest/workspace-files-on-disk.ts, when the manifest was loaded), joined by
// compile/gateway-ca.ts into the one file NODE_EXTRA_CA_CERTS names.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { usageError } from '../core/errors.js';
import { fileError } from '../core/fs-error.js';
import type { LoadedManifest } from '../manifest/load.js';
import { gatewayCaFilesOf } from '../manifest/gateway-ca.js';
import { renderCaBundle } from '../compile/gateway-ca.js';

/** The bundle's text, or undefined when the manifest names no CA file. */
export async function readGatewayCa(loaded: LoadedManifest): Promise<string | undefined> {
  const files = gatewayCaFilesOf(loaded.manifest);
  if (files.length === 0) return undefined;
  const texts = [];
  for (const file of files) {
    const abs = path.resolve(loaded.dir, file);
    try {
      texts.push({ file, text: await readFile(abs, 'utf8') });
    } catch (error) {
      // Validated when the manifest was loaded: gone since then.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw usageError(`gateway.tls.caFiles names ${file}, which does not exist in ${loaded.dir}.`, 'Put the PEM certificate of the CA there, or fix the path in portico.yaml.');
      throw fileError(error, 'read', abs, `Fix gateway.tls.caFiles in portico.yaml (${file}), then run the command again.`);
    }
  }
  return renderCaBundle(texts);
}

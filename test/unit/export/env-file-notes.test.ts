// What the exports say about the env files they reference but never copy: a missing file is a
// note (not an error), and for Kubernetes the keys kubectl's literal reading would change
// (names only, never a value).
import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../../src/manifest/load.js';
import { literalReadingDiffers } from '../../../src/manifest/env-file.js';
import { envFileNotes } from '../../../src/engine/workspace-files.js';
import { tempDir } from '../../helpers/workspace.js';

describe('env files in the exports', () => {
  it('literalReadingDiffers: quoted, exported and multi-line values differ; plain lines and comments do not', () => {
    const text = ['# comment', 'PLAIN=a b', 'QUOTED="x y"', "SINGLE='z'", 'export EXPORTED=1', 'MULTI="line1', 'line2"', 'EMPTY=', '  INDENTED=ok', ''].join('\n');
    expect(literalReadingDiffers(text).sort()).toEqual(['EXPORTED', 'MULTI', 'QUOTED', 'SINGLE']);
    expect(literalReadingDiffers('A=1\r\nB=2\n')).toEqual([]);
  });

  it('envFileNotes: a missing file for both targets; kubectl differences for kubernetes only, by key name', async () => {
    const dir = await tempDir({ '.env': 'PLAIN=1\nTOKEN="hunter2 secret"\n' });
    const text = 'version: 1\nname: shop\nservices:\n  api:\n    template: node-express\n    port: 3000\n    envFile: [.env, .env.local]\n';
    const loaded = { ...parseManifest(text, `${dir}/portico.yaml`), dir };
    const compose = await envFileNotes(loaded, 'compose');
    expect(compose).toEqual(['services.api.envFile names .env.local, which does not exist yet: docker-compose refuses to start until it does.']);
    const k8s = await envFileNotes(loaded, 'kubernetes');
    expect(k8s).toHaveLength(2);
    expect(k8s[0]).toMatch(/^\.env \(services\.api\.envFile\): kubectl reads .* so TOKEN would get other values/);
    expect(k8s[1]).toMatch(/\.env\.local, which does not exist yet: its `kubectl create secret` fails/);
    expect(k8s.join('\n')).not.toContain('hunter2');
  });
});

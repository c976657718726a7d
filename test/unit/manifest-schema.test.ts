import { describe, expect, it } from 'vitest';
import { parseManifest, ManifestError } from '../../src/manifest/load.js';

describe('manifest loading', () => {
  it('applies defaults', () => {
    const { manifest } = parseManifest('version: 1\nname: shop\nservices:\n  orders:\n    template: node-fastify\n', '/w/portico.yaml');
    expect(manifest.gateway.port).toBe(8080);
    expect(manifest.services.orders!.port).toBe(3000);
    expect(manifest.services.orders!.replicas).toBe(1);
  });

  it('reports file:line:column for a bad port and an unknown key', () => {
    const text = 'version: 1\nname: shop\nservices:\n  orders:\n    port: 0\n    bogus: true\n';
    let error: unknown;
    try {
      parseManifest(text, '/w/portico.yaml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ManifestError);
    const problems = (error as ManifestError).problems;
    expect(problems).toContainEqual(expect.objectContaining({ path: 'services.orders.port', line: 5, column: 11 }));
    expect(problems).toContainEqual(expect.objectContaining({ path: 'services.orders', line: 6 }));
    expect((error as ManifestError).exitCode).toBe(2);
  });
});

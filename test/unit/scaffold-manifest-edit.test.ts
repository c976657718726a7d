import { describe, expect, it } from 'vitest';
import { addServiceText } from '../../src/manifest/edit.js';
import { parseManifest } from '../../src/manifest/load.js';

const entry = { template: 'node-fastify', path: 'services/users', port: 3001, routes: [{ path: '/api/users' }] };

describe('adding a service to portico.yaml', () => {
  it("keeps the user's comments, key order, quoting and blank lines", () => {
    const text = [
      '# top comment',
      'version: 1',
      "name: 'shop' # trailing comment",
      '',
      'services:',
      '  # the orders service',
      '  orders:',
      '    port: 3000 # inline',
      '    template: node-fastify',
      '    routes: [{ path: /api/orders, stripPrefix: true }]',
      '',
      '# gateway last, on purpose',
      'gateway:',
      '  port: 8080',
      '',
    ].join('\n');
    const out = addServiceText(parseManifest(text, '/w/portico.yaml'), 'users', entry);
    expect(out).toBe(
      [
        '# top comment',
        'version: 1',
        "name: 'shop' # trailing comment",
        '',
        'services:',
        '  # the orders service',
        '  orders:',
        '    port: 3000 # inline',
        '    template: node-fastify',
        '    routes: [ { path: /api/orders, stripPrefix: true } ]',
        '  users:',
        '    template: node-fastify',
        '    path: services/users',
        '    port: 3001',
        '    routes:',
        '      - path: /api/users',
        '',
        '# gateway last, on purpose',
        'gateway:',
        '  port: 8080',
        '',
      ].join('\n'),
    );
    expect(parseManifest(out, '/w/portico.yaml').manifest.services.users).toMatchObject({ port: 3001, routes: [{ path: '/api/users' }] });
  });

  it('turns an empty `services: {}` or a missing services key into a block mapping', () => {
    const fromEmpty = addServiceText(parseManifest('version: 1\nname: shop\n# services below\nservices: {}\n', '/w/p.yaml'), 'users', { ...entry, replicas: 2 });
    expect(fromEmpty).toBe(
      'version: 1\nname: shop\n# services below\nservices:\n  users:\n    template: node-fastify\n    path: services/users\n    port: 3001\n    replicas: 2\n    routes:\n      - path: /api/users\n',
    );
    const fromMissing = addServiceText(parseManifest('version: 1\nname: shop\n', '/w/p.yaml'), 'users', entry);
    expect(parseManifest(fromMissing, '/w/p.yaml').manifest.services.users?.port).toBe(3001);
  });

  it('does not modify the loaded document', () => {
    const loaded = parseManifest('version: 1\nname: shop\nservices: {}\n', '/w/p.yaml');
    addServiceText(loaded, 'users', entry);
    expect(loaded.document.toString()).toBe('version: 1\nname: shop\nservices: {}\n');
  });
});

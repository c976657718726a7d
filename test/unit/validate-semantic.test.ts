import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/manifest/load.js';
import { normalizeRoutePath } from '../../src/manifest/routes.js';
import { checkManifest, findCycle, semanticProblems } from '../../src/manifest/validate.js';
import { SAMPLE_MANIFEST } from '../helpers/sample-manifest.js';

const TEMPLATES = ['node-fastify', 'node-express'];
const HEAD = 'version: 1\nname: shop\n';
const problemsOf = (text: string) => checkManifest(parseManifest(text, '/w/portico.yaml').manifest, TEMPLATES);
const only = (text: string) => {
  const problems = problemsOf(text);
  expect(problems).toHaveLength(1);
  return problems[0]!;
};
/** A services block: name -> YAML lines of its body (indented by the helper). */
const services = (body: Record<string, string[]>) =>
  `${HEAD}services:\n${Object.entries(body)
    .map(([name, lines]) => `  ${JSON.stringify(name)}:\n${lines.map((l) => `    ${l}\n`).join('')}`)
    .join('')}`;

describe('semantic checks', () => {
  it('accepts the sample manifest', () => {
    expect(problemsOf(SAMPLE_MANIFEST)).toEqual([]);
  });

  describe('service names', () => {
    it.each(['Foo Bar', '../x', 'a/b', 'x'.repeat(64), '', '1abc', 'ends-'])('rejects %j', (name) => {
      const p = only(services({ [name]: ['image: redis:7'] }));
      expect(p.path).toEqual(['services', name]);
      expect(p.message).toMatch(/not DNS-label safe: use 1-63 lowercase letters/);
    });

    it('suggests a safe name', () => {
      expect(only(services({ 'Foo Bar': ['image: redis:7'] })).message).toContain('"foo-bar"');
    });

    it.each(['gateway', 'registry'])('rejects the reserved name %s', (name) => {
      expect(only(services({ [name]: ['image: redis:7'] })).message).toMatch(/reserved for Portico/);
    });

    it('rejects names whose container name is too long for DNS', () => {
      const p = only(services({ ['s'.repeat(60)]: ['image: redis:7'] }));
      expect(p.message).toMatch(/DNS names allow 63/);
    });
  });

  describe('template or image', () => {
    it('needs one of them', () => {
      expect(only(services({ a: ['port: 3000'] })).message).toMatch(/needs "template".*or "image"/);
    });
    it('rejects both', () => {
      expect(only(services({ a: ['template: node-fastify', 'image: redis:7'] })).message).toMatch(/has both/);
    });
    it('rejects an unknown template and lists the known ones', () => {
      const p = only(services({ a: ['template: node-nope'] }));
      expect(p.path).toEqual(['services', 'a', 'template']);
      expect(p.message).toBe('unknown template "node-nope"; use one of: node-fastify, node-express (`portico templates` lists them).');
    });
  });

  describe('source path', () => {
    it.each([
      ['services/orders', undefined],
      ['./services/../apps/orders', undefined],
      ['/srv/orders', /is absolute; write it relative to portico.yaml/],
      ['C:/code/orders', /is absolute/],
      ['services\\orders', /uses "\\"; write it with "\/" \(e\.g\. services\/orders\)/],
      ['../other/orders', /leads outside the workspace/],
      ['services/../../x', /leads outside the workspace/],
      ['.', /is the workspace folder itself/],
    ])('%j', (p, message) => {
      const problems = problemsOf(services({ a: ['template: node-fastify', `path: ${JSON.stringify(p)}`] }));
      if (message === undefined) return expect(problems).toEqual([]);
      expect(problems).toHaveLength(1);
      expect(problems[0]!.path).toEqual(['services', 'a', 'path']);
      expect(problems[0]!.message).toMatch(message);
    });
  });

  describe('routes', () => {
    it('rejects two services on one route (trailing slash ignored)', () => {
      const p = only(services({ a: ['image: x', 'routes: [{ path: /api }]'], b: ['image: y', 'routes: [{ path: /api/ }]'] }));
      expect(p.path).toEqual(['services', 'b', 'routes', 0, 'path']);
      expect(p.message).toMatch(/collides with service "a"/);
    });
    it('rejects a collision within one service', () => {
      expect(only(services({ a: ['image: x', 'routes: [{ path: /api }, { path: //api }]'] })).message).toMatch(/route 0 of this service/);
    });
    it('allows the same path on distinct hosts or methods, and nested prefixes', () => {
      expect(
        problemsOf(
          services({
            a: ['image: x', 'routes: [{ path: /api, host: a.test }, { path: /api/v2 }, { path: /w, methods: [GET] }]'],
            b: ['image: y', 'routes: [{ path: /api, host: b.test }, { path: /w, methods: [POST] }]'],
          }),
        ),
      ).toEqual([]);
    });
    it('rejects same path with one route host-less, or overlapping methods', () => {
      const problems = problemsOf(
        services({
          a: ['image: x', 'routes: [{ path: /api }, { path: /w, methods: [GET, POST] }]'],
          b: ['image: y', 'routes: [{ path: /api, host: b.test }, { path: /w, methods: [POST] }]'],
        }),
      );
      expect(problems.map((p) => p.path.join('.'))).toEqual(['services.b.routes.0.path', 'services.b.routes.1.path']);
    });
    it('normalizes paths', () => {
      expect(normalizeRoutePath('/')).toBe('/');
      expect(normalizeRoutePath('/a//b/')).toBe('/a/b');
    });
  });

  describe('ports', () => {
    it('rejects an exposed port equal to the gateway port', () => {
      const p = only(services({ a: ['image: x', 'expose: [8080]'] }));
      expect(p.message).toMatch(/already used by gateway.port/);
    });
    it('rejects two services exposing one port', () => {
      const p = only(services({ a: ['image: x', 'expose: [5432]'], b: ['image: y', 'expose: [5432]'] }));
      expect(p.path).toEqual(['services', 'b', 'expose', 0]);
      expect(p.message).toMatch(/services.a.expose/);
    });
    it('rejects an exposed port on several replicas', () => {
      expect(only(services({ a: ['image: x', 'replicas: 2', 'expose: [5432]'] })).message).toMatch(/cannot be published by 2 replicas/);
    });
  });

  describe('dependsOn', () => {
    it('rejects an unknown service and lists the real ones', () => {
      const p = only(services({ a: ['image: x', 'dependsOn: [nope]'], b: ['image: y'] }));
      expect(p.path).toEqual(['services', 'a', 'dependsOn', 0]);
      expect(p.message).toMatch(/"nope", which is not a service.*use one of: b/);
    });
    it('rejects a self-dependency', () => {
      expect(only(services({ a: ['image: x', 'dependsOn: [a]'] })).message).toMatch(/depends on itself/);
    });
    it('reports a cycle with its path', () => {
      const p = only(services({ a: ['image: x', 'dependsOn: [b]'], b: ['image: y', 'dependsOn: [c]'], c: ['image: z', 'dependsOn: [a]'] }));
      expect(p.message).toMatch(/cycle: a -> b -> c -> a/);
      expect(p.path).toEqual(['services', 'a', 'dependsOn', 0]);
    });
    it('finds no cycle in a diamond', () => {
      const m = parseManifest(services({ a: ['image: x', 'dependsOn: [b, c]'], b: ['image: y', 'dependsOn: [d]'], c: ['image: z', 'dependsOn: [d]'], d: ['image: w'] }), '/w/p.yaml');
      expect(findCycle(m.manifest)).toBeUndefined();
    });
  });

  describe('auth and rate limits', () => {
    it('rejects auth: required without API keys or JWT', () => {
      const p = only(services({ a: ['image: x', 'routes: [{ path: /a, auth: required }]'] }));
      expect(p.path).toEqual(['services', 'a', 'routes', 0, 'auth']);
      expect(p.message).toMatch(/add gateway.auth.apiKeys or gateway.auth.jwt/);
    });
    it('rejects auth: optional without credentials too', () => {
      expect(only(services({ a: ['image: x', 'routes: [{ path: /a, auth: optional }]'] })).message).toMatch(/auth: optional needs/);
    });
    it('accepts auth with JWT only', () => {
      const text = `${HEAD}gateway: { auth: { jwt: { secretEnv: S, algorithms: [HS256] } } }\nservices:\n  a:\n    image: x\n    routes: [{ path: /a, auth: required }]\n`;
      expect(problemsOf(text)).toEqual([]);
    });
    it('rejects rate limiting by apiKey without API keys (gateway and route)', () => {
      const text = `${HEAD}gateway: { rateLimit: { requests: 5, by: apiKey } }\nservices:\n  a:\n    image: x\n    routes: [{ path: /a, rateLimit: { requests: 1, by: apiKey } }]\n`;
      const problems = problemsOf(text);
      expect(problems.map((p) => p.path.join('.'))).toEqual(['gateway.rateLimit.by', 'services.a.routes.0.rateLimit.by']);
      expect(problems[0]!.message).toMatch(/add gateway.auth.apiKeys, or use by: ip/);
    });
    it('rejects rate limiting by subject without JWT', () => {
      expect(only(`${HEAD}gateway: { rateLimit: { requests: 5, by: subject } }\n`).message).toMatch(/needs JWT/);
    });
    it('rejects HS256 without a secret', () => {
      const p = only(`${HEAD}gateway: { auth: { jwt: { jwksUrl: "https://id.example/jwks", algorithms: [HS256] } } }\n`);
      expect(p.path).toEqual(['gateway', 'auth', 'jwt', 'algorithms']);
      expect(p.message).toMatch(/set gateway.auth.jwt.secretEnv/);
    });
    it('rejects duplicate API key names', () => {
      expect(only(`${HEAD}gateway: { auth: { apiKeys: [{ name: ci, env: A }, { name: ci, env: B }] } }\n`).message).toMatch(/used twice/);
    });
    it('rejects CORS credentials with a wildcard origin', () => {
      expect(only(`${HEAD}gateway: { cors: { origins: ["*"], credentials: true } }\n`).message).toMatch(/list the allowed origins/);
    });
  });

  describe('other details', () => {
    it('rejects zero durations where they must be positive', () => {
      const p = only(services({ a: ['image: x', 'routes: [{ path: /a, cache: { ttl: 0s } }]'] }));
      expect(p.path).toEqual(['services', 'a', 'routes', 0, 'cache', 'ttl']);
    });
    it('rejects env vars Portico injects', () => {
      const p = only(services({ a: ['image: x', 'env: { PORT: 1 }'] }));
      expect(p.message).toMatch(/set services.a.port instead/);
    });
    it('rejects volumes that are not name:/path', () => {
      expect(only(services({ a: ['image: x', 'volumes: [./data:/data]'] })).message).toMatch(/name:\/absolute\/path/);
    });
  });

  it('locates problems at file:line:column, sorted top to bottom', () => {
    const loaded = parseManifest(services({ a: ['image: x', 'dependsOn: [zz]'], b: ['template: nope'] }), '/w/portico.yaml');
    expect(semanticProblems(loaded, TEMPLATES)).toEqual([
      { path: 'services.a.dependsOn.0', message: expect.any(String), line: 6, column: 17 },
      { path: 'services.b.template', message: expect.any(String), line: 8, column: 15 },
    ]);
  });
});

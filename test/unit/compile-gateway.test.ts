import { describe, expect, it } from 'vitest';
import { compileGateway, DEFAULT_CORS_METHODS } from '../../src/compile/gateway.js';
import { toJson } from '../../src/compile/generate.js';
import { parseManifest } from '../../src/manifest/load.js';
import { gatewayConfigSchema } from '../../src/runtime/contract/index.js';
import { SAMPLE_MANIFEST } from '../helpers/sample-manifest.js';

const parse = (text: string) => parseManifest(text, '/w/portico.yaml').manifest;
const sample = () => compileGateway(parse(SAMPLE_MANIFEST));
const routeOf = (config: ReturnType<typeof compileGateway>, id: string) => config.routes.find((r) => r.id === id)!;

describe('compileGateway', () => {
  it('matches the snapshot for the sample manifest', async () => {
    await expect(toJson(sample())).toMatchFileSnapshot('./__snapshots__/sample-gateway.json');
  });

  it('produces a config the gateway runtime accepts (contract schema)', () => {
    const config = sample();
    expect(gatewayConfigSchema.parse(config)).toEqual(config);
  });

  it('listens on the fixed container port and watches the registry', () => {
    const config = sample();
    expect(config.listen).toEqual({ port: 8080 });
    expect(config.registry).toEqual({ url: 'http://registry:8500', tokenEnv: 'PORTICO_REGISTRY_TOKEN' });
  });

  it('keeps the container port fixed whatever gateway.port publishes on the host', () => {
    const config = compileGateway(parse('version: 1\nname: a\ngateway: { port: 9000 }\n'));
    expect(config.listen.port).toBe(8080);
  });

  it('gives routes ids <service>#<index> in manifest order', () => {
    expect(sample().routes.map((r) => r.id)).toEqual(['orders#0', 'orders#1', 'users#0']);
  });

  it('inherits gateway defaults and converts units', () => {
    const r = routeOf(sample(), 'orders#0');
    expect(r.timeouts).toEqual({ connectMs: 2000, headerMs: 30_000, bodyMs: 30_000 });
    expect(r.retries).toBe(1);
    expect(r.circuitBreaker).toEqual({ failureThreshold: 5, resetAfterMs: 10_000 });
    expect(r.rateLimit).toEqual({ requests: 600, perMs: 60_000, by: 'ip', burst: 600 });
    expect(r.maxBodyBytes).toBe(1024 * 1024);
    expect(r.cache).toEqual({ ttlMs: 10_000 });
    expect(r.cors?.credentials).toBe(true);
    expect(r.cors?.methods).toEqual(DEFAULT_CORS_METHODS);
    expect(r.cors?.maxAgeSeconds).toBe(600);
  });

  it('lets a route override timeouts, retries, body size and rate limit', () => {
    const r = routeOf(sample(), 'orders#1');
    expect(r.timeouts).toEqual({ connectMs: 2000, headerMs: 120_000, bodyMs: 30_000 });
    expect(r.retries).toBe(0);
    expect(r.maxBodyBytes).toBe(10 * 1024 * 1024);
    expect(r.rateLimit).toEqual({ requests: 10, perMs: 3_600_000, by: 'apiKey', burst: 10 });
    expect(r.methods).toEqual(['POST']);
    expect(r.cache).toBeNull();
  });

  it('disables inherited rate limit and CORS with false', () => {
    const r = routeOf(sample(), 'users#0');
    expect(r.rateLimit).toBeNull();
    expect(r.cors).toBeNull();
    expect(r.auth).toBe('optional');
  });

  it('has no rate limit, CORS or JWT when the gateway configures none', () => {
    const config = compileGateway(parse('version: 1\nname: a\nservices:\n  s:\n    template: t\n    routes: [{ path: /s }]\n'));
    expect(config.auth).toEqual({ apiKeys: [], jwt: null });
    expect(config.routes[0]).toMatchObject({ rateLimit: null, cors: null, cache: null, host: null, methods: null, stripPrefix: true, auth: 'none' });
  });

  it('keeps routes of services scaled to zero (the gateway answers 503)', () => {
    const config = compileGateway(parse('version: 1\nname: a\nservices:\n  s:\n    template: t\n    replicas: 0\n    routes: [{ path: /s }]\n'));
    expect(config.routes.map((r) => r.id)).toEqual(['s#0']);
  });

  it('accepts numbers as milliseconds and bytes', () => {
    const config = compileGateway(
      parse('version: 1\nname: a\ngateway: { maxBodySize: 2048, timeouts: { connect: 250 } }\nservices:\n  s:\n    template: t\n    routes: [{ path: /s, rateLimit: { requests: 5, per: 1500, burst: 20 } }]\n'),
    );
    expect(config.routes[0]).toMatchObject({ maxBodyBytes: 2048, timeouts: { connectMs: 250 }, rateLimit: { perMs: 1500, burst: 20 } });
  });

  it('is deterministic', () => {
    expect(toJson(sample())).toBe(toJson(sample()));
  });
});

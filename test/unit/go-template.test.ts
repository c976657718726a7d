// The go-net-http template and what Portico does for it, without Docker: its metadata, what
// it renders (no Node files), the manifest entry (`template` + `build: {}`) that validates and
// keeps the image's own HEALTHCHECK, the GOROOT filter of the toolchain image, and the exit-3
// error when there is no Go anywhere (a stub engine: no image, no registry).
import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/manifest/load.js';
import { checkManifest } from '../../src/manifest/validate.js';
import { compileDiscovery } from '../../src/compile/discovery.js';
import { resolveOpenApiKey } from '../../src/compile/catalog.js';
import { planImages, planStack } from '../../src/compile/plan.js';
import { getTemplate } from '../../src/scaffold/catalog.js';
import { renderService } from '../../src/scaffold/service.js';
import { FileTree } from '../../src/scaffold/tree.js';
import { goRootKeeps, golangRef, hostToolchainRef, resolveGoToolchain } from '../../src/engine/images/go-toolchain.js';
import type { DockerClient } from '../../src/engine/docker/client.js';

const vars = { name: 'orders', port: 8081, route: '/api/orders', description: 'orders: a go-net-http service', project: 'shop', template: 'go-net-http' };

async function rendered() {
  const info = (await getTemplate('go-net-http'))!;
  const tree = new FileTree('/virtual');
  const files = await renderService(tree, 'services/orders', info.dir, vars, { shared: info.shared });
  return { info, files, text: (p: string) => String(tree.read(`services/orders/${p}`)) };
}

describe('go-net-http template', () => {
  it('is a Go template built by its own Dockerfile, without the shared Node files', async () => {
    const { info, files } = await rendered();
    expect(info).toMatchObject({ language: 'go', shared: false, build: 'dockerfile', testCommand: 'go test ./...', defaultPort: 8080 });
    expect(files).toEqual(['.dockerignore', '.gitignore', 'Dockerfile', 'README.md', 'app.go', 'app_test.go', 'config.go', 'go.mod', 'items.go', 'log.go', 'main.go', 'openapi.json', 'registry.go']);
  });

  it('renders the name and port into the Go sources and a valid OpenAPI 3.1 document', async () => {
    const { text } = await rendered();
    expect(text('go.mod')).toMatch(/^module orders\n\ngo 1\.19\n$/);
    expect(text('config.go')).toContain('const serviceName = "orders"');
    expect(text('config.go')).toContain('const defaultPort = "8081"');
    const doc = JSON.parse(text('openapi.json'));
    expect(doc).toMatchObject({ openapi: '3.1.0', info: { title: 'orders' } });
    expect(Object.keys(doc.paths)).toEqual(['/items', '/items/{id}', '/healthz', '/readyz']);
    expect(text('app.go')).toMatch(/\/\/go:embed openapi\.json/);
  });

  it('has a multi-stage Dockerfile: Go toolchain build stage, static binary FROM scratch, numeric user, exec-form HEALTHCHECK', async () => {
    const dockerfile = (await rendered()).text('Dockerfile');
    expect(dockerfile).toMatch(/^ARG PORTICO_GO_IMAGE=golang:1\.19\nFROM \$\{PORTICO_GO_IMAGE\} AS build$/m);
    expect(dockerfile).toMatch(/^ENV CGO_ENABLED=0 GOPROXY=off GOFLAGS=-trimpath$/m);
    expect(dockerfile).toMatch(/^RUN \["go", "build", .*"-o", "\/out\/service", "\."\]$/m);
    expect(dockerfile).toMatch(/^FROM scratch$/m);
    expect(dockerfile).toMatch(/^USER 65532:65532$/m);
    expect(dockerfile).toMatch(/^EXPOSE 8081$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .* CMD \["\/service", "-healthcheck"\]$/m);
  });
});

describe('a template service built from its Dockerfile', () => {
  const manifest = parseManifest(
    'version: 1\nname: shop\nservices:\n  orders:\n    template: go-net-http\n    build: {}\n    path: services/orders\n    port: 8080\n    routes: [{ path: /api/orders }]\n',
    '/w/portico.yaml',
  ).manifest;

  it('validates (template says where it came from, build how it is built), but an unknown template still fails', () => {
    expect(checkManifest(manifest, ['go-net-http'])).toEqual([]);
    expect(checkManifest(manifest, ['node-fastify']).map((p) => p.message)).toEqual([expect.stringContaining('unknown template "go-net-http"')]);
  });

  it('builds through the Dockerfile path, keeps its image HEALTHCHECK, registers itself and serves /openapi.json', () => {
    expect(planImages(manifest)).toContainEqual({ kind: 'dockerfile', service: 'orders', context: 'services/orders', dockerfile: 'Dockerfile', args: {}, target: undefined });
    const discovery = compileDiscovery(manifest);
    expect(discovery.services.orders).toMatchObject({ kind: 'template', check: { type: 'http', path: '/healthz' } });
    const plan = planStack(manifest, discovery, { version: '0', configDir: '/w/.portico', images: { orders: 'x', gateway: 'g', registry: 'r' }, registryToken: 't', gatewayEnv: {} });
    expect(plan.containers.find((c) => c.service === 'orders')!.health).toBeUndefined();
    expect(resolveOpenApiKey(manifest.services.orders!)).toEqual({ path: '/openapi.json' });
  });
});

describe('Go toolchain image', () => {
  it('is golang:<major.minor>, or portico/go-toolchain:<version> built from the host', () => {
    expect(golangRef('1.19.8')).toBe('golang:1.19');
    expect(hostToolchainRef('1.19.8')).toBe('portico/go-toolchain:1.19.8');
  });

  it('takes from GOROOT the go command, its tools and the standard library sources only', () => {
    const kept = ['VERSION', 'bin', 'bin/go', 'pkg', 'pkg/tool', 'pkg/tool/linux_amd64/compile', 'pkg/include', 'src', 'src/net/http/server.go', 'src/go.mod', 'lib'];
    const dropped = ['api', 'doc', 'misc', 'test', 'pkg/linux_amd64', 'pkg/linux_amd64/net.a', 'src/cmd', 'src/net/http/server_test.go', 'src/net/http/testdata', 'CONTRIBUTING.md'];
    const isDir = (p: string) => !/\.|go$|compile$|VERSION$/.test(p.split('/').pop()!);
    expect(kept.filter((p) => !goRootKeeps(p, isDir(p)))).toEqual([]);
    expect(dropped.filter((p) => goRootKeeps(p, isDir(p)))).toEqual([]);
  });

  it('without Go on the host and no golang image, fails with exit 3 saying to install Go or provide the image', async () => {
    const pulls: string[] = [];
    const engine = {
      imageId: async () => undefined,
      pullImage: async (ref: string) => {
        pulls.push(ref);
        throw new Error('no registry');
      },
    } as unknown as DockerClient;
    const attempt = resolveGoToolchain(engine, { report: { info: () => undefined }, version: 't', fallback: 'golang:1.21', findGo: async () => undefined });
    await expect(attempt).rejects.toMatchObject({
      exitCode: 3,
      message: expect.stringContaining('golang:1.21 is not present and could not be pulled, and no Go is installed on this host'),
      hint: expect.stringContaining('Install Go (`apt install golang-go`)'),
    });
    expect(pulls).toEqual(['golang:1.21']);
  });

  it('uses golang:<ver> when present, without building', async () => {
    const engine = { imageId: async (ref: string) => (ref === 'golang:1.19' ? 'sha256:go' : undefined) } as unknown as DockerClient;
    const found = await resolveGoToolchain(engine, { report: { info: () => undefined }, version: 't', findGo: async () => ({ goroot: '/nowhere', version: '1.19.8' }) });
    expect(found).toEqual({ ref: 'golang:1.19', id: 'sha256:go', source: 'registry' });
  });
});

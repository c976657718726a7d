// gateway.tls.caFiles: the schema, the checks (text and on disk, each with file:line), the bundle
// in .portico/gateway-ca.pem, and how every target carries it to the gateway: `up`'s plan
// (NODE_EXTRA_CA_CERTS, and a changed CA changes the gateway's config hash), Compose, Swarm
// (a Docker config) and Kubernetes (a ConfigMap key, a pod annotation that rolls the gateway).
import { cp, readFile, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ManifestError, parseManifest } from '../../src/manifest/load.js';
import { checkManifest } from '../../src/manifest/validate.js';
import { loadValidManifest } from '../../src/scaffold/valid-manifest.js';
import { compileDiscovery } from '../../src/compile/discovery.js';
import { compileGateway } from '../../src/compile/gateway.js';
import { planStack, type PlanInputs } from '../../src/compile/plan.js';
import { planSwarm } from '../../src/compile/swarm-plan.js';
import { exportCompose } from '../../src/compile/export/compose.js';
import { exportKubernetes, GATEWAY_CA_ANNOTATION } from '../../src/compile/export/kubernetes.js';
import { GATEWAY_CA_PATH } from '../../src/compile/gateway-ca.js';
import { gatewayNotes } from '../../src/engine/dev/session.js';
import { readGatewayCa } from '../../src/workspace/gateway-ca.js';
import { checkGeneratedFiles, writeGeneratedFiles } from '../../src/workspace/generated-files.js';
import { expectValidKubernetes } from '../helpers/kubernetes-schemas.js';
import { makeTestCa, type TestCa } from '../helpers/test-ca.js';
import { tempDir } from '../helpers/workspace.js';

const withCa = (files: string) => `version: 1\nname: shop\ngateway:\n  tls:\n    caFiles: ${files}\nservices:\n  api:\n    image: x\n    tls: true\n`;
const problemsOf = (text: string) => checkManifest(parseManifest(text, '/w/portico.yaml').manifest, []);

let ca: TestCa;
let other: TestCa;
beforeAll(() => {
  ca = makeTestCa();
  other = makeTestCa();
});

describe('gateway.tls.caFiles in portico.yaml', () => {
  it('is a list of files inside the workspace', () => {
    expect(problemsOf(withCa('[certs/ca.pem, ./corp.pem]'))).toEqual([]);
    expect(problemsOf(withCa('[certs/ca.pem, ../ca.pem, /etc/ssl/ca.pem]'))).toEqual([
      { path: ['gateway', 'tls', 'caFiles', 1], message: expect.stringMatching(/leads outside the workspace; keep CA files under/) },
      { path: ['gateway', 'tls', 'caFiles', 2], message: expect.stringMatching(/is absolute; write it relative to portico.yaml \(e.g. certs\/ca.pem\)/) },
    ]);
    expect(() => parseManifest(withCa('[]'), '/w/portico.yaml')).toThrow(ManifestError);
    expect(() => parseManifest(withCa('[a.pem]').replace('caFiles', 'cafiles'), '/w/portico.yaml')).toThrow(ManifestError);
  });

  it('on disk: a missing file, a folder, a private key, no PEM, a broken certificate and a symlink out are each named with file:line', async () => {
    const outside = await tempDir({ 'ca.pem': ca.caCert });
    const leaf = ca.leaf(['api']);
    const dir = await tempDir({
      'portico.yaml': withCa('\n      - certs/missing.pem\n      - certs\n      - certs/with-key.pem\n      - certs/ca.der\n      - certs/broken.pem\n      - certs/link.pem\n      - certs/ok.pem'),
      'certs/with-key.pem': leaf.cert + leaf.key,
      'certs/ca.der': 'not pem',
      'certs/broken.pem': '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
      'certs/ok.pem': ca.caCert,
    });
    await symlink(path.join(outside, 'ca.pem'), path.join(dir, 'certs/link.pem'));
    const error = (await loadValidManifest(dir).catch((e) => e)) as ManifestError;
    expect(error).toBeInstanceOf(ManifestError);
    expect(error.exitCode).toBe(2);
    expect(error.problems.map((p) => [p.path, p.line, p.message])).toEqual([
      ['gateway.tls.caFiles.0', 6, expect.stringMatching(/^CA file "certs\/missing.pem" does not exist; put the PEM certificate of the CA there/)],
      ['gateway.tls.caFiles.1', 7, expect.stringMatching(/^CA file "certs" is not a file/)],
      ['gateway.tls.caFiles.2', 8, expect.stringMatching(/holds a private key; give the gateway only the CA certificate/)],
      ['gateway.tls.caFiles.3', 9, expect.stringMatching(/holds no PEM certificate .*`openssl x509 -inform der/)],
      ['gateway.tls.caFiles.4', 10, expect.stringMatching(/^certificate 1 in CA file "certs\/broken.pem" cannot be read/)],
      ['gateway.tls.caFiles.5', 11, expect.stringMatching(/"certs\/link.pem" leads outside the workspace through a symlink/)],
    ]);
    // The key itself never appears in a message.
    expect(error.message).not.toContain(leaf.key.split('\n')[1]);
  });
});

describe('the CA bundle (.portico/gateway-ca.pem)', () => {
  it('holds the certificates of every file in order, written and checked like the other generated files, removed with the setting', async () => {
    const dir = await tempDir({ 'portico.yaml': withCa('[certs/a.pem, certs/b.pem]'), 'certs/a.pem': `Bag Attributes: junk\n${ca.caCert}`, 'certs/b.pem': other.caCert });
    const loaded = await loadValidManifest(dir);
    const bundle = (await readGatewayCa(loaded))!;
    expect(bundle).toBe(`# Generated by portico from gateway.tls.caFiles in portico.yaml: edit those files, not this one.\n# certs/a.pem\n${ca.caCert.trim()}\n# certs/b.pem\n${other.caCert.trim()}\n`);
    expect((await writeGeneratedFiles(loaded)).written).toContain('.portico/gateway-ca.pem');
    expect(await readFile(path.join(dir, '.portico/gateway-ca.pem'), 'utf8')).toBe(bundle);
    expect(await checkGeneratedFiles(loaded)).toEqual([]);

    await writeFile(path.join(dir, 'certs/b.pem'), ca.caCert);
    expect(await checkGeneratedFiles(loaded)).toEqual([{ relativePath: '.portico/gateway-ca.pem', state: 'stale' }]);

    const without = await tempDir({ 'portico.yaml': 'version: 1\nname: shop\n' });
    await cp(path.join(dir, '.portico'), path.join(without, '.portico'), { recursive: true });
    await writeGeneratedFiles(await loadValidManifest(without));
    expect(existsSync(path.join(without, '.portico/gateway-ca.pem'))).toBe(false);
    expect(await readGatewayCa(await loadValidManifest(without))).toBeUndefined();
  });
});

describe('carried to the gateway by every target', () => {
  const manifest = parseManifest(withCa('[certs/ca.pem]'), '/w/portico.yaml').manifest;
  const plain = parseManifest('version: 1\nname: shop\nservices:\n  api:\n    image: x\n', '/w/portico.yaml').manifest;
  const images = { registry: 'portico/registry:r', gateway: 'portico/gateway:g', api: 'x' };
  const inputs = (gatewayCa?: string): PlanInputs => ({ version: '0.1.0', configDir: '/w/.portico', images, registryToken: 'tok', gatewayEnv: {}, gatewayCa });
  const gatewayOf = <T extends { role: string }>(items: T[]) => items.find((c) => c.role === 'gateway')!;

  it('up: NODE_EXTRA_CA_CERTS names the bundle in the mounted config folder; a changed CA changes only the gateway hash', () => {
    const a = planStack(manifest, compileDiscovery(manifest), inputs(`# a\n${ca.caCert}`));
    const b = planStack(manifest, compileDiscovery(manifest), inputs(`# b\n${other.caCert}`));
    expect(gatewayOf(a.containers).env.NODE_EXTRA_CA_CERTS).toBe('/etc/portico/gateway-ca.pem');
    expect(GATEWAY_CA_PATH).toBe('/etc/portico/gateway-ca.pem');
    expect(gatewayOf(a.containers).binds).toEqual([{ source: '/w/.portico', target: '/etc/portico', readOnly: true }]);
    expect(gatewayOf(a.containers).configHash).not.toBe(gatewayOf(b.containers).configHash);
    expect(a.containers.filter((c) => c.role !== 'gateway').map((c) => c.configHash)).toEqual(b.containers.filter((c) => c.role !== 'gateway').map((c) => c.configHash));
    // A manifest without gateway.tls plans exactly as before: no env, nothing extra hashed.
    const before = gatewayOf(planStack(plain, compileDiscovery(plain), inputs()).containers);
    expect(before.env.NODE_EXTRA_CA_CERTS).toBeUndefined();
    expect(before.readAtStart).toBeUndefined();
    // Planning a target without the bundle would drop the CAs silently: it is a bug.
    expect(() => planStack(manifest, compileDiscovery(manifest), inputs())).toThrow(/no CA bundle was read/);
  });

  it('compose: the gateway gets NODE_EXTRA_CA_CERTS and the .portico mount holding the bundle', () => {
    const plan = planStack(manifest, compileDiscovery(manifest), { ...inputs(ca.caCert), configDir: '/w/.portico' });
    const gw = exportCompose(plan, { workspaceDir: '/w', composeDir: '/w', envFiles: {}, fromEnvironment: [] }).services['gateway-1']!;
    expect(gw.environment.NODE_EXTRA_CA_CERTS).toBe('/etc/portico/gateway-ca.pem');
    expect(gw.volumes).toEqual(['./.portico:/etc/portico:ro']);
  });

  it('swarm: the bundle is a content-addressed Docker config of the gateway only', () => {
    const swarmInputs = { version: '1', images, registryToken: 'tok', secretDigests: {}, gatewayReplicas: 2, publish: 'ingress' as const };
    const a = planSwarm(manifest, { ...swarmInputs, gatewayCa: ca.caCert });
    const b = planSwarm(manifest, { ...swarmInputs, gatewayCa: other.caCert });
    const config = a.configs.find((c) => c.file === 'gateway-ca.pem')!;
    expect(config.content).toBe(ca.caCert);
    expect(config.name).toMatch(/^shop-gateway-ca-pem-[0-9a-f]{12}$/);
    const gw = gatewayOf(a.services);
    expect(gw.configs).toContainEqual({ name: config.name, target: '/etc/portico/gateway-ca.pem' });
    expect(gw.env.NODE_EXTRA_CA_CERTS).toBe('/etc/portico/gateway-ca.pem');
    expect(a.services.find((s) => s.role === 'registry')!.configs.map((c) => c.target)).toEqual(['/etc/portico/discovery.json']);
    expect(gw.configHash).not.toBe(gatewayOf(b.services).configHash);
    expect(() => planSwarm(manifest, swarmInputs)).toThrow(/no CA bundle was read/);
  });

  it('kubernetes: a ConfigMap key, NODE_EXTRA_CA_CERTS, and the digest as a pod annotation (a ConfigMap change alone restarts nothing)', () => {
    const exported = (bundle?: string) => exportKubernetes(manifest, compileGateway(manifest), compileDiscovery(manifest), { images, gatewayCa: bundle });
    const e = exported(ca.caCert);
    expectValidKubernetes(e.files.flatMap((f) => f.objects));
    const objects = e.files.flatMap((f) => f.objects) as any[];
    expect(objects.find((o) => o.kind === 'ConfigMap').data['gateway-ca.pem']).toBe(ca.caCert);
    const pod = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'gateway').spec.template;
    expect(pod.spec.containers[0].env).toContainEqual({ name: 'NODE_EXTRA_CA_CERTS', value: '/etc/portico/gateway-ca.pem' });
    const digest = pod.metadata.annotations[GATEWAY_CA_ANNOTATION];
    expect(digest).toMatch(/^[0-9a-f]{16}$/);
    const again = (exported(other.caCert).files.flatMap((f) => f.objects) as any[]).find((o) => o.kind === 'Deployment' && o.metadata.name === 'gateway');
    expect(again.spec.template.metadata.annotations[GATEWAY_CA_ANNOTATION]).not.toBe(digest);
    expect(() => exported()).toThrow(/no CA bundle was read/);
  });

  it('portico dev: a gateway.tls edit says that `portico up` applies it', () => {
    expect(gatewayNotes(plain, manifest)).toEqual(['gateway.tls changed: run `portico up` to restart the gateway with its CA files']);
    expect(gatewayNotes(manifest, manifest)).toEqual([]);
  });
});

// HTTPS upstreams through a real stack on the engine (issue 15): three `build:` services FROM the
// runtime image run a tiny node https server, each with its own certificate made by the test
// CA helper. The gateway trusts the test CA through gateway.tls.caFiles (no NODE_EXTRA_CA_CERTS
// set by hand): `tls: true` answers 200 over one pooled TLS connection, a certificate from an
// untrusted CA answers 502 naming the TLS error, insecureSkipVerify answers 200 and the gateway
// logs its warning. Adding the second CA to caFiles recreates the gateway on the next `up`, and
// the refused service is then trusted. One stack for all of it.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFiles } from '../helpers/workspace.js';
import { makeTestCa, type TestCertificate } from '../helpers/test-ca.js';
import { cleanup, freePort, getThroughGateway, portico, randomProject, upJson } from './helpers/stack.js';

// Counts completed TLS handshakes (the keep-alive check) and tells what SNI each one carried.
const SERVER = `const https = require('node:https');
const fs = require('node:fs');
const name = process.env.CERT;
let handshakes = 0;
const servernames = [];
const server = https.createServer({ cert: fs.readFileSync(name + '.pem'), key: fs.readFileSync(name + '.key') }, (req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(req.url === '/stats' ? { handshakes, servernames } : { cert: name, url: req.url }));
});
server.on('secureConnection', (socket) => { handshakes++; servernames.push(socket.servername || null); });
server.listen(Number(process.env.PORT), () => console.log('https listening'));
`;

const DOCKERFILE = `ARG PORTICO_NODE_IMAGE
FROM \${PORTICO_NODE_IMAGE}
WORKDIR /app
COPY . ./
USER 1000:1000
CMD ["node", "server.cjs"]
`;

/** Until the answer is not "no instances yet" (503): the registry's first probe may still be pending. */
async function answered(url: string): Promise<{ status: number; body: any }> {
  for (let i = 0; ; i++) {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    const body = await res.json();
    if (res.status !== 503 || i === 40) return { status: res.status, body };
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('HTTPS upstreams through a stack on the engine', () => {
  const project = randomProject();
  const ca = makeTestCa();
  const otherCa = makeTestCa();
  let dir: string;
  let gatewayUrl: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), `portico-${project}-`));
    const port = await freePort();
    // The instance address (and so the default SNI and checked name) is the container name.
    const certs: Record<string, TestCertificate> = {
      good: ca.leaf([`${project}-good-1`, 'good']),
      untrusted: otherCa.leaf([`${project}-untrusted-1`, 'untrusted']),
      selfsigned: ca.selfSigned(['elsewhere.test']),
    };
    const service = (name: string, cert: string, tls: string) =>
      `  ${name}:\n    build: { context: services/tls }\n    port: 8443\n    env: { CERT: ${cert} }\n    tls: ${tls}\n    routes:\n      - { path: /${name}, retries: 0 }\n`;
    await writeFiles(dir, {
      'portico.yaml': `version: 1
name: ${project}
gateway:
  port: ${port}
  tls:
    caFiles: [certs/ca.pem]
services:
${service('good', 'good', 'true')}${service('untrusted', 'untrusted', 'true')}${service('insecure', 'selfsigned', '{ insecureSkipVerify: true }')}`,
      'certs/ca.pem': ca.caCert,
      'certs/other-ca.pem': otherCa.caCert,
      'services/tls/Dockerfile': DOCKERFILE,
      'services/tls/server.cjs': SERVER,
      ...Object.fromEntries(Object.entries(certs).flatMap(([name, c]) => [[`services/tls/${name}.pem`, c.cert], [`services/tls/${name}.key`, c.key]])),
    });
    gatewayUrl = (await upJson(dir)).gateway.url;
  }, 300_000);
  afterAll(async () => {
    await cleanup(dir);
  });

  it('tls: true verifies against the CA of gateway.tls.caFiles, sends SNI, and reuses one TLS connection', async () => {
    const first = await getThroughGateway(`${gatewayUrl}/good/one`);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ cert: 'good', url: '/one' });
    const before = (await answered(`${gatewayUrl}/good/stats`)).body;
    const second = await answered(`${gatewayUrl}/good/two`);
    expect(second).toEqual({ status: 200, body: { cert: 'good', url: '/two' } });
    const after = (await answered(`${gatewayUrl}/good/stats`)).body;
    // Three requests since the first handshake, and no new one: keep-alive pooled.
    expect(after.handshakes).toBe(before.handshakes);
    expect(after.servernames).toContain(`${project}-good-1`);
  });

  it('a certificate from a CA the gateway does not trust answers 502 naming the TLS error', async () => {
    const refused = await answered(`${gatewayUrl}/untrusted/x`);
    expect(refused.status).toBe(502);
    expect(refused.body.message).toBe('TLS to service untrusted failed: UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });

  it('insecureSkipVerify accepts a self-signed certificate of another name, and the gateway logs the warning', async () => {
    expect(await answered(`${gatewayUrl}/insecure/x`)).toEqual({ status: 200, body: { cert: 'selfsigned', url: '/x' } });
    const logs = await portico(dir, ['logs', 'gateway', '--tail', '1000']);
    expect(logs.exitCode, logs.all).toBe(0);
    expect(logs.stdout).toContain('TLS certificate verification is OFF for service insecure');
  });

  it('a CA added to caFiles recreates the gateway on the next up, which then trusts it', async () => {
    expect(await readFile(path.join(dir, '.portico/gateway-ca.pem'), 'utf8')).toContain(ca.caCert.trim());
    const manifest = path.join(dir, 'portico.yaml');
    await writeFile(manifest, (await readFile(manifest, 'utf8')).replace('caFiles: [certs/ca.pem]', 'caFiles: [certs/ca.pem, certs/other-ca.pem]'));
    const result = await upJson(dir);
    // Only the gateway: the services and the registry are unchanged.
    expect(result.actions).toMatchObject({ recreated: 1, created: 0 });
    expect(result.actions.unchanged).toBeGreaterThanOrEqual(4);
    const trusted = await getThroughGateway(`${gatewayUrl}/untrusted/y`);
    expect(trusted.status).toBe(200);
    expect(await trusted.json()).toEqual({ cert: 'untrusted', url: '/y' });
  });
});

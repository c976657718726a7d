// HTTPS upstreams (issue 15, "TLS to upstreams"): a discovery.json service with `tls` is reached
// over TLS, its certificate verified against the trusted store (here: a CA made in this test,
// given as GatewayOptions.tlsCa; NODE_EXTRA_CA_CERTS in the container), SNI sent, connections
// pooled with keep-alive; a certificate that does not verify is a 502 naming the TLS error.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DiscoveryConfig } from '../../src/runtime/contract/index.js';
import { deadPort, discovery, fixtureScope, gatewayConfig, route, send, until } from './gateway-helpers.js';
import { makeTestCa, type TestCa, type TestCertificate } from '../helpers/test-ca.js';

interface HttpsUpstream {
  port: number;
  /** TLS handshakes completed (keep-alive reuse check) and the SNI names they carried. */
  handshakes: number;
  servernames: (string | false | null)[];
}

const fixtures = fixtureScope();
afterEach(() => fixtures.closeAll());

let ca: TestCa;
beforeAll(() => {
  ca = makeTestCa();
});

async function startHttpsUpstream(certificate: TestCertificate): Promise<HttpsUpstream> {
  const up: HttpsUpstream = { port: 0, handshakes: 0, servernames: [] };
  const server = https.createServer({ cert: certificate.cert, key: certificate.key }, (req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ url: req.url, host: req.headers.host, tls: (req.socket as TLSSocket).encrypted === true }));
  });
  server.on('secureConnection', (socket: TLSSocket) => {
    up.handshakes++;
    up.servernames.push(socket.servername);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  up.port = (server.address() as AddressInfo).port;
  fixtures.onCleanup(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return up;
}

function tlsDiscovery(port: number, tls: { servername: string | null; insecureSkipVerify: boolean }): DiscoveryConfig {
  const d = discovery({ s: [port] });
  d.services.s!.tls = tls;
  return d;
}

function gatewayOver(port: number, tls: { servername: string | null; insecureSkipVerify: boolean }, extra: { tlsCa?: string[]; logger?: any } = {}) {
  return fixtures.gateway({ config: gatewayConfig([route({ service: 's', path: '/s', retries: 0 })]), discovery: tlsDiscovery(port, tls), tlsCa: [ca.caCert], ...extra });
}

describe('HTTPS upstreams', () => {
  it('verifies the certificate against the trusted CA and pools keep-alive connections', async () => {
    const up = await startHttpsUpstream(ca.leaf(['127.0.0.1']));
    const gw = await gatewayOver(up.port, { servername: null, insecureSkipVerify: false });
    for (let i = 0; i < 3; i++) {
      const reply = await send(gw.port, `/s/hello/${i}`);
      expect(reply.status).toBe(200);
      expect(reply.json()).toMatchObject({ url: `/hello/${i}`, tls: true });
    }
    expect(up.handshakes).toBe(1);
    // An IP address is not sent as SNI (RFC 6066 3).
    expect(up.servernames).toEqual([false]);
  });

  it('sends the configured servername as SNI and checks the certificate against it', async () => {
    const up = await startHttpsUpstream(ca.leaf(['api.internal.test']));
    const gw = await gatewayOver(up.port, { servername: 'api.internal.test', insecureSkipVerify: false });
    const reply = await send(gw.port, '/s/x');
    expect(reply.status).toBe(200);
    expect(up.servernames).toEqual(['api.internal.test']);
  });

  it('answers 502 naming the TLS error for a certificate of another name', async () => {
    const up = await startHttpsUpstream(ca.leaf(['other.test']));
    const gw = await gatewayOver(up.port, { servername: null, insecureSkipVerify: false });
    const reply = await send(gw.port, '/s/x');
    expect(reply.status).toBe(502);
    expect(reply.json().message).toBe('TLS to service s failed: ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('answers 502 naming the TLS error for a certificate no trusted CA signed', async () => {
    const up = await startHttpsUpstream(ca.selfSigned(['127.0.0.1']));
    const gw = await gatewayOver(up.port, { servername: null, insecureSkipVerify: false });
    const reply = await send(gw.port, '/s/x');
    expect(reply.status).toBe(502);
    expect(reply.json().message).toBe('TLS to service s failed: DEPTH_ZERO_SELF_SIGNED_CERT');
  });

  it('without the CA trusted (system store only) the test CA is refused', async () => {
    const up = await startHttpsUpstream(ca.leaf(['127.0.0.1']));
    const gw = await gatewayOver(up.port, { servername: null, insecureSkipVerify: false }, { tlsCa: undefined });
    const reply = await send(gw.port, '/s/x');
    expect(reply.status).toBe(502);
    expect(reply.json().message).toBe('TLS to service s failed: UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });

  it('insecureSkipVerify accepts any certificate, with a warning logged once', async () => {
    const warnings: string[] = [];
    const logger = { info() {}, error() {}, warn: (_o: object, msg?: string) => warnings.push(msg ?? '') };
    const up = await startHttpsUpstream(ca.selfSigned(['elsewhere.test']));
    const gw = await gatewayOver(up.port, { servername: null, insecureSkipVerify: true }, { logger });
    expect((await send(gw.port, '/s/x')).status).toBe(200);
    expect(warnings.filter((w) => w.includes('TLS certificate verification is OFF for service s'))).toHaveLength(1);
  });
});

describe('HTTPS upstreams: NODE_EXTRA_CA_CERTS (the built gateway bundle, as in the container)', () => {
  const bundle = fileURLToPath(new URL('../../dist/runtime/gateway.mjs', import.meta.url));

  async function runBundle(upstreamPort: number, extraEnv: Record<string, string>): Promise<{ port: number; child: ChildProcess }> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'portico-tls-'));
    fixtures.onCleanup(() => rm(dir, { recursive: true, force: true }));
    await writeFile(path.join(dir, 'gateway.json'), JSON.stringify(gatewayConfig([route({ service: 's', path: '/s', retries: 0 })])));
    await writeFile(path.join(dir, 'discovery.json'), JSON.stringify(tlsDiscovery(upstreamPort, { servername: null, insecureSkipVerify: false })));
    const port = await deadPort();
    const child = spawn(process.execPath, [bundle], { env: { PATH: process.env.PATH ?? '', PORTICO_CONFIG_DIR: dir, PORT: String(port), HOST: '127.0.0.1', PORTICO_ACCESS_LOG: 'off', ...extraEnv }, stdio: 'ignore' });
    fixtures.onCleanup(async () => {
      child.kill('SIGTERM');
      if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
    });
    await until(async () => (await send(port, '/_portico/health')).status === 200, 10_000);
    return { port, child };
  }

  it('trusts the CA named by NODE_EXTRA_CA_CERTS, and without it refuses the same certificate', async () => {
    expect(existsSync(bundle), 'run npm run build first').toBe(true);
    const up = await startHttpsUpstream(ca.leaf(['127.0.0.1']));
    const caDir = await mkdtemp(path.join(os.tmpdir(), 'portico-ca-file-'));
    fixtures.onCleanup(() => rm(caDir, { recursive: true, force: true }));
    const caFile = path.join(caDir, 'ca.pem');
    await writeFile(caFile, ca.caCert);
    const trusted = await runBundle(up.port, { NODE_EXTRA_CA_CERTS: caFile });
    expect((await send(trusted.port, '/s/x')).status).toBe(200);
    const untrusted = await runBundle(up.port, {});
    const refused = await send(untrusted.port, '/s/x');
    expect(refused.status).toBe(502);
    expect(refused.json().message).toBe('TLS to service s failed: UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });
});

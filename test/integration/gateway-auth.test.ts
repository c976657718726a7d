// Authentication: API keys and JWT (HS256 secret, RS256 via JWKS URL, ES256 via PEM), per-route
// required/optional/none, identity forwarded, and every bad token refused with 401 + reason.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discovery, gatewayConfig, route, send, startGateway, startUpstream, type RunningGateway, type Upstream } from './gateway-helpers.js';

const HS_SECRET = 'test-secret-with-enough-length-0123456789';
const env = { CI_KEY: 'ci-key-value', OTHER_KEY: 'other-key-value', JWT_SECRET: HS_SECRET } as NodeJS.ProcessEnv;

function b64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

async function hsToken(claims: Record<string, unknown>, options: { exp?: string | number; alg?: string } = {}): Promise<string> {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt();
  if (options.exp !== undefined) jwt.setExpirationTime(options.exp);
  return jwt.sign(new TextEncoder().encode(HS_SECRET));
}

describe('gateway authentication', () => {
  let up: Upstream;
  let gw: RunningGateway;
  let rsGw: RunningGateway;
  let esGw: RunningGateway;
  let jwks: http.Server;
  let rsKeys: Awaited<ReturnType<typeof generateKeyPair>>;
  let esKeys: Awaited<ReturnType<typeof generateKeyPair>>;

  beforeAll(async () => {
    up = await startUpstream('u');
    const d = discovery({ s: [up.port] });
    gw = await startGateway({
      config: gatewayConfig(
        [
          route({ id: 'req#0', service: 's', path: '/req', auth: 'required' }),
          route({ id: 'opt#0', service: 's', path: '/opt', auth: 'optional' }),
          route({ id: 'open#0', service: 's', path: '/open', auth: 'none' }),
        ],
        { auth: { apiKeys: [{ name: 'ci', env: 'CI_KEY' }, { name: 'other', env: 'OTHER_KEY' }], jwt: { secretEnv: 'JWT_SECRET', jwksUrl: null, issuer: 'shop', audience: 'shop-api', algorithms: ['HS256'] } } },
      ),
      discovery: d,
      env,
    });
    rsKeys = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(rsKeys.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    jwks = http.createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    rsGw = await startGateway({
      config: gatewayConfig([route({ service: 's', path: '/rs', auth: 'required' })], {
        auth: { apiKeys: [], jwt: { secretEnv: null, jwksUrl: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`, issuer: null, audience: null, algorithms: ['RS256'] } },
      }),
      discovery: d,
      env,
    });
    esKeys = await generateKeyPair('ES256');
    esGw = await startGateway({
      config: gatewayConfig([route({ service: 's', path: '/es', auth: 'required' })], {
        auth: { apiKeys: [], jwt: { secretEnv: 'ES_PEM', jwksUrl: null, issuer: null, audience: null, algorithms: ['ES256'] } },
      }),
      discovery: d,
      env: { ES_PEM: await exportSPKI(esKeys.publicKey) },
    });
  });
  afterAll(async () => {
    await Promise.all([gw.close(), rsGw.close(), esGw.close()]);
    jwks.close();
    await up.close();
  });

  it('accepts a valid API key and forwards the consumer name, not the key', async () => {
    const r = await send(gw.port, '/req/x', { headers: { 'x-api-key': 'ci-key-value' } });
    expect(r.status).toBe(200);
    expect(r.json().headers['x-portico-consumer']).toBe('ci');
    expect(r.json().headers['x-api-key']).toBeUndefined();
  });

  it('refuses a wrong API key and a missing credential on a required route (401 JSON)', async () => {
    const wrong = await send(gw.port, '/req/x', { headers: { 'x-api-key': 'ci-key-valuE' } });
    expect(wrong.status).toBe(401);
    expect(wrong.json()).toMatchObject({ error: 'unauthorized', message: 'invalid API key', route: 'req#0' });
    const none = await send(gw.port, '/req/x');
    expect(none.status).toBe(401);
    expect(none.json().message).toBe('no credentials');
  });

  it('checks every request of a keep-alive connection, whatever key the previous one presented', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const statuses: number[] = [];
    for (const key of ['ci-key-value', 'ci-key-valuE', 'ci-key-value', 'other-key-value', 'nope']) {
      statuses.push((await send(gw.port, '/req/x', { headers: { 'x-api-key': key }, agent })).status);
    }
    const consumer = (await send(gw.port, '/req/x', { headers: { 'x-api-key': 'other-key-value' }, agent })).json().headers['x-portico-consumer'];
    agent.destroy();
    expect(statuses).toEqual([200, 401, 200, 200, 401]);
    expect(consumer).toBe('other');
  });

  it('lets anonymous requests through an optional route but still refuses bad credentials', async () => {
    const anon = await send(gw.port, '/opt/x', { headers: { 'x-portico-consumer': 'spoofed' } });
    expect(anon.status).toBe(200);
    expect(anon.json().headers['x-portico-consumer']).toBeUndefined();
    expect((await send(gw.port, '/opt/x', { headers: { 'x-api-key': 'nope' } })).status).toBe(401);
    expect((await send(gw.port, '/open/x', { headers: { 'x-api-key': 'nope' } })).status).toBe(200);
  });

  it('accepts a valid HS256 JWT and forwards subject and claims', async () => {
    const token = await hsToken({ sub: 'user-1', iss: 'shop', aud: 'shop-api', role: 'admin' }, { exp: '5m' });
    const r = await send(gw.port, '/req/x', { headers: { authorization: `Bearer ${token}` } });
    expect(r.status).toBe(200);
    expect(r.json().headers['x-portico-consumer']).toBe('user-1');
    expect(JSON.parse(r.json().headers['x-portico-claims'])).toMatchObject({ sub: 'user-1', role: 'admin' });
  });

  it('refuses alg:none', async () => {
    const token = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ sub: 'x', iss: 'shop', aud: 'shop-api', exp: Math.floor(Date.now() / 1000) + 60 })}.`;
    const r = await send(gw.port, '/req/x', { headers: { authorization: `Bearer ${token}` } });
    expect(r.status).toBe(401);
    expect(r.json().message).toBe('token algorithm not allowed');
  });

  it('refuses an expired token', async () => {
    const token = await hsToken({ sub: 'x', iss: 'shop', aud: 'shop-api' }, { exp: Math.floor(Date.now() / 1000) - 60 });
    const r = await send(gw.port, '/req/x', { headers: { authorization: `Bearer ${token}` } });
    expect(r.status).toBe(401);
    expect(r.json().message).toBe('token expired');
  });

  it('refuses a token without expiry', async () => {
    const token = await hsToken({ sub: 'x', iss: 'shop', aud: 'shop-api' });
    const r = await send(gw.port, '/req/x', { headers: { authorization: `Bearer ${token}` } });
    expect(r.status).toBe(401);
    expect(r.json().message).toBe('token has no expiry');
  });

  it('refuses a wrong issuer and a wrong audience', async () => {
    const badIss = await hsToken({ sub: 'x', iss: 'evil', aud: 'shop-api' }, { exp: '5m' });
    const r1 = await send(gw.port, '/req/x', { headers: { authorization: `Bearer ${badIss}` } });
    expect(r1.status).toBe(401);
    expect(r1.json().message).toBe('token issuer not accepted');
    const badAud = await hsToken({ sub: 'x', iss: 'shop', aud: 'other' }, { exp: '5m' });
    const r2 = await send(gw.port, '/req/x', { headers: { authorization: `Bearer ${badAud}` } });
    expect(r2.json().message).toBe('token audience not accepted');
  });

  it('refuses a tampered signature and a malformed token', async () => {
    const token = await hsToken({ sub: 'x', iss: 'shop', aud: 'shop-api' }, { exp: '5m' });
    const tampered = token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA');
    expect((await send(gw.port, '/req/x', { headers: { authorization: `Bearer ${tampered}` } })).json().message).toBe('token signature invalid');
    expect((await send(gw.port, '/req/x', { headers: { authorization: 'Bearer not-a-jwt' } })).json().message).toBe('malformed token');
    expect((await send(gw.port, '/req/x', { headers: { authorization: 'Basic dTpw' } })).status).toBe(401);
  });

  it('verifies RS256 tokens against a JWKS URL', async () => {
    const token = await new SignJWT({ sub: 'rs-user' }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setExpirationTime('5m').sign(rsKeys.privateKey);
    const r = await send(rsGw.port, '/rs/x', { headers: { authorization: `Bearer ${token}` } });
    expect(r.status).toBe(200);
    expect(r.json().headers['x-portico-consumer']).toBe('rs-user');
  });

  it('refuses an HS256 token against an RS256 key (algorithm confusion)', async () => {
    // Signed with HS256 using the public key's JWK as the secret, the classic confusion attack.
    const publicJwk = JSON.stringify(await exportJWK(rsKeys.publicKey));
    const token = await new SignJWT({ sub: 'attacker' }).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).setExpirationTime('5m').sign(new TextEncoder().encode(publicJwk));
    const r = await send(rsGw.port, '/rs/x', { headers: { authorization: `Bearer ${token}` } });
    expect(r.status).toBe(401);
    expect(r.json().message).toBe('token algorithm not allowed');
  });

  it('verifies ES256 tokens against a PEM public key from the environment', async () => {
    const token = await new SignJWT({ sub: 'es-user' }).setProtectedHeader({ alg: 'ES256' }).setExpirationTime('5m').sign(esKeys.privateKey);
    const r = await send(esGw.port, '/es/x', { headers: { authorization: `Bearer ${token}` } });
    expect(r.status).toBe(200);
    expect(r.json().headers['x-portico-consumer']).toBe('es-user');
  });
});

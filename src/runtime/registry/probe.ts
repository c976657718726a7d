// Health probes: an HTTP GET of the health path (2xx = passing) or a TCP connect, each bounded
// by a timeout. No keep-alive: every probe opens a fresh connection, so a dead container is
// noticed instead of hiding behind a pooled socket.
import http from 'node:http';
import net from 'node:net';
import type { ProbeTarget } from './catalog.js';

export interface ProbeResult {
  ok: boolean;
  output: string;
}

export type Prober = (target: ProbeTarget) => Promise<ProbeResult>;

export const probe: Prober = (target) => (target.check.type === 'http' ? httpProbe(target.address, target.port, target.check.path, target.timeoutMs) : tcpProbe(target.address, target.port, target.timeoutMs));

export function httpProbe(address: string, port: number, path: string, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (result: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      resolve(result);
    };
    const request = http.get({ host: address, port, path, agent: false, headers: { 'user-agent': 'portico-registry', connection: 'close' } }, (response) => {
      const status = response.statusCode ?? 0;
      response.resume();
      done({ ok: status >= 200 && status < 300, output: `HTTP GET ${path}: ${status}` });
    });
    request.on('error', (error) => done({ ok: false, output: `HTTP GET ${path}: ${describe(error)}` }));
    const timer = setTimeout(() => done({ ok: false, output: `HTTP GET ${path}: no response within ${timeoutMs} ms` }), timeoutMs);
  });
}

export function tcpProbe(address: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (result: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const socket = net.connect({ host: address, port });
    socket.on('connect', () => done({ ok: true, output: `TCP connect ${address}:${port}: ok` }));
    socket.on('error', (error) => done({ ok: false, output: `TCP connect ${address}:${port}: ${describe(error)}` }));
    const timer = setTimeout(() => done({ ok: false, output: `TCP connect ${address}:${port}: no connection within ${timeoutMs} ms` }), timeoutMs);
  });
}

function describe(error: Error & { code?: string }): string {
  return error.code ? `${error.code} ${error.message}` : error.message;
}

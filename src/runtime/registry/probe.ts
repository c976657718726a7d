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
  return bounded(`HTTP GET ${path}`, timeoutMs, 'no response', (done) => {
    const request = http.get({ host: address, port, path, agent: false, headers: { 'user-agent': 'portico-registry', connection: 'close' } }, (response) => {
      const status = response.statusCode ?? 0;
      response.resume();
      done(status >= 200 && status < 300, String(status));
    });
    request.on('error', (error) => done(false, describe(error)));
    return () => request.destroy();
  });
}

export function tcpProbe(address: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return bounded(`TCP connect ${address}:${port}`, timeoutMs, 'no connection', (done) => {
    const socket = net.connect({ host: address, port });
    socket.on('connect', () => done(true, 'ok'));
    socket.on('error', (error) => done(false, describe(error)));
    return () => socket.destroy();
  });
}

/**
 * Runs one probe attempt: the first of its result or the timeout wins, then its socket is
 * released. `start` reports through `done` and returns how to release what it opened.
 */
function bounded(label: string, timeoutMs: number, timeoutText: string, start: (done: (ok: boolean, detail: string) => void) => () => void): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let settled = false;
    let release: () => void = () => {};
    const done = (ok: boolean, detail: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      release();
      resolve({ ok, output: `${label}: ${detail}` });
    };
    const timer = setTimeout(() => done(false, `${timeoutText} within ${timeoutMs} ms`), timeoutMs);
    release = start(done);
    // An error raised synchronously by start() settled before release was known.
    if (settled) release();
  });
}

function describe(error: Error & { code?: string }): string {
  return error.code ? `${error.code} ${error.message}` : error.message;
}

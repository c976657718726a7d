// Health probes: an HTTP GET of the health path (2xx = passing) or a TCP connect, each bounded
// by a timeout. No keep-alive: every probe opens a fresh connection, so a dead container is
// noticed instead of hiding behind a pooled socket.
import dns, { type LookupAddress, type LookupOptions } from 'node:dns';
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
    const request = http.get({ host: address, port, path, agent: false, lookup: resolverLookup(timeoutMs), headers: { 'user-agent': 'portico-registry', connection: 'close' } }, (response) => {
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
    const socket = net.connect({ host: address, port, lookup: resolverLookup(timeoutMs) });
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

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * Name lookups for probes of seeded instances (container names) through c-ares, bounded by
 * the probe timeout. The default lookup (getaddrinfo) runs on libuv's 4-thread pool and can
 * hang for seconds on the name of a removed container; probing such names every interval
 * would fill the pool and stall every other lookup and file read in the registry.
 * IP literals never get here (Node skips the lookup for them).
 */
function resolverLookup(timeoutMs: number) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    const answer = (address: string) => (options.all ? callback(null, [{ address, family: 4 }]) : callback(null, address, 4));
    if (hostname.toLowerCase() === 'localhost') return answer('127.0.0.1');
    const resolver = new dns.Resolver({ timeout: timeoutMs, tries: 1 });
    resolver.resolve4(hostname, (error, addresses) => {
      if (error || addresses.length === 0) {
        const notFound: NodeJS.ErrnoException = error ?? Object.assign(new Error(`no IPv4 address for ${hostname}`), { code: 'ENOTFOUND' });
        return callback(notFound, options.all ? [] : '');
      }
      answer(addresses[0]!);
    });
  };
}

function describe(error: Error & { code?: string }): string {
  return error.code ? `${error.code} ${error.message}` : error.message;
}

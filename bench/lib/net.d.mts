export function freePort(): Promise<number>;
export interface LoadLoop {
  stop(): Promise<{ requests: number; failed: number; failures: string[] }>;
}
export function startLoadLoop(url: string, options?: { concurrency?: number; maxRequests?: number; maxMs?: number; pauseMs?: number }): LoadLoop;
export function httpGet(url: string, agent: import('node:http').Agent, timeoutMs: number, onBody?: (body: string) => void): Promise<number | undefined>;

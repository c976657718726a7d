export interface LoadFailure {
  at: number;
  status?: number;
  error?: string;
  ms: number;
}
export interface LoadReport {
  requests: number;
  ok: number;
  failed: number;
  failures: LoadFailure[];
  p50Ms: number | null;
  p99Ms: number | null;
  rps: number;
}
export interface RunningLoad {
  readonly stats: { total: number; ok: number; failures: LoadFailure[]; latenciesMs: number[] };
  stop(): Promise<LoadReport>;
}
export declare function startLoad(url: string, options?: { concurrency?: number; maxMs?: number; maxRequests?: number; timeoutMs?: number; pauseMs?: number }): RunningLoad;

import type Docker from 'dockerode';
import type { LoadReport } from './load.mjs';

export declare const SCENARIO_HEALTH: { path: string; interval: string; timeout: string; retries: number; startPeriod: string };
export declare const SCENARIO_INTERVAL_MS: number;

export interface RegistryScenarioResult {
  project: string;
  health: { intervalMs: number; timeoutMs: number; retries: number };
  setupMs: number;
  kill: { toCriticalMs: number; killCallMs: number; lastCheck: string | undefined; load: LoadReport };
  scaleOut: { startToPassingMs: number; passingToTrafficMs: number | null; load: LoadReport };
  registryRestart: { backMs: number; allPassingMs: number; load: LoadReport };
}

export declare function runRegistryScenario(options: {
  cli: (argv: string[], cwd: string) => Promise<{ code: number; stdout: string; stderr: string }>;
  log?: (...args: unknown[]) => void;
  docker?: Docker;
}): Promise<RegistryScenarioResult>;

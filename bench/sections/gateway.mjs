// `npm run bench` section: the gateway comparison (same as `npm run bench:gateway`, which also
// writes its own bench/results/gateway-*.json).
import { runGatewayBench } from '../gateway.mjs';

export async function run() {
  // npm run bench prints one JSON document: the section's result goes into it, not to stdout.
  const result = await runGatewayBench({ print: false });
  // The section keeps the summary; per-run detail stays in the bench:gateway result file.
  for (const target of Object.values(result.targets)) delete target.runs;
  return result;
}

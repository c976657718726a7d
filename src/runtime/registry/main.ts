// The registry container's entry point (bundled into dist/runtime/registry.mjs).
// Env: PORTICO_CONFIG_DIR (default /etc/portico), PORTICO_REGISTRY_TOKEN (required),
// PORT (default 8500). Logs are JSON lines on stdout.
import { ConfigError, loadRegistryConfig, watchDiscovery } from './config.js';
import { startRegistry } from './registry.js';

declare const __PORTICO_VERSION__: string | undefined;
const version = typeof __PORTICO_VERSION__ === 'string' ? __PORTICO_VERSION__ : '0.0.0-dev';
const log = (record: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...record })}\n`);

try {
  const config = await loadRegistryConfig(process.env);
  const registry = await startRegistry({ discovery: config.discovery, token: config.token, networks: config.networks, port: config.port, host: '0.0.0.0', version, log });
  log({ level: 'info', msg: 'registry ready', config: config.discoveryPath, networks: config.networks });
  const stopWatching = watchDiscovery(
    config.discoveryPath,
    (discovery) => log({ level: 'info', msg: 'discovery.json reloaded', changed: registry.reload(discovery) }),
    (error) => log({ level: 'error', msg: `discovery.json not reloaded: ${error.message}` }),
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    stopWatching();
    log({ level: 'info', msg: 'stopping', signal });
    void registry.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
} catch (error) {
  if (error instanceof ConfigError) {
    log({ level: 'error', msg: error.message });
    process.exit(1);
  }
  throw error;
}

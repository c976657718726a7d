// The gateway container's entry: load gateway.json + discovery.json from $PORTICO_CONFIG_DIR
// (default /etc/portico), listen on $PORT (default 8080) on all interfaces, hot-reload the
// files when they change, and drain in-flight requests on SIGTERM.
import { GATEWAY_CONTAINER_PORT } from '../contract/index.js';
import { ConfigError, configDir, loadConfigFiles, watchConfigFiles } from './config.js';
import { createGateway } from './gateway.js';
import { createStdoutLogger } from './log.js';
import { secretEnvNames, withFileEnv } from './env-files.js';

const logger = createStdoutLogger();
let env: NodeJS.ProcessEnv = process.env;
const dir = configDir(env);
const onOff = (value: string | undefined): boolean => value !== 'off' && value !== '0' && value !== 'false';

async function main(): Promise<void> {
  let files;
  try {
    files = await loadConfigFiles(dir);
    env = withFileEnv(process.env, secretEnvNames(files.config));
  } catch (error) {
    logger.error({ err: (error as Error).message }, 'gateway config could not be loaded');
    logger.flush?.();
    process.exitCode = 1;
    return;
  }
  const gateway = await createGateway({
    config: files.config,
    discovery: files.discovery,
    env,
    logger,
    metrics: onOff(env.PORTICO_METRICS),
    accessLog: onOff(env.PORTICO_ACCESS_LOG),
  });
  let fingerprint = files.fingerprint;
  const stopWatching = watchConfigFiles(dir, () => {
    loadConfigFiles(dir)
      .then(async (next) => {
        if (next.fingerprint === fingerprint) return;
        await gateway.reload(next.config, next.discovery);
        fingerprint = next.fingerprint;
        logger.info({ routes: next.config.routes.length }, 'gateway config reloaded');
      })
      .catch((error: unknown) => {
        const message = error instanceof ConfigError ? error.message : String(error);
        logger.error({ err: message }, 'gateway config change rejected; keeping the previous config');
      });
  });
  const port = Number(env.PORT ?? GATEWAY_CONTAINER_PORT);
  const address = await gateway.listen(port, env.HOST ?? '0.0.0.0');
  logger.info({ port: address.port, routes: files.config.routes.length, configDir: dir }, 'gateway listening');
  // The image runs node --enable-source-maps so start-up failures point at the sources. Once
  // serving, the gateway prints no stack traces, and the first one formatted under load would
  // decode the whole bundle's map (~30 MB resident): map traces only up to here.
  process.setSourceMapsEnabled(false);

  const shutdown = (signal: string): void => {
    logger.info({ signal }, 'gateway shutting down');
    stopWatching();
    const force = setTimeout(() => process.exit(0), 10_000);
    force.unref();
    gateway.close().then(() => {
      logger.flush?.();
      process.exit(0);
    });
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  logger.error({ err: String((error as Error)?.stack ?? error) }, 'gateway failed to start');
  logger.flush?.();
  process.exitCode = 1;
});

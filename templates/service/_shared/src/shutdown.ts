// Graceful shutdown: on SIGTERM (what `docker stop` and `portico down` send) or SIGINT, run
// the handler once (deregister, stop accepting, finish in-flight requests), then exit.
// A stuck handler cannot keep the container alive: after `timeoutMs` the process exits 1.

export interface ShutdownLog {
  info(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export function onShutdown(handler: (signal: string) => Promise<void>, options: { log: ShutdownLog; timeoutMs?: number }): void {
  const { log, timeoutMs = 10_000 } = options;
  let started = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (started) return;
    started = true;
    log.info({ signal }, 'shutting down');
    setTimeout(() => {
      log.error({ timeoutMs }, 'shutdown timed out; exiting');
      process.exit(1);
    }, timeoutMs).unref();
    handler(signal).then(
      () => {
        log.info({}, 'stopped');
        process.exit(0);
      },
      (error: unknown) => {
        log.error({ err: String(error) }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

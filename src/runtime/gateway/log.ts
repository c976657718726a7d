// Logging: pino writing JSON lines to stdout (no transports, no worker threads: the bundle
// runs as one file in the container). The gateway takes any object with pino's shape.
import pino from 'pino';

export interface GatewayLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  flush?(): void;
}

export const silentLogger: GatewayLogger = { info() {}, warn() {}, error() {} };

/** The container's logger: buffered async writes to stdout, flushed on exit. */
export function createStdoutLogger(level = process.env.LOG_LEVEL ?? 'info'): pino.Logger {
  // Async writes batch themselves under load (sonic-boom queues while a write is in flight).
  const destination = pino.destination({ dest: 1, sync: false });
  const logger = pino({ level, base: { svc: 'portico-gateway' }, timestamp: pino.stdTimeFunctions.isoTime }, destination);
  process.once('exit', () => destination.flushSync());
  return logger;
}

// Entry point: listen on PORT (all interfaces, as containers need), register with the Portico
// registry when running under `portico up`, and shut down gracefully on SIGTERM.
import { createServer } from 'node:http';
import { createApp } from './app.js';
import { DEFAULT_PORT } from './config.js';
import { createLogger } from './log.js';
import { registerWithPortico } from './registry-client.js';
import { onShutdown } from './shutdown.js';

const port = Number(process.env.PORT ?? DEFAULT_PORT);
const log = createLogger({ level: process.env.LOG_LEVEL });
const { app, markNotReady } = createApp({ log });
const server = createServer(app);

await new Promise<void>((resolve) => {
  server.once('error', (error) => {
    log.error({ err: String(error) }, 'could not start');
    process.exit(1);
  });
  server.listen(port, '0.0.0.0', resolve);
});
log.info({ port }, 'listening');

const registration = await registerWithPortico({ server, log });

onShutdown(
  async () => {
    markNotReady();
    await registration.stop();
    // Stop accepting, close idle keep-alive connections, let in-flight requests finish.
    const closed = new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    server.closeIdleConnections();
    await closed;
  },
  { log },
);

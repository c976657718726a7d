// Entry point: listen on PORT (all interfaces, as containers need), register with the Portico
// registry when running under `portico up`, and shut down gracefully on SIGTERM.
import { buildApp } from './app.js';
import { DEFAULT_PORT } from './config.js';
import { registerWithPortico } from './registry-client.js';
import { onShutdown } from './shutdown.js';

const port = Number(process.env.PORT ?? DEFAULT_PORT);
// JSON logs (pino, Fastify's built-in logger), one object per line on stdout.
const app = buildApp({ logger: { level: process.env.LOG_LEVEL ?? 'info' } });

try {
  await app.listen({ port, host: '0.0.0.0' });
} catch (error) {
  app.log.error({ err: error }, 'could not start');
  process.exit(1);
}

const registration = await registerWithPortico({ server: app.server, log: app.log });

onShutdown(
  async () => {
    app.markNotReady();
    await registration.stop();
    // Waits for in-flight requests; idle keep-alive connections are closed.
    await app.close();
  },
  { log: app.log },
);

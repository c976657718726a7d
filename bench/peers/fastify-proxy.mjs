// Peer (e2): fastify + @fastify/http-proxy with the same single route (prefix stripped).
// argv: <listen port> <upstream origin>
import Fastify from 'fastify';
import proxy from '@fastify/http-proxy';

const [port, upstream] = process.argv.slice(2);
const app = Fastify({ logger: false });
await app.register(proxy, { upstream, prefix: '/api/orders', rewritePrefix: '' });
await app.listen({ port: Number(port), host: '127.0.0.1' });
process.on('SIGTERM', () => process.exit(0));

// Peer (e1): fast-gateway with the same single route as the Portico gateway.
// argv: <listen port> <upstream origin>
import gateway from 'fast-gateway';

const [port, upstream] = process.argv.slice(2);
const server = gateway({ routes: [{ prefix: '/api/orders', target: upstream }] });
await server.start(Number(port), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));

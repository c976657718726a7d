// The HTTP/1.1 server over raw TCP sockets that the gateway runs on. Node's http server spends most of a
// proxied request's CPU in generic stream and object machinery (IncomingMessage,
// ServerResponse, header objects); the gateway needs none of it, and measured twice the
// throughput with this (docs/gateway.md, "Performance"). The server accepts sockets, checks
// its connections' timeouts with one coarse sweep instead of a timer per request (slowloris
// protection), and shuts down without cutting answers in flight. Each connection
// (client-connection.ts) reads, parses and pipelines its own requests.
import net, { type AddressInfo } from 'node:net';
import { ClientConnection, type ConnectionServer } from './client-connection.js';
import type { RejectHandler, RequestHandler, ServerLimits, SessionFactory } from './server-types.js';

export { HttpRequest, type RejectHandler, type RequestHandler, type ServerLimits, type SessionFactory } from './server-types.js';

export class Http1Server<S = unknown> implements ConnectionServer<S> {
  readonly server: net.Server;
  readonly connections = new Set<ClientConnection<S>>();
  /** Sockets that switched protocols (WebSocket tunnels): outside HTTP, but closed on shutdown. */
  readonly switched = new Set<net.Socket>();
  closing = false;
  private sweep: NodeJS.Timeout | null = null;

  constructor(
    readonly limits: ServerLimits,
    readonly handler: RequestHandler<S>,
    readonly reject: RejectHandler,
    readonly openSession: SessionFactory<S>,
  ) {
    this.server = net.createServer({ noDelay: true, allowHalfOpen: true }, (socket) => {
      if (this.closing) {
        socket.destroy();
        return;
      }
      this.connections.add(new ClientConnection(socket, this));
      this.startSweep();
    });
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  forget(conn: ClientConnection<S>): void {
    this.connections.delete(conn);
    if (this.connections.size === 0) this.stopSweep();
  }

  adopt(socket: net.Socket): void {
    // Switched while the server was shutting down: close() already went through the set.
    if (this.closing) {
      socket.destroy();
      return;
    }
    this.switched.add(socket);
    socket.once('close', () => this.switched.delete(socket));
  }

  /** Stop accepting; idle connections close now, busy ones after their answer, tunnels at once. */
  close(): Promise<void> {
    this.closing = true;
    for (const socket of this.switched) socket.destroy();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const conn of this.connections) conn.closeIfIdle();
    return closed.then(() => this.stopSweep());
  }

  private startSweep(): void {
    if (this.sweep !== null) return;
    // Checked at a coarse interval (like Node's connectionsCheckingInterval), not per request.
    const every = Math.max(50, Math.min(1_000, Math.floor(this.limits.headersMs / 2)));
    this.sweep = setInterval(() => {
      const now = Date.now();
      for (const conn of this.connections) conn.checkTimeouts(now);
    }, every);
    this.sweep.unref();
  }

  private stopSweep(): void {
    if (this.sweep !== null) clearInterval(this.sweep);
    this.sweep = null;
  }
}

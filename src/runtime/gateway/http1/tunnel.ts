// The two sockets of a switched protocol (WebSocket), piped both ways once the upstream answered
// `101 Switching Protocols`: both left HTTP (client-connection.ts, upstream-connection.ts), so
// what flows is opaque bytes. Backpressure each way (a side that cannot write pauses the other's
// reading until it drains), half-closes relayed (a FIN from one side ends the other's writing),
// and when one side closes the other is ended after what it still has to write (destroyed at
// once after an error). An idle limit closes tunnels nobody uses: one coarse sweep for all of
// them, counting chunks instead of reading the clock per chunk.
import type { Socket } from 'node:net';
import { Sweep } from './sweep.js';
import type { TunnelSink, UpstreamTunnelEnd } from './upstream-types.js';

/** What a tunnel moved, reported once when it ends. */
export interface TunnelTotals {
  /** Bytes the client sent through the tunnel (after the upgrade request). */
  bytesFromClient: number;
  /** Bytes the upstream sent through the tunnel (after its 101 head). */
  bytesFromUpstream: number;
  /** From the 101 to the first side's close. */
  seconds: number;
}

export interface TunnelObserver {
  tunnelClosed(totals: TunnelTotals): void;
}

/** Idle timeouts of all open tunnels, checked once a second. */
const live = new Sweep<Tunnel>(1_000, (tunnel, now) => tunnel.checkIdle(now));

/** Tunnels open in this process (for tests and health). */
export function openTunnels(): number {
  return live.size;
}

export class Tunnel implements TunnelSink {
  private bytesFromClient = 0;
  private bytesFromUpstream = 0;
  private readonly openedAt = performance.now();
  /** Chunks moved so far, and what the sweep last saw of it (idle = unchanged since `quietSince`). */
  private activity = 0;
  private seenActivity = 0;
  private quietSince = Date.now();
  private reported = false;
  private clientClosed = false;
  private upstreamGone = false;
  private readonly upstreamSocket: Socket;

  constructor(
    private readonly client: Socket,
    upstream: UpstreamTunnelEnd,
    /** 0: no idle limit. */
    private readonly idleMs: number,
    private readonly observer: TunnelObserver | null,
  ) {
    this.upstreamSocket = upstream.socket;
    upstream.attach(this);
  }

  /**
   * Start piping: `head` (the 101 as relayed) and `fromUpstream` (bytes after the upstream's 101
   * head, a transient view) go to the client, `fromClient` (bytes after the request head) upstream.
   */
  start(head: string, fromUpstream: Buffer, fromClient: Buffer | null): void {
    const client = this.client;
    live.add(this);
    client.on('data', (chunk: Buffer) => this.clientData(chunk));
    client.on('drain', () => this.upstreamSocket.resume());
    client.on('end', () => this.upstreamSocket.end());
    client.on('close', (hadError: boolean) => this.clientGone(hadError));
    if (fromUpstream.length > 0) {
      this.bytesFromUpstream += fromUpstream.length;
      client.write(head + fromUpstream.toString('latin1'), 'latin1');
    } else {
      client.write(head, 'latin1');
    }
    if (fromClient !== null && fromClient.length > 0) this.clientData(fromClient);
    if (client.destroyed) this.clientGone(true);
    if (this.upstreamSocket.destroyed) this.upstreamClosed(true);
  }

  private clientData(chunk: Buffer): void {
    this.bytesFromClient += chunk.length;
    this.activity++;
    if (!this.upstreamSocket.write(chunk)) this.client.pause();
  }

  // ---- TunnelSink (the upstream side)

  upstreamData(chunk: Buffer): void {
    this.bytesFromUpstream += chunk.length;
    this.activity++;
    // The chunk is a view of the upstream connections' shared read buffer: copied.
    if (!this.client.write(Buffer.from(chunk))) this.upstreamSocket.pause();
  }

  upstreamDrained(): void {
    this.client.resume();
  }

  upstreamEnded(): void {
    if (!this.clientClosed) this.client.end();
  }

  upstreamClosed(hadError: boolean): void {
    if (this.upstreamGone) return;
    this.upstreamGone = true;
    this.report();
    if (!this.clientClosed) closeAfterWrites(this.client, hadError);
    else live.delete(this);
  }

  private clientGone(hadError: boolean): void {
    if (this.clientClosed) return;
    this.clientClosed = true;
    this.report();
    if (!this.upstreamGone) closeAfterWrites(this.upstreamSocket, hadError);
    else live.delete(this);
  }

  private report(): void {
    if (this.reported) return;
    this.reported = true;
    this.observer?.tunnelClosed({ bytesFromClient: this.bytesFromClient, bytesFromUpstream: this.bytesFromUpstream, seconds: (performance.now() - this.openedAt) / 1000 });
  }

  /** Called by the sweep: no chunk either way for `idleMs` closes both sides. */
  checkIdle(now: number): void {
    if (this.activity !== this.seenActivity) {
      this.seenActivity = this.activity;
      this.quietSince = now;
      return;
    }
    // A side already closed waits for the other's last writes only so long.
    const limit = this.clientClosed || this.upstreamGone ? Math.min(this.idleMs || 5_000, 5_000) : this.idleMs;
    if (limit > 0 && now - this.quietSince > limit) {
      this.client.destroy();
      this.upstreamSocket.destroy();
      live.delete(this);
    }
  }
}

/** The peer closed: end this socket once its queued bytes are written (at once after an error). */
function closeAfterWrites(socket: Socket, hadError: boolean): void {
  if (hadError || socket.destroyed) {
    socket.destroy();
    return;
  }
  socket.end();
  if (socket.writableFinished) socket.destroy();
  else socket.once('finish', () => socket.destroy());
}

// A client request's body on its way to an upstream. Bytes are queued until the gateway has
// picked an instance (auth may be asynchronous), then streamed with backpressure: when the
// upstream socket is full the client socket is paused, and resumed on drain. The body is
// decoded (chunked) or counted (Content-Length) here, and its route limit enforced (413).
import type { ChunkSink } from './chunked.js';

export interface BodySink {
  /** Returns false when the destination is full: stop until `RequestBody.resume()`. */
  writeBody(chunk: Buffer): boolean;
  endBody(): void;
  failBody(error: Error): void;
}

/** What the body needs from the client connection it is read from. */
export interface BodySource {
  pause(): void;
  resume(): void;
}

export class BodyTooLargeError extends Error {
  readonly code = 'PORTICO_BODY_TOO_LARGE';
}

export class BodyAbortedError extends Error {
  readonly code = 'PORTICO_BODY_ABORTED';
}

export class BodyTimeoutError extends Error {
  readonly code = 'PORTICO_BODY_TIMEOUT';
}

/** Queue this many bytes before an upstream is attached, then pause the client. */
const QUEUE_HIGH_WATER = 64 * 1024;

export class RequestBody implements ChunkSink {
  /** Bytes of payload received so far. */
  received = 0;
  complete = false;
  failed: Error | null = null;
  /** Route limit; set once the route is known. */
  limit = Number.POSITIVE_INFINITY;
  private queue: Buffer[] = [];
  private queued = 0;
  private sink: BodySink | null = null;

  constructor(
    /** True when the client sent it chunked (the upstream gets it chunked too). */
    readonly chunked: boolean,
    /** Declared Content-Length, or -1 when chunked. */
    readonly length: number,
    private readonly source: BodySource,
  ) {}

  /** Enforce a route limit (also against what already arrived). */
  setLimit(limit: number): void {
    this.limit = limit;
    if (this.received > limit) this.fail(new BodyTooLargeError(`request body larger than ${limit} bytes`));
  }

  attach(sink: BodySink): void {
    this.sink = sink;
    if (this.failed !== null) return sink.failBody(this.failed);
    const queue = this.queue;
    this.queue = [];
    this.queued = 0;
    let open = true;
    for (const chunk of queue) open = sink.writeBody(chunk);
    if (this.complete) sink.endBody();
    else if (open) this.source.resume();
  }

  /** Called when the upstream drained after `writeBody` returned false. */
  resume(): void {
    if (this.failed === null) this.source.resume();
  }

  /** Payload from the connection (ChunkSink for chunked bodies, direct for Content-Length). */
  onChunk(data: Buffer): void {
    if (this.failed !== null) return;
    this.received += data.length;
    if (this.received > this.limit) return this.fail(new BodyTooLargeError(`request body larger than ${this.limit} bytes`));
    const sink = this.sink;
    if (sink !== null) {
      if (!sink.writeBody(data)) this.source.pause();
      return;
    }
    this.queue.push(data);
    this.queued += data.length;
    if (this.queued > QUEUE_HIGH_WATER) this.source.pause();
  }

  finish(): void {
    this.complete = true;
    if (this.failed === null) this.sink?.endBody();
  }

  /** The client went away or sent a malformed body. */
  abort(): void {
    if (!this.complete) this.fail(new BodyAbortedError('request body ended early'));
  }

  /** The client took longer than the server allows for a whole request. */
  timeOut(): void {
    if (!this.complete) this.fail(new BodyTimeoutError('request body not received in time'));
  }

  private fail(error: Error): void {
    if (this.failed !== null) return;
    this.failed = error;
    this.queue = [];
    this.sink?.failBody(error);
  }
}

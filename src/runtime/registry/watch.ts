// GET /v1/watch: server-sent events. A snapshot first (or, with a Last-Event-ID the history
// still covers, only the changes after it), then one `change` event per change, each with
// `id: <index>`. Comment lines keep idle connections (and proxies) from timing out.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Catalog } from './catalog.js';
import type { WatchChange, WatchSnapshot } from '../contract/index.js';

/** A watcher that cannot keep up (this much unsent) is dropped; it resumes with Last-Event-ID. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

export interface WatchHub {
  handle(req: IncomingMessage, res: ServerResponse, url: URL): void;
  /** Open watch streams. */
  readonly size: number;
  closeAll(): void;
}

export function createWatchHub(catalog: Catalog, keepAliveMs: number): WatchHub {
  const streams = new Set<ServerResponse>();

  catalog.subscribe((change) => {
    const frame = changeFrame(change);
    for (const res of streams) send(res, frame);
  });

  const keepAlive = setInterval(() => {
    for (const res of streams) send(res, ': ping\n\n');
  }, keepAliveMs);
  keepAlive.unref();

  function send(res: ServerResponse, frame: string): void {
    if (res.writableLength > MAX_BUFFERED_BYTES) {
      streams.delete(res);
      res.destroy();
      return;
    }
    res.write(frame);
  }

  return {
    handle(req, res, url) {
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.socket?.setNoDelay(true);
      // `retry` tells EventSource clients to reconnect quickly after a registry restart.
      res.write('retry: 1000\n\n');
      const lastEventId = parseLastEventId(req.headers['last-event-id'] ?? url.searchParams.get('lastEventId') ?? undefined);
      const changes = lastEventId === null ? null : catalog.changesSince(lastEventId);
      if (changes === null) res.write(snapshotFrame(catalog.snapshot()));
      else for (const change of changes) res.write(changeFrame(change));
      streams.add(res);
      const forget = () => streams.delete(res);
      req.on('close', forget);
      res.on('close', forget);
    },
    get size() {
      return streams.size;
    },
    closeAll() {
      clearInterval(keepAlive);
      for (const res of streams) res.end();
      streams.clear();
    },
  };
}

function parseLastEventId(value: string | string[] | undefined): number | null {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || !/^\d{1,16}$/.test(text.trim())) return null;
  return Number(text.trim());
}

export function snapshotFrame(snapshot: WatchSnapshot): string {
  return `id: ${snapshot.index}\nevent: snapshot\ndata: ${JSON.stringify(snapshot)}\n\n`;
}

export function changeFrame(change: WatchChange): string {
  return `id: ${change.index}\nevent: change\ndata: ${JSON.stringify(change)}\n\n`;
}

// A small reader of the registry's server-sent events (GET /v1/watch), shared by the registry
// tests and the registry benchmark. `next()` waits for the next event; comment lines (`: ping`)
// are counted, not returned. Every event records when it arrived (`receivedAt`, ms).
import http from 'node:http';

export class SseReader {
  /** @param {string} url @param {Record<string, string>} [headers] */
  constructor(url, headers = {}) {
    this.events = [];
    this.comments = 0;
    this.buffer = '';
    this.waiters = [];
    this.consumed = 0;
    this.ended = false;
    this.ready = new Promise((resolve, reject) => {
      this.request = http.get(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
        res.setEncoding('utf8');
        res.on('data', (chunk) => this.feed(chunk));
        res.on('close', () => {
          this.ended = true;
          this.wake();
        });
        resolve(res);
      });
      this.request.on('error', (error) => {
        this.ended = true;
        this.wake();
        reject(error);
      });
    });
    // A failed connection surfaces through `ready` or `next()`, never as an unhandled rejection.
    this.ready.catch(() => {});
  }

  feed(chunk) {
    this.buffer += chunk;
    let end;
    while ((end = this.buffer.indexOf('\n\n')) !== -1) {
      const frame = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const fields = {};
      for (const line of frame.split('\n')) {
        if (line.startsWith(':')) {
          this.comments += 1;
          continue;
        }
        const colon = line.indexOf(':');
        fields[line.slice(0, colon)] = line.slice(colon + 1).replace(/^ /, '');
      }
      if (fields.data !== undefined) this.events.push({ id: fields.id, event: fields.event ?? 'message', data: JSON.parse(fields.data), receivedAt: Date.now() });
    }
    this.wake();
  }

  wake() {
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** The next unread event, waiting up to `timeoutMs`. */
  async next(timeoutMs = 5000) {
    const deadline = Date.now() + timeoutMs;
    while (this.consumed >= this.events.length) {
      if (this.ended) throw new Error('the event stream ended');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no SSE event within ${timeoutMs} ms`);
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.events[this.consumed++];
  }

  /** Skips events until one matches. */
  async until(predicate, timeoutMs = 5000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const event = await this.next(Math.max(1, deadline - Date.now()));
      if (predicate(event)) return event;
    }
  }

  close() {
    this.request?.destroy();
  }
}

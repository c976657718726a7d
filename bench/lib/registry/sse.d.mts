import type { IncomingMessage } from 'node:http';

export interface SseEvent {
  id: string | undefined;
  event: string;
  data: unknown;
  receivedAt: number;
}

export declare class SseReader {
  constructor(url: string, headers?: Record<string, string>);
  readonly events: SseEvent[];
  readonly comments: number;
  readonly ended: boolean;
  readonly ready: Promise<IncomingMessage>;
  next(timeoutMs?: number): Promise<SseEvent>;
  until(predicate: (event: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  close(): void;
}

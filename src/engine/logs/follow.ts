// `portico logs`: one stream per container, demultiplexed, each line prefixed with the
// container's name in its own colour.
import type { Readable } from 'node:stream';
import type { ChalkInstance } from 'chalk';
import type { DockerClient } from '../docker/client.js';
import { DockerStreamDemuxer, LineSplitter } from './demux.js';

const COLOURS = ['cyan', 'magenta', 'green', 'yellow', 'blue', 'redBright', 'cyanBright', 'magentaBright'] as const;

/** A stable colour per container index. */
export function prefixer(p: ChalkInstance, names: string[]): (name: string) => string {
  const width = Math.max(...names.map((n) => n.length));
  return (name) => {
    const colour = COLOURS[Math.max(0, names.indexOf(name)) % COLOURS.length]!;
    return p[colour](`${name.padEnd(width)} |`);
  };
}

/** Writes every line of a multiplexed stream, prefixed; resolves when the stream ends. */
export function pipePrefixed(stream: Readable, prefix: string, write: (line: string) => void): Promise<void> {
  const demuxer = new DockerStreamDemuxer();
  const splitter = new LineSplitter();
  return new Promise((resolve, reject) => {
    stream.on('data', (chunk: Buffer) => {
      for (const frame of demuxer.push(chunk)) for (const line of splitter.push(frame.stream, frame.data)) write(`${prefix} ${line}`);
    });
    stream.on('end', () => {
      for (const rest of splitter.flush()) write(`${prefix} ${rest.line}`);
      resolve();
    });
    stream.on('close', () => resolve());
    stream.on('error', reject);
  });
}

export async function streamLogs(
  docker: DockerClient,
  containers: { id: string; name: string }[],
  options: { follow: boolean; tail: number; since?: number; signal: AbortSignal; p: ChalkInstance; write: (line: string) => void },
): Promise<void> {
  const prefix = prefixer(options.p, containers.map((c) => c.name));
  const streams = await Promise.all(containers.map((c) => docker.containerLogs(c.id, { follow: options.follow, tail: options.tail, since: options.since })));
  const stop = () => streams.forEach((s) => s.destroy());
  options.signal.addEventListener('abort', stop, { once: true });
  try {
    await Promise.all(streams.map((s, i) => pipePrefixed(s, prefix(containers[i]!.name), options.write)));
  } finally {
    options.signal.removeEventListener('abort', stop);
  }
}

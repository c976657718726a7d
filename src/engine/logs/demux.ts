// Docker's multiplexed stream format (logs and exec of a container without a TTY): frames of
// an 8-byte header [stream, 0, 0, 0, size (uint32 big-endian)] followed by `size` bytes.
// stream 1 = stdout, 2 = stderr. Frames may be split across chunks arbitrarily.

export type StreamKind = 'stdout' | 'stderr';

/** Incremental parser: feed chunks, get complete frames back; keeps partial frames between calls. */
export class DockerStreamDemuxer {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): { stream: StreamKind; data: Buffer }[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: { stream: StreamKind; data: Buffer }[] = [];
    while (this.pending.length >= 8) {
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + size) break;
      const kind = this.pending[0] === 2 ? 'stderr' : 'stdout';
      frames.push({ stream: kind, data: this.pending.subarray(8, 8 + size) });
      this.pending = this.pending.subarray(8 + size);
    }
    return frames;
  }

  /** Bytes of an incomplete frame left at the end of the stream. */
  get leftover(): number {
    return this.pending.length;
  }
}

/** Splits demultiplexed data into whole lines per stream; the last partial line is kept. */
export class LineSplitter {
  private partial: Record<StreamKind, string> = { stdout: '', stderr: '' };

  push(stream: StreamKind, data: Buffer | string): string[] {
    const text = this.partial[stream] + data.toString();
    const lines = text.split('\n');
    this.partial[stream] = lines.pop() ?? '';
    return lines.map((l) => l.replace(/\r$/, ''));
  }

  flush(): { stream: StreamKind; line: string }[] {
    const out = (['stdout', 'stderr'] as const).filter((s) => this.partial[s] !== '').map((s) => ({ stream: s, line: this.partial[s] }));
    this.partial = { stdout: '', stderr: '' };
    return out;
  }
}

/** Reads a whole multiplexed stream into its stdout and stderr text. */
export async function demuxToStrings(stream: NodeJS.ReadableStream): Promise<{ stdout: string; stderr: string }> {
  const demuxer = new DockerStreamDemuxer();
  const out: Record<StreamKind, Buffer[]> = { stdout: [], stderr: [] };
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    for (const frame of demuxer.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk))) out[frame.stream].push(frame.data);
  }
  return { stdout: Buffer.concat(out.stdout).toString(), stderr: Buffer.concat(out.stderr).toString() };
}

/** The last `n` lines of a multiplexed log stream, stdout and stderr interleaved as they came. */
export async function demuxLines(stream: NodeJS.ReadableStream): Promise<string[]> {
  const demuxer = new DockerStreamDemuxer();
  const splitter = new LineSplitter();
  const lines: string[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    for (const frame of demuxer.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk))) lines.push(...splitter.push(frame.stream, frame.data));
  }
  lines.push(...splitter.flush().map((f) => f.line));
  return lines;
}

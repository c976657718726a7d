import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { Chalk } from 'chalk';
import { DockerStreamDemuxer, LineSplitter, demuxToStrings } from '../../src/engine/logs/demux.js';
import { pipePrefixed, prefixer } from '../../src/engine/logs/follow.js';

const frame = (stream: 1 | 2, text: string) => {
  const body = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
};

describe('Docker stream demultiplexing', () => {
  it('parses frames split at any byte', () => {
    const all = Buffer.concat([frame(1, 'hello\n'), frame(2, 'oops\n'), frame(1, 'world')]);
    for (let cut = 0; cut <= all.length; cut++) {
      const d = new DockerStreamDemuxer();
      const frames = [...d.push(all.subarray(0, cut)), ...d.push(all.subarray(cut))];
      expect(frames.map((f) => `${f.stream}:${f.data}`)).toEqual(['stdout:hello\n', 'stderr:oops\n', 'stdout:world']);
      expect(d.leftover).toBe(0);
    }
  });

  it('keeps partial lines per stream until completed', () => {
    const s = new LineSplitter();
    expect(s.push('stdout', 'ab')).toEqual([]);
    expect(s.push('stderr', 'x\r\ny')).toEqual(['x']);
    expect(s.push('stdout', 'c\nd')).toEqual(['abc']);
    expect(s.flush()).toEqual([{ stream: 'stdout', line: 'd' }, { stream: 'stderr', line: 'y' }]);
  });

  it('reads a whole stream into stdout and stderr', async () => {
    const stream = new PassThrough();
    stream.end(Buffer.concat([frame(1, 'out'), frame(2, 'err'), frame(1, '!')]));
    expect(await demuxToStrings(stream)).toEqual({ stdout: 'out!', stderr: 'err' });
  });

  it('prefixes each line with the padded container name', async () => {
    const p = new Chalk({ level: 0 });
    const prefix = prefixer(p, ['shop-a-1', 'shop-long-1']);
    const stream = new PassThrough();
    const lines: string[] = [];
    const done = pipePrefixed(stream, prefix('shop-a-1'), (l) => lines.push(l));
    stream.write(frame(1, 'first\nsec'));
    stream.end(frame(1, 'ond\nlast'));
    await done;
    expect(lines).toEqual(['shop-a-1    | first', 'shop-a-1    | second', 'shop-a-1    | last']);
  });
});

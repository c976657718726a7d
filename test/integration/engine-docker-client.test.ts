// The dockerode-backed client against the real engine: idempotent start/stop/remove,
// exec and logs through the stream demultiplexer, label filters, networks, image inspection
// and putting an archive into a container and reading a file back.
import { afterAll, describe, expect, it } from 'vitest';
import { getDockerClient } from '../../src/engine/docker/dockerode-client.js';
import { resolveRuntimeImage } from '../../src/engine/images/runtime-image.js';
import { demuxLines } from '../../src/engine/logs/demux.js';
import { tarStream } from '../../src/engine/images/tar.js';
import { LABEL } from '../../src/compile/labels.js';

const project = `t${Math.random().toString(36).slice(2, 8)}`;

describe('DockerodeClient (real engine)', () => {
  afterAll(async () => {
    const docker = await getDockerClient();
    for (const c of await docker.listContainers({ [LABEL.project]: project })) await docker.removeContainer(c.id, { force: true });
    for (const n of await docker.listNetworks({ [LABEL.project]: project })) await docker.removeNetwork(n.id);
  });

  it('treats repeated start, stop and remove as success and finds containers only by label', async () => {
    const docker = await getDockerClient();
    const runtime = await resolveRuntimeImage(docker, 'auto', { report: { info: () => undefined }, version: 'test' });
    const labels = { [LABEL.project]: project, [LABEL.service]: 'probe', [LABEL.replica]: '1' };
    await docker.createNetwork(`${project}_net`, { [LABEL.project]: project });
    expect((await docker.listNetworks({ [LABEL.project]: project })).map((n) => n.name)).toEqual([`${project}_net`]);
    const id = await docker.createContainer({
      name: `${project}-probe-1`,
      image: runtime.ref,
      env: { GREETING: 'hello' },
      labels,
      cmd: ['node', '-e', "console.log(process.env.GREETING); console.error('to stderr'); setInterval(() => {}, 1000)"],
      network: `${project}_net`,
      aliases: ['probe'],
      ports: [],
      binds: [],
      volumes: [],
      init: true,
    });
    await docker.startContainer(id);
    await docker.startContainer(id); // 304: already started
    expect((await docker.listContainers({ [LABEL.project]: project })).map((c) => c.name)).toEqual([`${project}-probe-1`]);
    expect(await docker.listContainers({ [LABEL.project]: `${project}-other` })).toEqual([]);

    const exec = await docker.exec(id, ['node', '-e', "process.stdout.write('out'); process.stderr.write('err'); process.exit(3)"]);
    expect(exec).toEqual({ exitCode: 3, stdout: 'out', stderr: 'err' });

    let lines: string[] = [];
    for (let i = 0; i < 40 && lines.length < 2; i++) {
      lines = await demuxLines(await docker.containerLogs(id, { tail: 10 }));
      if (lines.length < 2) await new Promise((r) => setTimeout(r, 100));
    }
    expect(lines.sort()).toEqual(['hello', 'to stderr']);

    await docker.stopContainer(id, 10);
    // The init process forwarded SIGTERM and node ended on it (143), rather than being killed
    // at the timeout (137) as node running as PID 1 would be.
    expect((await docker.inspectContainer(id))!.state.exitCode).toBe(143);
    await docker.stopContainer(id, 3); // 304: already stopped
    await docker.removeContainer(id);
    await docker.removeContainer(id); // 404: already gone
    expect(await docker.inspectContainer(id)).toBeUndefined();
  });

  it('inspects an image and puts an archive into a created container before it starts', async () => {
    const docker = await getDockerClient();
    const runtime = await resolveRuntimeImage(docker, 'auto', { report: { info: () => undefined }, version: 'test' });
    expect(await docker.inspectImage(runtime.ref)).toMatchObject({ id: runtime.id, labels: expect.any(Object) });
    expect(await docker.inspectImage(`${project}-absent:none`)).toBeUndefined();
    const id = await docker.createContainer({
      name: `${project}-archive-1`,
      image: runtime.ref,
      env: {},
      labels: { [LABEL.project]: project, [LABEL.service]: 'archive', [LABEL.replica]: '1' },
      cmd: ['node', '-e', "console.log(require('fs').readFileSync('/tmp/put/hello.txt', 'utf8'))"],
      network: 'none',
      aliases: [],
      ports: [],
      binds: [],
      volumes: [],
      init: false,
    });
    const chunks: Buffer[] = [];
    for await (const chunk of tarStream([{ name: 'put/', directory: true }, { name: 'put/hello.txt', content: 'from the archive' }])) chunks.push(chunk as Buffer);
    await docker.putArchive(id, '/tmp', Buffer.concat(chunks));
    // Read back through the archive API (what `up` does for a container that was a dev standby).
    expect(await docker.readFile(id, '/tmp/put/hello.txt')).toBe('from the archive');
    expect(await docker.readFile(id, '/tmp/put/absent.txt')).toBeUndefined();
    await docker.startContainer(id);
    let lines: string[] = [];
    for (let i = 0; i < 50 && lines.length < 1; i++) {
      lines = await demuxLines(await docker.containerLogs(id, { tail: 10 }));
      if (lines.length < 1) await new Promise((r) => setTimeout(r, 100));
    }
    expect(lines).toEqual(['from the archive']);
    await docker.removeContainer(id, { force: true });
  });
});

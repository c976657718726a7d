import { describe, expect, it } from 'vitest';
import { dockerfileImages, instructions, substitute } from '../../src/engine/images/dockerfile-from.js';
import { pulledImageOf } from '../../src/engine/images/dockerfile-build.js';

describe('Dockerfile FROM images', () => {
  it('finds FROM images, skipping scratch and earlier stages', () => {
    const text = 'FROM golang:1.22 AS build\nRUN go build\nFROM scratch\nCOPY --from=build /out /app\nFROM build AS test\n';
    expect(dockerfileImages(text)).toEqual({ images: ['golang:1.22'], stages: ['build', 'test'] });
  });

  it('substitutes ARGs declared before the first FROM, build args overriding defaults', () => {
    const text = 'ARG BASE=node\nARG TAG=20-slim\nFROM ${BASE}:$TAG\n';
    expect(dockerfileImages(text).images).toEqual(['node:20-slim']);
    expect(dockerfileImages(text, { TAG: '22' }).images).toEqual(['node:22']);
    // A build arg for an ARG the Dockerfile does not declare changes nothing.
    expect(dockerfileImages('FROM ${NOPE:-alpine}\n', { NOPE: 'x' }).images).toEqual(['alpine']);
  });

  it('handles --platform, case, continuations, comments, an escape directive and COPY --from an image', () => {
    const text = '# escape=`\nfrom --platform=linux/amd64 `\n  python:3.12 as base\n# a comment\nCOPY --from=nginx:1.27 /etc/nginx /x\nCOPY --from=0 /a /b\n';
    expect(dockerfileImages(text)).toEqual({ images: ['python:3.12', 'nginx:1.27'], stages: ['base'] });
  });

  it('stops at the target stage', () => {
    const text = 'FROM a:1 AS dev\nFROM b:1 AS prod\n';
    expect(dockerfileImages(text, {}, 'dev').images).toEqual(['a:1']);
    expect(dockerfileImages(text).images).toEqual(['a:1', 'b:1']);
  });

  it('lists each image once', () => {
    expect(dockerfileImages('FROM x:1\nFROM x:1\n').images).toEqual(['x:1']);
  });

  it('substitutes like Docker', () => {
    const vars = { A: 'a', E: '' };
    expect(substitute('${A}-$A-${B:-b}-${A:+set}-${E:-empty}-${B:+no}-\\$A', vars)).toBe('a-a-b-set-empty--$A');
  });

  it('joins continued lines into one instruction', () => {
    expect(instructions('RUN a \\\n  && b\nCMD ["x"]\n')).toEqual([
      { keyword: 'RUN', args: 'a    && b' },
      { keyword: 'CMD', args: '["x"]' },
    ]);
  });

  it('reads the image out of an engine message for a failed pull', () => {
    expect(pulledImageOf('pull access denied for acme/base, repository does not exist')).toBe('acme/base');
    expect(pulledImageOf('manifest for acme/base:2 not found: manifest unknown')).toBe('acme/base:2');
    expect(pulledImageOf('COPY failed: no such file')).toBeUndefined();
  });
});

// Bearer-token check for writes. The digests are compared, not the strings: equal length for
// timingSafeEqual, and no timing signal about where a wrong token first differs.
import { createHash, timingSafeEqual } from 'node:crypto';

export function createTokenCheck(token: string): (authorization: string | undefined) => boolean {
  if (token.length === 0) throw new Error('the registry token must not be empty');
  const expected = digest(token);
  return (authorization) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    return match !== null && timingSafeEqual(digest(match[1]!), expected);
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

// One bounded GET of an instance's OpenAPI document: a timeout for the whole exchange (not
// just idle time) and a size cap on the body, so a slow or huge answer cannot hold the gateway.
import http from 'node:http';

/** The body of GET `path` on the instance (status 200 only), or why not. */
export function fetchDocument(address: string, port: number, path: string, timeoutMs: number, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const host = address.includes(':') ? `[${address}]` : address;
    const timer = setTimeout(() => req.destroy(new Error(`GET ${path} took longer than ${timeoutMs} ms`)), timeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      reject(error);
    };
    const req = http.get({ host: address, port, path, agent: false, headers: { accept: 'application/json', host: `${host}:${port}` } }, (res) => {
      if (res.statusCode !== 200) {
        clearTimeout(timer);
        res.resume();
        reject(new Error(`GET ${path} answered ${res.statusCode}`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) req.destroy(new Error(`${path} is larger than ${maxBytes} bytes`));
        else chunks.push(chunk);
      });
      res.on('end', () => {
        clearTimeout(timer);
        resolve(Buffer.concat(chunks).toString('utf8'));
      });
      res.on('error', fail);
    });
    req.on('error', fail);
  });
}

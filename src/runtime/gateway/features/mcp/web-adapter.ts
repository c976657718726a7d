// The gateway's HTTP/1.1 types (http1/) to and from the Web-standard Request/Response the
// SDK's WebStandardStreamableHTTPServerTransport speaks. Bodies of MCP messages are small
// JSON: the request body is read whole (bounded); the response body is streamed (SSE).
import type { HttpResponse } from '../../http1/response.js';
import type { HttpRequest } from '../../http1/server.js';

export const MAX_MCP_REQUEST_BYTES = 1024 * 1024;

function readBody(req: HttpRequest): Promise<Buffer | null> {
  const body = req.body;
  if (body === null) return Promise.resolve(null);
  body.setLimit(MAX_MCP_REQUEST_BYTES);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    body.attach({
      writeBody: (chunk) => (chunks.push(Buffer.from(chunk)), true),
      endBody: () => resolve(Buffer.concat(chunks)),
      failBody: reject,
    });
  });
}

export async function toWebRequest(req: HttpRequest): Promise<Request> {
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  const body = await readBody(req);
  const host = req.headers.host ?? '127.0.0.1';
  return new Request(new URL(req.url, `http://${/^[A-Za-z0-9.:[\]-]+$/.test(host) ? host : '127.0.0.1'}`), {
    method: req.method,
    headers,
    body: body === null || req.method === 'GET' || req.method === 'HEAD' ? undefined : body,
  });
}

/** Writes the Response: head first, then each body chunk as it comes (an SSE stream stays open until the transport ends it). */
export async function sendWebResponse(response: Response, res: HttpResponse): Promise<void> {
  const headers: string[] = [];
  response.headers.forEach((value, name) => headers.push(name, value));
  res.writeHead(response.status, headers);
  if (response.body === null) return res.end();
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (res.destroyed) {
        await reader.cancel(); // the client went away: stop the stream
        break;
      }
      res.write(Buffer.from(value));
    }
  } finally {
    res.end();
  }
}

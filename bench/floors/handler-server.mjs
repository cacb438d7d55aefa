// A node:http server that answers every request by calling the hello-world handler inline.
import { createServer } from 'node:http';
import { handler } from './handler.mjs';

export function handlerServer() {
  return createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const out = JSON.stringify(await handler(body.length ? JSON.parse(body) : {}));
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
      res.end(out);
    });
  });
}

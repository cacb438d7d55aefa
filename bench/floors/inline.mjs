// Floor: the handler called inline in a plain node:http server (no process hop, no isolation).
import { createServer } from 'node:http';
import { handler } from './handler.mjs';

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    const body = Buffer.concat(chunks);
    const out = JSON.stringify(await handler(body.length ? JSON.parse(body) : {}));
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
    res.end(out);
  });
});
server.listen(0, '127.0.0.1', () => console.log(`PORT ${server.address().port}`));

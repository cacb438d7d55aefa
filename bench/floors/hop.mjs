// Floor: one keep-alive HTTP hop from a front server to a second process that runs the handler.
import { fork } from 'node:child_process';
import { createServer, request, Agent } from 'node:http';
import { handlerServer } from './handler-server.mjs';

if (process.argv[2] === 'worker') {
  const server = handlerServer();
  server.listen(0, '127.0.0.1', () => process.send(server.address().port));
} else {
  const worker = fork(new URL(import.meta.url).pathname, ['worker']);
  const workerPort = await new Promise((r) => worker.once('message', r));
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const up = request({ host: '127.0.0.1', port: workerPort, method: 'POST', path: '/', agent, headers: { 'content-length': body.length } }, (r) => {
        const out = [];
        r.on('data', (c) => out.push(c));
        r.on('end', () => {
          const b = Buffer.concat(out);
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': b.length });
          res.end(b);
        });
      });
      up.end(body);
    });
  });
  server.listen(0, '127.0.0.1', () => console.log(`PORT ${server.address().port}`));
  process.on('SIGTERM', () => (worker.kill(), process.exit(0)));
}

/**
 * The streaming pieces on their own: a RESPONSE_STREAM URL's prelude handling (fed byte by byte
 * into a real HTTP response) and the event-stream messages (decoded by the SDK's own codec).
 */
import { EventStreamCodec } from '@smithy/eventstream-codec';
import assert from 'node:assert/strict';
import { createServer, get, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { completeError, eventMessage } from '../src/api/lambda/event-stream.js';
import type { InvocationResult } from '../src/environments/invocation.js';
import { HTTP_INTEGRATION, UrlStream } from '../src/urls/stream.js';

type Feed = { contentType: string; bytes: Buffer; pieceSize: number; error?: boolean };

/** One HTTP exchange whose response is written by a UrlStream fed `feed`, `pieceSize` bytes at a time. */
async function through(feed: Feed): Promise<{ status: number; headers: IncomingHttpHeaders; body: string; complete: boolean }> {
  const server = createServer(async (_req, res) => {
    const stream = new UrlStream(res, { requestId: 'req-1', head: false, decorate: () => undefined });
    const sink = stream.sink();
    sink.start(feed.contentType);
    for (let i = 0; i < feed.bytes.length; i += feed.pieceSize) {
      sink.write(feed.bytes.subarray(i, i + feed.pieceSize));
      await new Promise((r) => setImmediate(r));
    }
    const result = { body: Buffer.alloc(0), streamed: true, durationMs: 1, maxMemoryUsedMB: 1, log: '', error: feed.error ? { type: 'Unhandled' } : undefined } as InvocationResult;
    stream.finish(result);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  after(() => server.close());
  const port = (server.address() as AddressInfo).port;
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      const done = () => resolve({ status: res.statusCode!, headers: res.headers, body, complete: res.complete });
      res.on('end', done);
      res.on('error', () => undefined);
      res.on('close', done);
    }).on('error', reject);
  });
}

const prelude = (p: unknown, body: string) => Buffer.concat([Buffer.from(JSON.stringify(p)), Buffer.alloc(8), Buffer.from(body)]);

describe('UrlStream', () => {
  it('finds the prelude and its delimiter even one byte at a time', async () => {
    const r = await through({
      contentType: HTTP_INTEGRATION,
      bytes: prelude({ statusCode: 418, headers: { 'X-One': 'a' }, multiValueHeaders: { 'x-many': ['1', '2'] }, cookies: ['c=1'] }, 'tea\0pot'),
      pieceSize: 1,
    });
    assert.equal(r.status, 418);
    assert.equal(r.headers['x-one'], 'a');
    assert.equal(r.headers['x-many'], '1, 2');
    assert.deepEqual(r.headers['set-cookie'], ['c=1']);
    assert.equal(r.headers['content-type'], 'application/octet-stream');
    assert.equal(r.headers['x-amzn-requestid'], 'req-1');
    assert.equal(r.body, 'tea\0pot', 'NUL bytes after the delimiter are body');
  });

  it('answers 502 for a prelude that is not JSON, has a bad status, or never ends', async () => {
    for (const bytes of [
      Buffer.concat([Buffer.from('not json'), Buffer.alloc(8), Buffer.from('x')]),
      prelude({ statusCode: 99 }, 'x'),
      Buffer.from('{"statusCode":200}'),
    ]) {
      const r = await through({ contentType: HTTP_INTEGRATION, bytes, pieceSize: 4 });
      assert.equal(r.status, 502, bytes.toString());
      assert.equal(r.body, 'Internal Server Error');
    }
  });

  it('sends other content types as a 200, and cuts the body of a stream that fails after starting', async () => {
    const ok = await through({ contentType: 'text/csv', bytes: Buffer.from('a,b\n1,2\n'), pieceSize: 3 });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers['content-type'], 'text/csv');
    assert.equal(ok.body, 'a,b\n1,2\n');
    const cut = await through({ contentType: 'text/csv', bytes: Buffer.from('a,b\n'), pieceSize: 4, error: true });
    assert.equal(cut.status, 200);
    assert.equal(cut.complete, false);
    const early = await through({ contentType: 'text/csv', bytes: Buffer.alloc(0), pieceSize: 1, error: true });
    assert.equal(early.status, 502);
  });
});

describe('event-stream messages', () => {
  const codec = new EventStreamCodec((b) => Buffer.from(b).toString('utf8'), (s) => Buffer.from(s, 'utf8'));

  it('decode with the SDK codec to the headers the Lambda deserializer dispatches on', () => {
    const m = codec.decode(eventMessage('PayloadChunk', Buffer.from([0, 1, 2])));
    assert.deepEqual(m.headers, {
      ':event-type': { type: 'string', value: 'PayloadChunk' },
      ':content-type': { type: 'string', value: 'application/octet-stream' },
      ':message-type': { type: 'string', value: 'event' },
    });
    assert.deepEqual([...m.body], [0, 1, 2]);
    const c = codec.decode(eventMessage('InvokeComplete', Buffer.from('{}')));
    assert.equal(c.headers[':event-type']!.value, 'InvokeComplete');
    assert.equal(Buffer.from(c.body).toString(), '{}');
  });

  it('name an error by its type and message, whatever its body', () => {
    assert.deepEqual(completeError(Buffer.from('{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: x Error: Task timed out after 1.00 seconds"}')), {
      ErrorCode: 'Sandbox.Timedout', ErrorDetails: 'RequestId: x Error: Task timed out after 1.00 seconds',
    });
    assert.deepEqual(completeError(Buffer.from('plain text')), { ErrorCode: 'Unhandled', ErrorDetails: 'plain text' });
  });
});

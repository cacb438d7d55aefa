/**
 * Function URLs with InvokeMode RESPONSE_STREAM: real HTTP requests, the status, headers and
 * cookies from the HttpResponseStream prelude, body chunks as they are written (timed), and what
 * a client sees when the function fails before or after its first byte.
 */
import { CreateFunctionUrlConfigCommand } from '@aws-sdk/client-lambda';
import assert from 'node:assert/strict';
import { request, type IncomingHttpHeaders } from 'node:http';
import { before, describe, it } from 'node:test';
import { allowPublicUrl, deploy } from './helpers/functions.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});

interface Timed {
  status: number;
  headers: IncomingHttpHeaders;
  /** Body pieces with their arrival time (ms from the request's start). */
  pieces: { text: string; atMs: number }[];
  body: string;
  headersMs: number;
  /** The connection was cut before the body ended. */
  aborted: boolean;
}

/** GET a URL (path form) and time the response's parts. */
function timedGet(functionUrl: string, path = '/', method = 'GET', headers: Record<string, string> = {}): Promise<Timed> {
  const u = new URL(functionUrl);
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: u.port, path, method, headers: { host: u.host, ...headers } }, (res) => {
      const out: Timed = { status: res.statusCode!, headers: res.headers, pieces: [], body: '', headersMs: performance.now() - t0, aborted: false };
      res.setEncoding('utf8');
      res.on('data', (c: string) => out.pieces.push({ text: c, atMs: performance.now() - t0 }));
      const done = () => {
        out.body = out.pieces.map((p) => p.text).join('');
        resolve(out);
      };
      res.on('end', done);
      res.on('aborted', () => (out.aborted = true));
      res.on('error', () => (out.aborted = true));
      res.on('close', () => {
        if (!res.complete) {
          out.aborted = true;
          done();
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
}

async function streamingUrl(name: string, source: string, extra: Record<string, unknown> = {}): Promise<string> {
  await deploy(s.client, name, { 'index.js': source }, extra);
  const out = await s.client.send(new CreateFunctionUrlConfigCommand({ FunctionName: name, AuthType: 'NONE', InvokeMode: 'RESPONSE_STREAM', Cors: { AllowOrigins: ['https://app.example'] } }));
  await allowPublicUrl(s.client, name);
  return out.FunctionUrl!;
}

const HTTP_STREAM = `
exports.handler = awslambda.streamifyResponse(async (event, stream) => {
  stream = awslambda.HttpResponseStream.from(stream, {
    statusCode: 201,
    headers: { 'Content-Type': 'text/event-stream', 'X-Path': event.rawPath, 'Content-Length': '999' },
    cookies: ['a=1; Path=/', 'b=2; HttpOnly'],
  });
  stream.write('data: one\\n\\n');
  await new Promise((r) => setTimeout(r, 1000));
  stream.write('data: two\\n\\n');
  stream.end();
});`;

describe('RESPONSE_STREAM function URLs', () => {
  it('sends the prelude\'s status, headers and cookies at once, then each chunk as it is written', async () => {
    const url = await streamingUrl('sse', HTTP_STREAM);
    await timedGet(url, '/warm');
    const r = await timedGet(url, '/events', 'GET', { origin: 'https://app.example' });
    assert.equal(r.status, 201);
    assert.equal(r.headers['content-type'], 'text/event-stream');
    assert.equal(r.headers['x-path'], '/events');
    assert.deepEqual(r.headers['set-cookie'], ['a=1; Path=/', 'b=2; HttpOnly']);
    assert.equal(r.headers['transfer-encoding'], 'chunked', 'chunked, whatever Content-Length the function claimed');
    assert.equal(r.headers['content-length'], undefined);
    assert.equal(r.headers['access-control-allow-origin'], 'https://app.example');
    assert.match(String(r.headers['x-amzn-requestid']), /^[0-9a-f-]{36}$/);
    assert.equal(r.body, 'data: one\n\ndata: two\n\n');
    assert.ok(r.headersMs < 700, `headers after ${r.headersMs.toFixed(0)} ms`);
    const first = r.pieces[0]!;
    assert.equal(first.text, 'data: one\n\n');
    assert.ok(first.atMs < 700, `first byte after ${first.atMs.toFixed(0)} ms`);
    assert.ok(r.pieces[r.pieces.length - 1]!.atMs - first.atMs >= 900, 'the second chunk came when it was written');
  });

  it('streams a prelude-less stream as a 200 with the stream\'s content type', async () => {
    const url = await streamingUrl('raw', `exports.handler = awslambda.streamifyResponse(async (e, stream) => {
      stream.setContentType('text/plain; charset=utf-8');
      for (const w of ['a', 'b', 'c']) stream.write(w);
      stream.end();
    });`);
    const r = await timedGet(url);
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(r.body, 'abc');
    const head = await timedGet(url, '/', 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
  });

  it('answers 502 when the function fails before its first byte, and cuts the body when it fails after', async () => {
    const early = await streamingUrl('url-early', 'exports.handler = awslambda.streamifyResponse(async () => { throw new Error("nope"); });');
    const a = await timedGet(early);
    assert.equal(a.status, 502);
    assert.equal(a.body, 'Internal Server Error');

    const late = await streamingUrl('url-late', `exports.handler = awslambda.streamifyResponse(async (e, stream) => {
      stream = awslambda.HttpResponseStream.from(stream, { statusCode: 200, headers: { 'content-type': 'text/plain' } });
      stream.write('some ');
      await new Promise((r) => setTimeout(r, 100));
      throw new Error('later');
    });`);
    const b = await timedGet(late);
    assert.equal(b.status, 200);
    assert.equal(b.body, 'some ');
    assert.equal(b.aborted, true, 'the client can tell the body is incomplete');
  });

  it('cuts the body when the function times out mid-stream', async () => {
    const url = await streamingUrl('url-timeout', `exports.handler = awslambda.streamifyResponse(async (e, stream) => {
      stream.write('tick ');
      await new Promise((r) => setTimeout(r, 5000));
      stream.end('never');
    });`, { Timeout: 1 });
    const t0 = performance.now();
    const r = await timedGet(url);
    assert.ok(performance.now() - t0 < 4000);
    assert.equal(r.status, 200);
    assert.equal(r.body, 'tick ');
    assert.equal(r.aborted, true);
  });

  it('sends a buffered function’s answer as it is: a 200 whose body is the JSON (AWS does not map it)', async () => {
    const url = await streamingUrl('url-buffered', 'exports.handler = async () => ({ statusCode: 202, headers: { "x-b": "1" }, body: "whole" });');
    const r = await timedGet(url);
    assert.equal(r.status, 200);
    assert.equal(r.headers['x-b'], undefined);
    assert.equal(r.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(r.body), { statusCode: 202, headers: { 'x-b': '1' }, body: 'whole' });
  });

  it('treats an HttpResponseStream ended with end(…) and no write as AWS does: no prelude', async () => {
    const url = await streamingUrl('url-end-only', `exports.handler = awslambda.streamifyResponse(async (event, stream) => {
      stream = awslambda.HttpResponseStream.from(stream, { statusCode: 404, headers: { 'x-c': '1' } });
      if (event.rawPath === '/text') stream.end('Not Found');
      else stream.end();
    });`);
    // The bytes are not a prelude: Lambda's 502.
    assert.equal((await timedGet(url, '/text')).status, 502);
    // Nothing at all: a 200 without the prelude's status or headers.
    const empty = await timedGet(url, '/empty');
    assert.equal(empty.status, 200);
    assert.equal(empty.headers['x-c'], undefined);
    assert.equal(empty.body, '');
  });
});

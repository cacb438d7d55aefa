/**
 * Response streaming through the real SDK: InvokeWithResponseStream against streaming
 * (awslambda.streamifyResponse) and buffered functions, with measured arrival times, mid-stream
 * errors, timeouts, the size cap (a small cap configured for this server) and throttles.
 */
import {
  CreateAliasCommand, InvokeCommand, InvokeWithResponseStreamCommand, PublishVersionCommand, PutFunctionConcurrencyCommand, DeleteFunctionConcurrencyCommand,
} from '@aws-sdk/client-lambda';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { deploy } from './helpers/functions.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { streamInvoke, type Streamed } from './helpers/stream.js';
import { versionCounters } from '../src/cli/stratus-api.js';
import { loadConfig } from '../src/config/config.js';
import { runCli } from './helpers/cli.js';

/** The cap configured for this file's server, so the over-the-cap test streams 2 MB, not 200. */
const CAP = 1024 * 1024;

let s: TestServer;
before(async () => {
  s = await startTestServer({ 'stream-limit': String(CAP) });
});

const text = (r: Streamed) => r.chunks.map((c) => c.text).join('');

const SLOW = `
exports.handler = awslambda.streamifyResponse(async (event, stream) => {
  stream.setContentType('text/plain');
  stream.write('first ');
  await new Promise((r) => setTimeout(r, 1000));
  stream.write('second ');
  stream.end('third');
});`;

describe('InvokeWithResponseStream', () => {
  it('delivers each chunk as it is written: the first arrives long before the handler returns', async () => {
    await deploy(s.client, 'slow', { 'index.js': SLOW });
    // Warm first: the measured call must not include the cold start.
    await streamInvoke(s.client, 'slow');
    const r = await streamInvoke(s.client, 'slow', {}, { LogType: 'Tail' });
    assert.equal(r.out.StatusCode, 200);
    assert.equal(r.out.ExecutedVersion, '$LATEST');
    assert.equal(r.out.ResponseStreamContentType, 'text/plain');
    assert.equal(text(r), 'first second third');
    assert.ok(r.chunks.length >= 2, `expected separate chunks, got ${JSON.stringify(r.chunks)}`);
    const first = r.chunks[0]!;
    const last = r.chunks[r.chunks.length - 1]!;
    assert.equal(first.text, 'first ');
    assert.ok(first.atMs < 700, `the first chunk arrived after ${first.atMs.toFixed(0)} ms`);
    assert.ok(r.headersMs < 700, `the headers arrived after ${r.headersMs.toFixed(0)} ms`);
    assert.ok(last.atMs - first.atMs >= 900, `the last chunk came ${(last.atMs - first.atMs).toFixed(0)} ms after the first`);
    assert.deepEqual(Object.keys(r.complete!), ['LogResult']);
    // Duration runs to the stream's end, past the handler's 1 s sleep (timers may fire a ms early).
    assert.match(r.log, /REPORT RequestId: [0-9a-f-]{36}\tDuration: (9[5-9]\d|[1-9]\d{3})\.\d\d ms/);
    assert.equal(r.out.$metadata.requestId, /START RequestId: ([0-9a-f-]{36})/.exec(r.log)?.[1]);
  });

  it('sends a buffered function\'s whole response as one chunk', async () => {
    await deploy(s.client, 'plain', { 'index.js': 'exports.handler = async (e) => ({ echo: e.v });' });
    const r = await streamInvoke(s.client, 'plain', { v: 7 }, { LogType: 'Tail' });
    assert.equal(r.out.StatusCode, 200);
    assert.equal(r.out.ResponseStreamContentType, 'application/json');
    assert.deepEqual(r.chunks.map((c) => c.text), ['{"echo":7}']);
    assert.equal(r.complete!.ErrorCode, undefined);
    assert.match(r.log, /^START RequestId/m);
  });

  it('ends with InvokeComplete naming the error when a buffered function fails', async () => {
    await deploy(s.client, 'plain-err', { 'index.js': 'exports.handler = async () => { throw new TypeError("no good"); };' });
    const r = await streamInvoke(s.client, 'plain-err');
    assert.deepEqual(r.chunks, []);
    assert.equal(r.complete!.ErrorCode, 'TypeError');
    assert.equal(r.complete!.ErrorDetails, 'no good');
  });

  it('reports an error thrown mid-stream in InvokeComplete, after the chunks already sent', async () => {
    await deploy(s.client, 'mid-err', {
      'index.js': `exports.handler = awslambda.streamifyResponse(async (e, stream) => {
        stream.write('partial');
        await new Promise((r) => setTimeout(r, 50));
        throw new RangeError('went wrong');
      });`,
    });
    const r = await streamInvoke(s.client, 'mid-err', {}, { LogType: 'Tail' });
    assert.equal(r.out.StatusCode, 200);
    assert.equal(text(r), 'partial');
    assert.equal(r.complete!.ErrorCode, 'RangeError');
    assert.equal(r.complete!.ErrorDetails, 'went wrong');
    assert.match(r.log, /Invoke Error/);
    // The environment carries on: the next invocation runs warm.
    const again = await streamInvoke(s.client, 'mid-err', {}, { LogType: 'Tail' });
    assert.equal(again.complete!.ErrorCode, 'RangeError');
    assert.doesNotMatch(again.log, /Init Duration/);
  });

  it('reports an error before the first byte the same way (no chunks)', async () => {
    await deploy(s.client, 'early-err', { 'index.js': 'exports.handler = awslambda.streamifyResponse(async () => { throw new Error("at once"); });' });
    const r = await streamInvoke(s.client, 'early-err');
    assert.deepEqual(r.chunks, []);
    assert.equal(r.complete!.ErrorCode, 'Error');
    assert.equal(r.complete!.ErrorDetails, 'at once');
  });

  it('ends a stream cut by the function timeout with Sandbox.Timedout', async () => {
    await deploy(s.client, 'stream-timeout', {
      'index.js': `exports.handler = awslambda.streamifyResponse(async (e, stream) => {
        stream.write('before');
        await new Promise((r) => setTimeout(r, 5000));
        stream.end('never');
      });`,
    }, { Timeout: 1 });
    const t0 = performance.now();
    const r = await streamInvoke(s.client, 'stream-timeout');
    assert.ok(performance.now() - t0 < 4000, 'the timeout ends the stream');
    assert.equal(text(r), 'before');
    assert.equal(r.complete!.ErrorCode, 'Sandbox.Timedout');
    assert.match(r.complete!.ErrorDetails!, /^RequestId: [0-9a-f-]{36} Error: Task timed out after 1\.00 seconds$/);
  });

  it('stops a stream over the cap with Function.ResponseSizeTooLarge, and the environment carries on', async () => {
    await deploy(s.client, 'big', {
      'index.js': `exports.handler = awslambda.streamifyResponse(async (e, stream) => {
        const piece = Buffer.alloc(64 * 1024, 120);
        for (let i = 0; i < e.pieces; i++) {
          if (!stream.write(piece)) await new Promise((r) => stream.once('drain', r));
        }
        stream.end();
      });`,
    });
    const ok = await streamInvoke(s.client, 'big', { pieces: 16 });
    assert.equal(ok.chunks.reduce((n, c) => n + c.bytes, 0), CAP);
    assert.equal(ok.complete!.ErrorCode, undefined);

    const over = await streamInvoke(s.client, 'big', { pieces: 40 });
    const got = over.chunks.reduce((n, c) => n + c.bytes, 0);
    assert.ok(got <= CAP, `${got} bytes passed a ${CAP}-byte cap`);
    assert.equal(over.complete!.ErrorCode, 'Function.ResponseSizeTooLarge');
    assert.equal(over.complete!.ErrorDetails, `Response payload size exceeded maximum allowed payload size (${CAP} bytes).`);

    const after = await streamInvoke(s.client, 'big', { pieces: 2 }, { LogType: 'Tail' });
    assert.equal(after.chunks.reduce((n, c) => n + c.bytes, 0), 128 * 1024);
    assert.equal(after.complete!.ErrorCode, undefined);
  });

  it('keeps the HttpResponseStream prelude in the bytes, as AWS does outside function URLs', async () => {
    await deploy(s.client, 'prelude', {
      'index.js': `exports.handler = awslambda.streamifyResponse(async (e, stream) => {
        stream = awslambda.HttpResponseStream.from(stream, { statusCode: 201, headers: { 'x-a': 'b' } });
        if (e.via === 'end') return stream.end('body');
        if (e.via === 'object') return stream.end({ not: 'bytes' });
        stream.write('body');
        stream.end();
      });`,
    });
    const r = await streamInvoke(s.client, 'prelude');
    assert.equal(r.out.ResponseStreamContentType, 'application/vnd.awslambda.http-integration-response');
    assert.equal(text(r), '{"statusCode":201,"headers":{"x-a":"b"}}\0\0\0\0\0\0\0\0body');
    // As in AWS's client, only write() sends the prelude: end('body') alone sends the bare bytes,
    // and end() takes no object (AWS's throws too).
    assert.equal(text(await streamInvoke(s.client, 'prelude', { via: 'end' })), 'body');
    const bad = await streamInvoke(s.client, 'prelude', { via: 'object' });
    assert.equal(bad.complete!.ErrorCode, 'TypeError');
  });

  it('returns a streaming function\'s response whole through plain Invoke', async () => {
    const r = await s.client.send(new InvokeCommand({ FunctionName: 'slow' }));
    assert.equal(r.FunctionError, undefined);
    assert.equal(Buffer.from(r.Payload!).toString('utf8'), 'first second third');
    const e = await s.client.send(new InvokeCommand({ FunctionName: 'mid-err' }));
    assert.equal(e.FunctionError, 'Unhandled');
    const body = JSON.parse(Buffer.from(e.Payload!).toString('utf8'));
    assert.equal(body.errorType, 'RangeError');
    assert.equal(body.errorMessage, 'went wrong');
  });

  it('refuses what AWS refuses before streaming anything', async () => {
    await assert.rejects(streamInvoke(s.client, 'nope'), { name: 'ResourceNotFoundException', message: 'Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope:$LATEST' });
    await assert.rejects(streamInvoke(s.client, 'plain', {}, { InvocationType: 'Event' }), {
      name: 'ValidationException',
      message: "1 validation error detected: Value 'Event' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [RequestResponse, DryRun]",
    });
    const dry = await s.client.send(new InvokeWithResponseStreamCommand({ FunctionName: 'plain', InvocationType: 'DryRun' }));
    assert.equal(dry.StatusCode, 204);
  });

  it('runs the version an alias points to and says which', async () => {
    const v = await s.client.send(new PublishVersionCommand({ FunctionName: 'slow' }));
    await s.client.send(new CreateAliasCommand({ FunctionName: 'slow', Name: 'live', FunctionVersion: v.Version }));
    const r = await streamInvoke(s.client, 'slow', {}, { Qualifier: 'live' });
    assert.equal(r.out.ExecutedVersion, v.Version);
    assert.equal(text(r), 'first second third');
  });

  it('lets a function run on when its caller goes away mid-stream', async () => {
    const abort = new AbortController();
    const out = await s.client.send(new InvokeWithResponseStreamCommand({ FunctionName: 'slow' }), { abortSignal: abort.signal });
    const events = out.EventStream![Symbol.asyncIterator]();
    const first = await events.next();
    assert.equal(Buffer.from(first.value.PayloadChunk.Payload).toString(), 'first ');
    abort.abort();
    await assert.rejects(events.next());
    // The server is unharmed: the function finishes in its environment and the next call streams.
    const again = await streamInvoke(s.client, 'slow');
    assert.equal(text(again), 'first second third');
  });

  it('is throttled by reserved concurrency like any invocation', async () => {
    await s.client.send(new PutFunctionConcurrencyCommand({ FunctionName: 'plain', ReservedConcurrentExecutions: 0 }));
    try {
      await assert.rejects(streamInvoke(s.client, 'plain'), (err: Error & { Reason?: string }) => {
        assert.equal(err.name, 'TooManyRequestsException');
        assert.equal(err.Reason, 'ReservedFunctionConcurrentInvocationLimitExceeded');
        return true;
      });
    } finally {
      await s.client.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'plain' }));
    }
  });

  it('counts streaming invocations in the per-version metrics, in flight while they stream', async () => {
    const cfg = { endpoint: s.url, region: 'us-east-1', ...s.platform.keys, json: false };
    const before = (await versionCounters(cfg, 'slow')).find((c) => c.version === '$LATEST')!;
    const running = streamInvoke(s.client, 'slow');
    await new Promise((r) => setTimeout(r, 500));
    const during = (await versionCounters(cfg, 'slow')).find((c) => c.version === '$LATEST')!;
    assert.equal(during.inFlight, 1);
    await running;
    const after = (await versionCounters(cfg, 'slow')).find((c) => c.version === '$LATEST')!;
    assert.equal(after.invocations, before.invocations + 1);
    assert.equal(after.inFlight, 0);
    const errs = (await versionCounters(cfg, 'mid-err')).find((c) => c.version === '$LATEST')!;
    assert.equal(errs.errors, errs.invocations, 'every mid-stream failure counts as an error');
  });
});

// A custom runtime that speaks the streaming Runtime API by hand: a refused response mode, a
// second answer while the stream is open, chunks, and an error in the trailers.
const RAW_RUNTIME = `
const http = require('node:http');
const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(':');
const call = (method, path, headers = {}, body) => new Promise((resolve, reject) => {
  const req = http.request({ host, port, method, path: '/2018-06-01/runtime' + path, headers }, (res) => {
    let data = '';
    res.on('data', (c) => (data += c));
    res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: data }));
  });
  req.on('error', reject);
  req.end(body);
});
(async () => {
  for (;;) {
    const next = await call('GET', '/invocation/next');
    const id = next.headers['lambda-runtime-aws-request-id'];
    if (next.body.includes('bogus')) {
      // An unknown response mode: refused, and the invocation is over (a late answer is too).
      const bogus = await call('POST', '/invocation/' + id + '/response', { 'Lambda-Runtime-Function-Response-Mode': 'bogus' }, '{}');
      const late = await call('POST', '/invocation/' + id + '/response', {}, '"late"');
      console.log('bogus=' + bogus.status + ':' + JSON.parse(bogus.body).errorType + ' late=' + late.status);
      continue;
    }
    await new Promise((done) => {
      const req = http.request({ host, port, method: 'POST', path: '/2018-06-01/runtime/invocation/' + id + '/response', agent: false, headers: {
        'Lambda-Runtime-Function-Response-Mode': 'streaming', 'Transfer-Encoding': 'chunked', 'Content-Type': 'text/x-raw',
        Trailer: 'Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body',
      } }, (res) => { res.resume(); res.on('end', done); });
      req.write('started ');
      setTimeout(async () => {
        const second = await call('POST', '/invocation/' + id + '/response', {}, '"again"');
        req.write('second=' + second.status + ' ');
        req.addTrailers({
          'Lambda-Runtime-Function-Error-Type': 'Function.Custom',
          'Lambda-Runtime-Function-Error-Body': Buffer.from(JSON.stringify({ errorType: 'CustomError', errorMessage: 'late failure' })).toString('base64'),
        });
        req.end();
        // Long enough for the stream's own connection to be accepted first, even on a loaded machine.
      }, 1000);
    });
  }
})();
`;

describe('the streaming Runtime API, spoken by a custom runtime', () => {
  it('refuses an unknown response mode and a second answer, passes chunks on, and reads the error trailers', async () => {
    await deploy(s.client, 'raw-stream', {
      bootstrap: { content: '#!/bin/sh\nexec node runtime.js\n', mode: 0o100755 },
      'runtime.js': RAW_RUNTIME,
    }, { Runtime: 'provided.al2023', Handler: 'x' });
    const r = await streamInvoke(s.client, 'raw-stream');
    assert.equal(r.out.ResponseStreamContentType, 'text/x-raw');
    assert.equal(text(r), 'started second=403 ');
    // An unknown mode fails the invocation at once (as AWS's emulator does), not at its timeout.
    const t0 = Date.now();
    const bad = await s.client.send(new InvokeCommand({ FunctionName: 'raw-stream', Payload: Buffer.from('"bogus"') }));
    assert.ok(Date.now() - t0 < 2500, 'answered before the 3 s timeout');
    assert.equal(bad.FunctionError, 'Unhandled');
    assert.equal(JSON.parse(Buffer.from(bad.Payload!).toString('utf8')).errorType, 'Runtime.InvalidResponseModeHeader');
    assert.equal(r.complete!.ErrorCode, 'CustomError');
    assert.equal(r.complete!.ErrorDetails, 'late failure');
  });
});

describe('stratus invoke --stream', () => {
  it('prints the streamed response, and the error with a non-zero exit', async () => {
    const env = { STRATUS_ENDPOINT: s.url, STRATUS_DATA_DIR: s.dataDir };
    const ok = await runCli(['invoke', 'slow', '--stream'], env);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, 'first second third\n');

    const failed = await runCli(['invoke', 'mid-err', '--stream'], env);
    assert.equal(failed.code, 1);
    assert.equal(failed.stdout, 'partial\n');
    assert.match(failed.stderr, /^✘ the function failed \(RangeError\): went wrong$/m);

    const json = await runCli(['invoke', 'mid-err', '--stream', '--json', '--log'], env);
    assert.equal(json.code, 1);
    const j = JSON.parse(json.stdout);
    assert.equal(j.Payload, 'partial');
    assert.equal(j.ErrorCode, 'RangeError');
    assert.match(j.Log, /REPORT RequestId/);

    const event = await runCli(['invoke', 'slow', '--stream', '--type', 'Event'], env);
    assert.equal(event.code, 1);
    assert.match(event.stderr, /--stream cannot be used with --type Event/);
  });
});

describe('the streaming cap', () => {
  it('is AWS\'s 200 MiB unless --stream-limit says otherwise', () => {
    assert.equal(loadConfig({}, {}).streamLimitBytes, 209_715_200);
    assert.equal(loadConfig({ 'stream-limit': '1048576' }, {}).streamLimitBytes, 1_048_576);
    assert.throws(() => loadConfig({}, { STRATUS_STREAM_LIMIT: '0' }), /stream-limit must be an integer from 1/);
  });
});

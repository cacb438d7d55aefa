/**
 * AWS's own Node runtime interface client (npm aws-lambda-ric), launched from a custom runtime's
 * bootstrap, must work unchanged against Stratus's Runtime API. The package builds native code
 * (it needs autoconf, automake and libtool, which .ci/run installs); it is an optional
 * dependency so `npm ci` still succeeds on a machine without them.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, describe, it } from 'node:test';
import { deploy, invoke } from './helpers/functions.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { streamInvoke } from './helpers/stream.js';
import type { Files } from './helpers/zip.js';

const MODULES = fileURLToPath(new URL('../../node_modules/', import.meta.url));
const RIC = join(MODULES, 'aws-lambda-ric');
const built = existsSync(join(RIC, 'dist', 'rapid-client.node'));
// In CI the client must be there: a skipped test would hide a broken install step.
const skip = !built && !process.env.CI ? 'aws-lambda-ric is not built here (install autoconf automake libtool, then npm ci)' : false;

/** The function package: the handler, a bootstrap that starts AWS's client, and the client itself. */
function ricPackage(handlerSource: string): Files {
  const files: Files = {
    'index.js': handlerSource,
    bootstrap: { content: '#!/bin/sh\nexec node node_modules/aws-lambda-ric/bin/index.mjs "$_HANDLER"\n', mode: 0o100755 },
  };
  // The client's runtime files only (its native sources and build tree stay behind).
  const add = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      const st = statSync(full);
      if (st.isDirectory()) add(full);
      else files[`node_modules/${relative(MODULES, full)}`] = { content: readFileSync(full), mode: st.mode };
    }
  };
  add(join(RIC, 'bin'));
  add(join(RIC, 'dist'));
  files['node_modules/aws-lambda-ric/package.json'] = readFileSync(join(RIC, 'package.json'));
  return files;
}

let s: TestServer;
before(async () => {
  s = await startTestServer();
});

describe('aws-lambda-ric under provided.al2023', { skip }, () => {
  it('is built (CI installs its build tools)', () => {
    assert.ok(built, `aws-lambda-ric's native client is missing at ${RIC}: .ci/run must install autoconf automake libtool before npm ci`);
  });

  it('runs a handler: event, context, logs, warm reuse', async () => {
    await deploy(s.client, 'ric', ricPackage('let n = 0;\nexports.handler = async (e, ctx) => { console.log("ric handling", e.k); return { k: e.k, n: ++n, arn: ctx.invokedFunctionArn, id: ctx.awsRequestId }; };'), {
      Runtime: 'provided.al2023',
      Handler: 'index.handler',
    });
    const a = await invoke(s.client, 'ric', { k: 'v' });
    assert.equal(a.error, undefined, a.text);
    assert.equal(a.json.k, 'v');
    assert.equal(a.json.n, 1);
    assert.equal(a.json.arn, 'arn:aws:lambda:us-east-1:000000000000:function:ric');
    assert.match(a.log, new RegExp(`\\t${a.json.id}\\tINFO\\tric handling v`));
    assert.match(a.log, /Init Duration/);
    const b = await invoke(s.client, 'ric', { k: 'w' });
    assert.equal(b.json.n, 2);
  });

  it('reports a thrown error through /error without the error-type header', async () => {
    await deploy(s.client, 'ric-err', ricPackage('exports.handler = async () => { throw new TypeError("bad input"); };'), { Runtime: 'provided.al2023', Handler: 'index.handler' });
    const r = await invoke(s.client, 'ric-err');
    assert.equal(r.error, 'Unhandled');
    assert.equal(r.json.errorType, 'TypeError');
    assert.equal(r.json.errorMessage, 'bad input');
  });

  it('reports a missing handler through /init/error to the waiting invocation', async () => {
    await deploy(s.client, 'ric-init', ricPackage('exports.other = 1;'), { Runtime: 'provided.al2023', Handler: 'index.handler' });
    const r = await invoke(s.client, 'ric-init');
    assert.equal(r.error, 'Unhandled');
    assert.equal(r.json.errorType, 'Runtime.HandlerNotFound');
  });

  it('streams a streamifyResponse handler through InvokeWithResponseStream as it writes', async () => {
    await deploy(s.client, 'ric-stream', ricPackage(`exports.handler = awslambda.streamifyResponse(async (e, stream) => {
      stream.setContentType('text/plain');
      stream.write('one ');
      await new Promise((r) => setTimeout(r, 1000));
      stream.end('two');
    });`), { Runtime: 'provided.al2023', Handler: 'index.handler' });
    await streamInvoke(s.client, 'ric-stream');
    const r = await streamInvoke(s.client, 'ric-stream');
    assert.equal(r.out.ResponseStreamContentType, 'text/plain');
    assert.equal(r.chunks.map((c) => c.text).join(''), 'one two');
    assert.equal(r.chunks[0]!.text, 'one ');
    assert.ok(r.chunks[0]!.atMs < 700, `first chunk after ${r.chunks[0]!.atMs.toFixed(0)} ms`);
    assert.equal(r.complete!.ErrorCode, undefined);
  });

  it('reports a mid-stream error from its trailers', async () => {
    await deploy(s.client, 'ric-stream-err', ricPackage(`exports.handler = awslambda.streamifyResponse(async (e, stream) => {
      stream = awslambda.HttpResponseStream.from(stream, { statusCode: 200 });
      stream.write('so far');
      await new Promise((r) => setTimeout(r, 50));
      throw new SyntaxError('bad bytes');
    });`), { Runtime: 'provided.al2023', Handler: 'index.handler' });
    const r = await streamInvoke(s.client, 'ric-stream-err');
    assert.equal(r.out.ResponseStreamContentType, 'application/vnd.awslambda.http-integration-response');
    assert.equal(r.chunks.map((c) => c.text).join(''), '{"statusCode":200}\0\0\0\0\0\0\0\0so far');
    assert.equal(r.complete!.ErrorCode, 'SyntaxError');
    assert.equal(r.complete!.ErrorDetails, 'bad bytes');
  });
});

/** The execution engine with the built-in Node.js runtime: real processes behind the real Runtime API. */
import { UpdateFunctionConfigurationCommand, waitUntilFunctionUpdatedV2 } from '@aws-sdk/client-lambda';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { deploy, invoke } from './helpers/functions.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let s: TestServer;
before(async () => {
  s = await startTestServer({}, { NODE_EXTRA_CA_CERTS: '/should/not/leak' });
});

describe('handlers', () => {
  it('runs a CommonJS async handler with the event and returns its JSON', async () => {
    await deploy(s.client, 'cjs', { 'index.js': 'exports.handler = async (e) => ({ got: e, type: typeof require });' });
    const r = await invoke(s.client, 'cjs', { a: 1 });
    assert.equal(r.status, 200);
    assert.equal(r.error, undefined);
    assert.deepEqual(r.json, { got: { a: 1 }, type: 'function' });
    assert.equal(r.out.ExecutedVersion, '$LATEST');
  });

  it('runs an ES module (.mjs) from a nested path and a nested export', async () => {
    await deploy(s.client, 'esm', { 'src/app.mjs': 'export const api = { v1: { handler: async () => "esm" } };' }, { Handler: 'src/app.api.v1.handler' });
    assert.equal((await invoke(s.client, 'esm')).json, 'esm');
  });

  it('runs "type": "module" .js files with top-level await', async () => {
    await deploy(s.client, 'esm-pkg', { 'package.json': '{"type":"module"}', 'index.js': 'const v = await Promise.resolve(42);\nexport const handler = async () => v;' });
    assert.equal((await invoke(s.client, 'esm-pkg')).json, 42);
  });

  it('runs callback handlers', async () => {
    await deploy(s.client, 'cb', { 'index.js': 'exports.handler = (e, ctx, cb) => { setTimeout(() => cb(null, { cb: true }), 5); };' });
    assert.deepEqual((await invoke(s.client, 'cb')).json, { cb: true });
  });

  it('gives the full context, the client context and Lambda’s variables, and nothing of the server’s environment', async () => {
    await deploy(
      s.client,
      'ctx',
      {
        'index.js': `exports.handler = async (e, ctx) => ({
          requestId: ctx.awsRequestId, arn: ctx.invokedFunctionArn, name: ctx.functionName, version: ctx.functionVersion,
          memory: ctx.memoryLimitInMB, group: ctx.logGroupName, stream: ctx.logStreamName, remaining: ctx.getRemainingTimeInMillis(),
          client: ctx.clientContext, env: process.env, cwd: process.cwd() });`,
      },
      { MemorySize: 256, Timeout: 7, Environment: { Variables: { MY_VAR: 'mine' } } },
    );
    const clientContext = Buffer.from(JSON.stringify({ custom: { k: 'vé ✓' } })).toString('base64');
    const r = await invoke(s.client, 'ctx', {}, { ClientContext: clientContext });
    const j = r.json;
    assert.match(j.requestId, /^[0-9a-f-]{36}$/);
    assert.equal(j.arn, 'arn:aws:lambda:us-east-1:000000000000:function:ctx');
    assert.equal(j.name, 'ctx');
    assert.equal(j.version, '$LATEST');
    assert.equal(j.memory, '256');
    assert.equal(j.group, '/aws/lambda/ctx');
    assert.match(j.stream, /^\d{4}\/\d\d\/\d\d\/\[\$LATEST\][0-9a-f]{32}$/);
    assert.ok(j.remaining > 6000 && j.remaining <= 7000, `remaining ${j.remaining}`);
    assert.deepEqual(j.client.custom, { k: 'vé ✓' });
    const env = j.env as Record<string, string>;
    assert.equal(env.MY_VAR, 'mine');
    assert.equal(env.AWS_LAMBDA_FUNCTION_NAME, 'ctx');
    assert.equal(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE, '256');
    assert.equal(env.AWS_LAMBDA_FUNCTION_VERSION, '$LATEST');
    assert.equal(env.AWS_REGION, 'us-east-1');
    assert.equal(env.AWS_EXECUTION_ENV, 'AWS_Lambda_nodejs20.x');
    assert.equal(env._HANDLER, 'index.handler');
    assert.equal(env.TZ, ':UTC');
    assert.equal(env.LANG, 'en_US.UTF-8');
    assert.equal(env.AWS_LAMBDA_INITIALIZATION_TYPE, 'on-demand');
    assert.ok(env.NODE_PATH?.includes('/opt/nodejs/node_modules'));
    assert.match(env.AWS_LAMBDA_RUNTIME_API!, /^127\.0\.0\.1:\d+$/);
    assert.equal(env.LAMBDA_TASK_ROOT, j.cwd);
    // AWS's values (recording test_introspection_invoke[nodejs20.x]).
    assert.equal(env.PATH, '/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin');
    assert.equal(env.LD_LIBRARY_PATH, '/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib');
    assert.equal(env.SHLVL, '0');
    assert.equal(env.PWD, '/var/task');
    assert.equal(env.NODE_EXTRA_CA_CERTS, undefined);
    assert.equal(env.HOME, undefined);
    assert.equal(env.AWS_LAMBDA_MAX_CONCURRENCY, undefined);
    assert.equal(env._LAMBDA_TELEMETRY_LOG_FD, undefined);
  });

  it('reports a thrown error as AWS does: 200, Unhandled, {errorType, errorMessage, trace}', async () => {
    await deploy(s.client, 'throws', { 'index.js': 'class MyError extends Error { constructor(m) { super(m); this.name = "MyError"; } }\nexports.handler = async () => { throw new MyError("boom"); };' });
    const r = await invoke(s.client, 'throws');
    assert.equal(r.status, 200);
    assert.equal(r.error, 'Unhandled');
    assert.equal(r.json.errorType, 'MyError');
    assert.equal(r.json.errorMessage, 'boom');
    assert.ok(Array.isArray(r.json.trace) && r.json.trace[0] === 'MyError: boom');
  });

  it('names only paths inside the environment in a trace, never the server’s build directory', async () => {
    await deploy(s.client, 'trace-paths', { 'index.js': 'exports.handler = async () => { throw new Error("where"); };' });
    // Cold (a spawn or a stem cell) and warm: the runtime's frames are at /var/runtime, as AWS's are.
    for (let i = 0; i < 2; i++) {
      const r = await invoke(s.client, 'trace-paths');
      const frames: string[] = r.json.trace.slice(1);
      assert.match(frames[0]!, /^ {4}at exports\.handler \(\/var\/task\/index\.js:1:\d+\)$/);
      assert.ok(frames.some((f) => f.includes('/var/runtime/')), frames.join('\n'));
      for (const f of frames) assert.match(f, /\((\/var\/(task|runtime)\/|node:)|at (\/var\/(task|runtime)\/|node:)/, f);
      assert.ok(!r.text.includes(process.cwd()), 'no host path in the answer');
    }
  });

  it('reports import failures as Runtime.ImportModuleError / HandlerNotFound / UserCodeSyntaxError', async () => {
    await deploy(s.client, 'no-module', { 'other.js': '' });
    const a = await invoke(s.client, 'no-module');
    assert.equal(a.error, 'Unhandled');
    assert.equal(a.json.errorType, 'Runtime.ImportModuleError');
    await deploy(s.client, 'no-export', { 'index.js': 'exports.other = 1;' });
    const b = await invoke(s.client, 'no-export');
    assert.equal(b.json.errorType, 'Runtime.HandlerNotFound');
    assert.equal(b.json.errorMessage, 'index.handler is undefined or not exported');
    await deploy(s.client, 'syntax', { 'index.js': 'exports.handler = async () => {' });
    const c = await invoke(s.client, 'syntax');
    assert.equal(c.json.errorType, 'Runtime.UserCodeSyntaxError');
  });
});

describe('environments', () => {
  it('runs init once across warm invocations and reports Init Duration only on the cold one', async () => {
    await deploy(s.client, 'warm', { 'index.js': 'let n = 0; const started = Date.now();\nexports.handler = async () => ({ n: ++n, started });' });
    const a = await invoke(s.client, 'warm');
    const b = await invoke(s.client, 'warm');
    assert.equal(a.json.n, 1);
    assert.equal(b.json.n, 2);
    assert.equal(a.json.started, b.json.started);
    assert.match(a.log, /REPORT RequestId: [0-9a-f-]{36}\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: \d+ MB\tInit Duration: \d+\.\d\d ms\t/);
    assert.doesNotMatch(b.log, /Init Duration/);
  });

  it('gives concurrent invocations separate environments', async () => {
    await deploy(s.client, 'conc', { 'index.js': 'const id = Math.random();\nexports.handler = async () => { await new Promise((r) => setTimeout(r, 300)); return id; };' });
    const ids = await Promise.all([1, 2, 3].map(() => invoke(s.client, 'conc')));
    assert.equal(new Set(ids.map((r) => r.json)).size, 3);
  });

  it('keeps /tmp across invocations of one environment', async () => {
    await deploy(s.client, 'tmp', {
      'index.js': `const fs = require('fs'), os = require('os'), p = require('path');
        exports.handler = async () => { const f = p.join(os.tmpdir(), 'count'); const n = fs.existsSync(f) ? Number(fs.readFileSync(f, 'utf8')) : 0; fs.writeFileSync(f, String(n + 1)); return n + 1; };`,
    });
    assert.equal((await invoke(s.client, 'tmp')).json, 1);
    assert.equal((await invoke(s.client, 'tmp')).json, 2);
  });

  it('gives new invocations a new environment after a configuration change', async () => {
    await deploy(s.client, 'change', { 'index.js': 'const id = Math.random();\nexports.handler = async () => ({ id, v: process.env.VV });' });
    const a = await invoke(s.client, 'change');
    await s.client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'change', Environment: { Variables: { VV: 'two' } } }));
    await waitUntilFunctionUpdatedV2({ client: s.client, maxWaitTime: 5 }, { FunctionName: 'change' });
    const b = await invoke(s.client, 'change');
    assert.notEqual(a.json.id, b.json.id);
    assert.equal(b.json.v, 'two');
  });
});

describe('failures', () => {
  it('times out with Sandbox.Timedout, kills the environment, and cold-starts the next call', async () => {
    await deploy(s.client, 'slow', { 'index.js': 'exports.handler = async (e) => { if (e.wait) await new Promise(() => setInterval(() => {}, 1000)); return "ok"; };' }, { Timeout: 1 });
    const t0 = Date.now();
    const r = await invoke(s.client, 'slow', { wait: true });
    assert.ok(Date.now() - t0 < 3000);
    assert.equal(r.error, 'Unhandled');
    assert.equal(r.json.errorType, 'Sandbox.Timedout');
    assert.match(r.json.errorMessage, /^RequestId: [0-9a-f-]{36} Error: Task timed out after 1\.00 seconds$/);
    // The log line is AWS's (recording test_lambda_invoke_timed_out_environment_reuse): time, id, text.
    const id = r.out.$metadata.requestId!;
    const lines = r.log.trimEnd().split('\n');
    const at = lines.findIndex((l) => l.includes('Task timed out'));
    assert.match(lines[at]!, new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z ${id} Task timed out after 1\\.00 seconds$`));
    assert.equal(lines[at + 1], `END RequestId: ${id}`);
    assert.ok(lines.findIndex((l) => l.startsWith('START')) < at);
    const next = await invoke(s.client, 'slow', {});
    assert.equal(next.json, 'ok');
    assert.match(next.log, /Init Duration/);
  });

  it('reports a process that dies mid-invocation as Runtime.ExitError with its status', async () => {
    await deploy(s.client, 'exits', { 'index.js': 'exports.handler = async () => { process.exit(3); };' });
    const r = await invoke(s.client, 'exits');
    assert.equal(r.json.errorType, 'Runtime.ExitError');
    assert.match(r.json.errorMessage, /^RequestId: [0-9a-f-]{36} Error: Runtime exited with error: exit status 3$/);
    // Logged as AWS logs it: the message, then the type, each a line of its own.
    const lines = r.log.trimEnd().split('\n');
    assert.deepEqual(lines.slice(-4, -2), [r.json.errorMessage, 'Runtime.ExitError']);
  });

  it('reports a killed process with its signal, named as AWS names it (Go\'s names)', async () => {
    await deploy(s.client, 'killed', { 'index.js': 'exports.handler = async (e) => { if (e.abort) process.abort(); process.kill(process.pid, e.signal); };' });
    const cases = [[{ signal: 'SIGKILL' }, 'killed'], [{ signal: 'SIGSEGV' }, 'segmentation fault'], [{ signal: 'SIGTERM' }, 'terminated'], [{ abort: true }, 'aborted']] as const;
    for (const [event, name] of cases) {
      const r = await invoke(s.client, 'killed', event);
      assert.equal(r.json.errorType, 'Runtime.ExitError');
      assert.equal(r.json.errorMessage, `RequestId: ${r.out.$metadata.requestId} Error: Runtime exited with error: signal: ${name}`);
    }
  });

  it('a hanging function does not block other functions', async () => {
    await deploy(s.client, 'hang', { 'index.js': 'exports.handler = () => new Promise(() => { setInterval(() => {}, 1000); });' }, { Timeout: 2 });
    await deploy(s.client, 'quick', { 'index.js': 'exports.handler = async () => "quick";' });
    const hanging = invoke(s.client, 'hang');
    const t0 = Date.now();
    assert.equal((await invoke(s.client, 'quick')).json, 'quick');
    assert.ok(Date.now() - t0 < 1500);
    assert.equal((await hanging).json.errorType, 'Sandbox.Timedout');
  });
});

describe('payloads', () => {
  it('turns an empty body into {}', async () => {
    await deploy(s.client, 'echo', { 'index.js': 'exports.handler = async (e) => e;' });
    const r = await invoke(s.client, 'echo', '');
    assert.deepEqual(r.json, {});
  });

  it('refuses a body that is not JSON with AWS’s error', async () => {
    await assert.rejects(invoke(s.client, 'echo', 'not json'), (err: any) => {
      assert.equal(err.name, 'InvalidRequestContentException');
      assert.equal(err.$metadata.httpStatusCode, 400);
      assert.match(err.message, /^Could not parse request body into json: Could not parse payload into json: /);
      return true;
    });
  });

  it('refuses a request over 6 MB with 413', async () => {
    const big = JSON.stringify({ x: 'a'.repeat(6_291_456) });
    await assert.rejects(invoke(s.client, 'echo', big), (err: any) => {
      assert.equal(err.name, 'RequestEntityTooLargeException');
      assert.equal(err.$metadata.httpStatusCode, 413);
      assert.equal(err.message, 'Request must be smaller than 6291456 bytes for the InvokeFunction operation');
      return true;
    });
  });

  it('reports a response over 6 MB as Function.ResponseSizeTooLarge', async () => {
    await deploy(s.client, 'bigresp', { 'index.js': 'exports.handler = async () => "x".repeat(6_300_000);' });
    const r = await invoke(s.client, 'bigresp');
    assert.equal(r.error, 'Unhandled');
    assert.deepEqual(r.json, { errorMessage: 'Response payload size exceeded maximum allowed payload size (6291556 bytes).', errorType: 'Function.ResponseSizeTooLarge' });
  });

  it('accepts Event (202) and DryRun (204) invocations', async () => {
    const ev = await invoke(s.client, 'echo', {}, { InvocationType: 'Event' });
    assert.equal(ev.status, 202);
    const dry = await invoke(s.client, 'echo', {}, { InvocationType: 'DryRun' });
    assert.equal(dry.status, 204);
  });
});

describe('logs', () => {
  it('tails START, the function’s lines and END/REPORT for this invocation only', async () => {
    await deploy(s.client, 'logger', { 'index.js': 'exports.handler = async (e) => { console.log("hello", e.n); console.error("oops"); return 1; };' });
    const r = await invoke(s.client, 'logger', { n: 7 });
    const id = r.out.$metadata.requestId;
    const lines = r.log.trimEnd().split('\n');
    const start = lines.findIndex((l) => l.startsWith('START RequestId: '));
    assert.ok(start >= 0);
    const rid = /START RequestId: (\S+) Version: \$LATEST/.exec(lines[start]!)![1]!;
    assert.match(r.log, new RegExp(`\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\t${rid}\\tINFO\\thello 7`));
    assert.match(r.log, new RegExp(`\\t${rid}\\tERROR\\toops`));
    assert.ok(lines.includes(`END RequestId: ${rid}`));
    assert.ok(id);
  });
});

describe('more runtime behaviour', () => {
  it('writes JSON log lines when LoggingConfig.LogFormat is JSON, filtered by level', async () => {
    await deploy(s.client, 'jsonlog', { 'index.js': 'exports.handler = async () => { console.log("info line"); console.debug("debug line"); console.warn("warn line"); return 1; };' }, {
      LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'INFO' },
    });
    const r = await invoke(s.client, 'jsonlog');
    const records = r.log.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    const info = records.find((x) => x.message === 'info line');
    assert.ok(info, r.log);
    assert.equal(info.level, 'INFO');
    assert.match(info.requestId, /^[0-9a-f-]{36}$/);
    assert.match(info.timestamp, /^\d{4}-\d\d-\d\dT/);
    assert.ok(records.some((x) => x.message === 'warn line' && x.level === 'WARN'));
    assert.ok(!records.some((x) => x.message === 'debug line'), 'DEBUG is below the INFO level');
  });

  it('reports an unhandled rejection as Runtime.UnhandledPromiseRejection and restarts the environment', async () => {
    await deploy(s.client, 'rejects', { 'index.js': 'exports.handler = async () => { Promise.reject(new Error("floating")); await new Promise((r) => setTimeout(r, 50)); return "late"; };' });
    const r = await invoke(s.client, 'rejects');
    assert.equal(r.error, 'Unhandled');
    assert.equal(r.json.errorType, 'Runtime.UnhandledPromiseRejection');
    assert.match(r.json.errorMessage, /floating/);
  });

  it('attributes every line to its own invocation when many environments log at once', async () => {
    await deploy(s.client, 'chatty', { 'index.js': 'exports.handler = async (e) => { for (let i = 0; i < 20; i++) { console.log("tag", e.tag, i); await new Promise((r) => setImmediate(r)); } return e.tag; };' });
    const results = await Promise.all(['a', 'b', 'c', 'd'].map((tag) => invoke(s.client, 'chatty', { tag })));
    for (const r of results) {
      const lines = r.log.split('\n').filter((l) => l.includes('\tINFO\ttag '));
      assert.equal(lines.length, 20, r.log);
      assert.ok(lines.every((l) => l.endsWith(`tag ${r.json} ${l.split(' ').pop()}`) && l.includes(`tag ${r.json} `)));
    }
  });

  it('runs Event invocations in the background: their lines reach the log group', async () => {
    await deploy(s.client, 'async-ev', { 'index.js': 'exports.handler = async (e) => { console.log("event ran", e.mark); };' });
    const mark = `m${Date.now()}`;
    assert.equal((await invoke(s.client, 'async-ev', { mark }, { InvocationType: 'Event', LogType: 'None' })).status, 202);
    const { CloudWatchLogsClient, FilterLogEventsCommand } = await import('@aws-sdk/client-cloudwatch-logs');
    const logs = new CloudWatchLogsClient({ endpoint: s.url, region: 'us-east-1', credentials: s.platform.keys });
    let found = false;
    for (let i = 0; i < 50 && !found; i++) {
      const out = await logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/async-ev', filterPattern: mark }));
      found = (out.events ?? []).some((e) => e.message?.includes(`event ran ${mark}`));
      if (!found) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(found);
  });
});

/** The execution engine with the built-in Python runtime on the host's real interpreter. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { deploy, invoke } from './helpers/functions.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { streamInvoke } from './helpers/stream.js';

let s: TestServer;
let runtime: string;
before(async () => {
  s = await startTestServer();
  runtime = Object.keys(s.config.runtimes).find((r) => r.startsWith('python'))!;
  assert.ok(runtime, 'a python3 runtime is detected from /usr/bin/python3');
});

const py = (name: string, files: Record<string, string>, extra: Record<string, unknown> = {}) =>
  deploy(s.client, name, files, { Runtime: runtime, Handler: 'app.handler', ...extra });

describe('python runtime', () => {
  it('runs module.function with the event, the context and logging', async () => {
    await py('py-hello', {
      'app.py': `import logging, os
logger = logging.getLogger()
logger.setLevel(logging.INFO)
def handler(event, context):
    logger.info("hello %s", event.get("who"))
    print("printed line")
    return {"who": event.get("who"), "id": context.aws_request_id, "name": context.function_name,
            "memory": context.memory_limit_in_mb, "arn": context.invoked_function_arn,
            "remaining": context.get_remaining_time_in_millis(), "group": context.log_group_name,
            "version": context.function_version, "exec": os.environ.get("AWS_EXECUTION_ENV"), "cwd": os.getcwd(),
            "task": os.environ.get("LAMBDA_TASK_ROOT"),
            "env": {k: os.environ.get(k) for k in ("PATH", "LD_LIBRARY_PATH", "SHLVL", "PWD")}}
`,
    });
    const r = await invoke(s.client, 'py-hello', { who: 'ada' });
    assert.equal(r.error, undefined, r.text);
    const j = r.json;
    assert.equal(j.who, 'ada');
    assert.match(j.id, /^[0-9a-f-]{36}$/);
    assert.equal(j.name, 'py-hello');
    assert.equal(j.memory, '128');
    assert.equal(j.arn, 'arn:aws:lambda:us-east-1:000000000000:function:py-hello');
    assert.ok(j.remaining > 2000 && j.remaining <= 3000);
    assert.equal(j.group, '/aws/lambda/py-hello');
    assert.equal(j.version, '$LATEST');
    assert.equal(j.exec, `AWS_Lambda_${runtime}`);
    assert.equal(j.cwd, j.task);
    // AWS's values (recording test_introspection_invoke[python3.12]).
    assert.deepEqual(j.env, {
      PATH: '/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin',
      LD_LIBRARY_PATH: '/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib', SHLVL: '0', PWD: '/var/task',
    });
    assert.match(r.log, new RegExp(`\\[INFO\\]\\t\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\t${j.id}\\thello ada`));
    assert.match(r.log, /\nprinted line\n/);
    assert.match(r.log, /Init Duration/);
  });

  it('reads events and writes results as AWS\'s runtime does', async () => {
    await py('py-json', {
      'app.py': `def handler(event, context):
    if event.get("bad"):
        return {"x": object()}
    from decimal import Decimal
    return {"event": event, "cc": context.client_context.custom,
            "dec": Decimal("1.10"), "big": Decimal("12345678901234567890.5"), "nan": float("nan"),
            "raw": b"bytes", "text": "\u00e9\u2713"}
`,
    });
    const cc = Buffer.from(JSON.stringify({ custom: { k: 'v\u00e9' } })).toString('base64');
    const r = await invoke(s.client, 'py-json', { n: [1, 2.5, null, true], s: 'sp\u00e4ce \u2603' }, { ClientContext: cc });
    assert.equal(r.error, undefined, r.text);
    // Exact digits for Decimals, NaN as NaN, bytes as text, non-ASCII escaped as json.dumps does.
    assert.match(r.text, /"dec": 1\.10, "big": 12345678901234567890\.5, "nan": NaN, "raw": "bytes", "text": "\\u00e9\\u2713"/);
    assert.match(r.text, /^\{"event": \{"n": \[1, 2\.5, null, true\], "s": "sp\\u00e4ce \\u2603"\}, "cc": \{"k": "v\\u00e9"\}/);
    const bad = await invoke(s.client, 'py-json', { bad: true });
    assert.equal(bad.error, 'Unhandled');
    assert.equal(bad.json.errorType, 'Runtime.MarshalError');
    assert.equal(bad.json.errorMessage, 'Unable to marshal response: Object of type object is not JSON serializable');
  });

  it('resolves pkg/mod.fn handlers', async () => {
    await py('py-pkg', { 'pkg/__init__.py': '', 'pkg/mod.py': 'def fn(event, context):\n    return "from pkg"\n' }, { Handler: 'pkg/mod.fn' });
    assert.equal((await invoke(s.client, 'py-pkg')).json, 'from pkg');
  });

  it('reports exceptions as {errorMessage, errorType, requestId, stackTrace}', async () => {
    await py('py-raise', { 'app.py': 'def handler(event, context):\n    raise ValueError("boom")\n' });
    const r = await invoke(s.client, 'py-raise');
    assert.equal(r.error, 'Unhandled');
    assert.equal(r.json.errorType, 'ValueError');
    assert.equal(r.json.errorMessage, 'boom');
    assert.match(r.json.requestId, /^[0-9a-f-]{36}$/);
    assert.ok(Array.isArray(r.json.stackTrace) && r.json.stackTrace.some((l: string) => l.includes('app.py')));
  });

  it('reports import failures as AWS does', async () => {
    await py('py-missing', { 'other.py': '' });
    const a = await invoke(s.client, 'py-missing');
    assert.equal(a.json.errorType, 'Runtime.ImportModuleError');
    assert.match(a.json.errorMessage, /^Unable to import module 'app': /);
    await py('py-nofn', { 'app.py': 'x = 1\n' });
    const b = await invoke(s.client, 'py-nofn');
    assert.equal(b.json.errorType, 'Runtime.HandlerNotFound');
    assert.equal(b.json.errorMessage, "Handler 'handler' missing on module 'app'");
    await py('py-syntax', { 'app.py': 'def handler(:\n' });
    const c = await invoke(s.client, 'py-syntax');
    assert.equal(c.json.errorType, 'Runtime.UserCodeSyntaxError');
  });

  it('keeps module state across warm invocations', async () => {
    await py('py-warm', { 'app.py': 'count = 0\ndef handler(event, context):\n    global count\n    count += 1\n    return count\n' });
    assert.equal((await invoke(s.client, 'py-warm')).json, 1);
    const second = await invoke(s.client, 'py-warm');
    assert.equal(second.json, 2);
    assert.doesNotMatch(second.log, /Init Duration/);
  });

  it('runs a precompiled copy of the runtime client, seen where the source is, with its frames kept out of stack traces', async () => {
    await py('py-pyc', {
      'app.py': `import os, sys
def handler(event, context):
    if event.get("fail"):
        raise KeyError("k")
    rt = os.environ["LAMBDA_RUNTIME_DIR"]
    return {"argv0": sys.argv[0], "rt": rt, "files": sorted(os.listdir(rt)), "path0": sys.path[0], "task": os.environ["LAMBDA_TASK_ROOT"]}
`,
    });
    const j = (await invoke(s.client, 'py-pyc')).json;
    assert.equal(j.argv0, `${j.rt}/bootstrap.pyc`);
    assert.deepEqual(j.files, ['bootstrap.py', 'bootstrap.pyc']);
    // The runtime's own directory is not on the function's import path (as with the source).
    assert.equal(j.path0, j.task);
    const e = await invoke(s.client, 'py-pyc', { fail: true });
    assert.equal(e.json.errorType, 'KeyError');
    assert.ok(e.json.stackTrace.length > 0 && e.json.stackTrace.every((l: string) => !l.includes('bootstrap')), JSON.stringify(e.json.stackTrace));
  });

  it('answers InvokeWithResponseStream buffered, as AWS does for Python (no streaming handler there)', async () => {
    await py('py-stream', { 'app.py': 'def handler(event, context):\n    return {"n": event["n"]}\n' });
    const r = await streamInvoke(s.client, 'py-stream', { n: 3 });
    assert.equal(r.out.ResponseStreamContentType, 'application/json');
    assert.deepEqual(r.chunks.map((c) => JSON.parse(c.text)), [{ n: 3 }]);
    assert.equal(r.complete!.ErrorCode, undefined);
  });
});

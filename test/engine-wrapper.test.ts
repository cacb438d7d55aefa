/**
 * AWS_LAMBDA_EXEC_WRAPPER: the managed runtimes start through the wrapper script it names, with
 * their own command line as its arguments (how OpenTelemetry and Datadog layers hook in); a
 * missing wrapper ends the runtime with exit status 127 (AWS recordings
 * test_runtime_wrapper_invoke[nodejs20.x|python3.12], test_lambda_runtime_wrapper_not_found).
 */
import { PublishLayerVersionCommand } from '@aws-sdk/client-lambda';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { deploy, invoke } from './helpers/functions.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { makeZip } from './helpers/zip.js';

// As the recording's wrapper: set a variable, then exec the runtime's command line.
const WRAPPER = { content: '#!/bin/bash\nexport WRAPPER_VAR=set-by-wrapper\nexport WRAPPER_ARG1="$1"\nexec "$@"\n', mode: 0o100755 };

const NODE = { 'index.js': 'exports.handler = async () => ({ v: process.env.WRAPPER_VAR, arg1: process.env.WRAPPER_ARG1, fd: process.env._STRATUS_RUNTIME_FD ?? null });\n' };
const PYTHON = {
  'app.py': 'import os\ndef handler(event, context):\n    return {"v": os.environ.get("WRAPPER_VAR"), "arg1": os.environ.get("WRAPPER_ARG1"), "fd": os.environ.get("_STRATUS_RUNTIME_FD")}\n',
};

let s: TestServer;
let python: string;
before(async () => {
  // Stem cells on (the default): a function with a wrapper must not be given a cell's runtime.
  s = await startTestServer();
  python = Object.keys(s.config.runtimes).find((r) => r.startsWith('python'))!;
});

const fn = (runtime: 'node' | 'python') =>
  runtime === 'node' ? { files: NODE, extra: {} } : { files: PYTHON, extra: { Runtime: python, Handler: 'app.handler' } };

describe('AWS_LAMBDA_EXEC_WRAPPER', () => {
  for (const runtime of ['node', 'python'] as const) {
    it(`${runtime}: the runtime starts through the wrapper in the package, cold and warm`, async () => {
      const { files, extra } = fn(runtime);
      const name = `wrapped-${runtime}`;
      // A cold start of a plain function of this runtime first, so that a stem cell is ready when
      // the wrapped function cold-starts (and would be used, were it allowed to).
      await deploy(s.client, `plain-${runtime}`, files, extra);
      assert.equal((await invoke(s.client, `plain-${runtime}`)).error, undefined);
      await new Promise((r) => setTimeout(r, 500));
      await deploy(s.client, name, { ...files, environment_wrapper: WRAPPER }, { ...extra, Environment: { Variables: { AWS_LAMBDA_EXEC_WRAPPER: '/var/task/environment_wrapper' } } });
      for (const start of ['cold', 'warm']) {
        const r = await invoke(s.client, name);
        assert.equal(r.error, undefined, r.text);
        assert.equal(/Init Duration/.test(r.log), start === 'cold');
        assert.equal(r.json.v, 'set-by-wrapper');
        assert.match(r.json.arg1, runtime === 'node' ? /node/ : /python/, 'the wrapper receives the runtime’s command line');
        assert.equal(r.json.fd, null);
      }
    });

    it(`${runtime}: a missing wrapper is Runtime.ExitError with exit status 127`, async () => {
      const { files, extra } = fn(runtime);
      const name = `no-wrapper-${runtime}`;
      await deploy(s.client, name, files, { ...extra, Environment: { Variables: { AWS_LAMBDA_EXEC_WRAPPER: '/idontexist.sh' } } });
      const r = await invoke(s.client, name);
      assert.equal(r.error, 'Unhandled');
      assert.deepEqual(r.json, { errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${r.out.$metadata.requestId} Error: Runtime exited with error: exit status 127` });
      assert.match(r.log, /^\/idontexist\.sh: does not exist$/m);
    });
  }

  it('a wrapper that is not executable is Runtime.ExitError with exit status 126', async () => {
    await deploy(s.client, 'wrapper-not-exec', { ...NODE, w: '#!/bin/sh\nexec "$@"\n' }, { Environment: { Variables: { AWS_LAMBDA_EXEC_WRAPPER: '/var/task/w' } } });
    const r = await invoke(s.client, 'wrapper-not-exec');
    assert.equal(r.json.errorType, 'Runtime.ExitError');
    assert.match(r.json.errorMessage, /Error: Runtime exited with error: exit status 126$/);
    assert.match(r.log, /^\/var\/task\/w: is not an executable$/m);
  });

  it('a wrapper from a layer (/opt), as tracing layers ship theirs', async () => {
    const layer = await s.client.send(new PublishLayerVersionCommand({ LayerName: 'tracer', Content: { ZipFile: await makeZip({ 'otel-handler': WRAPPER }) } }));
    await deploy(s.client, 'layer-wrapped', NODE, { Layers: [layer.LayerVersionArn!], Environment: { Variables: { AWS_LAMBDA_EXEC_WRAPPER: '/opt/otel-handler' } } });
    const r = await invoke(s.client, 'layer-wrapped');
    assert.equal(r.error, undefined, r.text);
    assert.equal(r.json.v, 'set-by-wrapper');
  });
});

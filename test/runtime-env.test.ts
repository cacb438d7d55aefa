/**
 * The variables an environment starts with (src/environments/runtime-env.ts), against AWS's
 * recorded ones (LocalStack's AWS-validated recordings, test_introspection_invoke[<runtime>]).
 * The engine tests check them again from inside real environments.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FunctionConfig } from '../src/control/model.js';
import { buildEnvironment } from '../src/environments/runtime-env.js';

const config = (runtime: string): FunctionConfig => ({
  name: 'f', version: '$LATEST', runtime, handler: 'index.handler', role: '', description: '', timeout: 3, memorySize: 128, ephemeralStorage: 512,
  architectures: ['x86_64'], tracingMode: 'PassThrough', layers: [], logging: { logFormat: 'Text', logGroup: '/aws/lambda/f' }, codeSha256: '',
  codeSize: 0, revisionId: 'r', lastModified: 0, state: 'Active', passthrough: {},
});
const context = { region: 'us-east-1', runtimeApi: '127.0.0.1:9001', logStream: 's', taskRoot: '/var/task', runtimeDir: '/var/runtime', initType: 'on-demand' as const };
const kindOf = (runtime: string) => (runtime.startsWith('nodejs') ? 'nodejs' : runtime.startsWith('python') ? 'python' : 'provided');
const env = (runtime: string) => buildEnvironment(config(runtime), { kind: kindOf(runtime), interpreter: '/usr/bin/x' }, context);

describe('environment variables', () => {
  it('PATH and LD_LIBRARY_PATH name /var/lang first, except on the old custom runtimes, as AWS\'s', () => {
    for (const runtime of ['nodejs20.x', 'python3.12', 'provided.al2023']) {
      assert.equal(env(runtime).PATH, '/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin', runtime);
      assert.equal(env(runtime).LD_LIBRARY_PATH, '/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib', runtime);
    }
    assert.equal(env('provided.al2').PATH, '/usr/local/bin:/usr/bin/:/bin:/opt/bin');
    assert.equal(env('provided.al2').LD_LIBRARY_PATH, '/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib');
  });

  it('SHLVL 0 and PWD where AWS\'s bootstrap is a shell script (Node, Python), not for custom runtimes', () => {
    for (const runtime of ['nodejs20.x', 'python3.12']) assert.deepEqual([env(runtime).SHLVL, env(runtime).PWD], ['0', '/var/task'], runtime);
    assert.deepEqual([env('provided.al2023').SHLVL, env('provided.al2023').PWD], [undefined, undefined]);
  });

  it('LC_CTYPE C.UTF-8 from python3.12 on, as AWS\'s newer images set it', () => {
    for (const runtime of ['python3.12', 'python3.13', 'python3.14']) assert.equal(env(runtime).LC_CTYPE, 'C.UTF-8', runtime);
    for (const runtime of ['python3.9', 'python3.11', 'nodejs20.x']) assert.equal(env(runtime).LC_CTYPE, undefined, runtime);
  });
});

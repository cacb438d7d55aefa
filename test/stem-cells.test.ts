/**
 * Stem cells: cold starts take a pre-started, sandboxed, loaded runtime and specialise it. The
 * function must not be able to tell, except by the time it took: its code, variables, /tmp and
 * identity are its own, nothing of the cell's start or of another function shows.
 */
import { CreateAliasCommand, CreateFunctionCommand, waitUntilFunctionActiveV2, type Runtime } from '@aws-sdk/client-lambda';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { invoke, ROLE } from './helpers/functions.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { makeZip, type Files } from './helpers/zip.js';

async function create(s: TestServer, name: string, runtime: string, files: Files, env: Record<string, string>, publish = false): Promise<number> {
  await s.client.send(
    new CreateFunctionCommand({
      FunctionName: name, Role: ROLE, Runtime: runtime as Runtime, Handler: runtime.startsWith('python') ? 'app.handler' : 'index.handler',
      Code: { ZipFile: await makeZip(files) }, Environment: { Variables: env }, Publish: publish,
    }),
  );
  await waitUntilFunctionActiveV2({ client: s.client, maxWaitTime: 10 }, { FunctionName: name });
  return Date.now();
}

const NODE = {
  'index.js': `const fs = require('fs');
fs.writeFileSync('/tmp/left-by-' + process.env.AWS_LAMBDA_FUNCTION_NAME, 'x');
exports.handler = async () => ({
  name: process.env.AWS_LAMBDA_FUNCTION_NAME, mine: process.env.MINE, stem: process.env.STRATUS_STEM_CELL ?? null,
  keys: Object.keys(process.env).sort(), task: fs.readdirSync('/var/task').sort(), tmp: fs.readdirSync('/tmp').sort(),
  cwd: process.cwd(), helper: require('helper'), uptimeMs: Math.round(process.uptime() * 1000),
  net: process.moduleLoadList.includes('NativeModule net'),
});\n`,
  // Found through NODE_PATH (which includes /var/task), read again when the cell was specialised.
  'helper.js': 'module.exports = "found through NODE_PATH";\n',
};

const PYTHON = {
  'app.py': `import os
open('/tmp/left-by-' + os.environ['AWS_LAMBDA_FUNCTION_NAME'], 'w').write('x')
def handler(event, context):
    return {'name': os.environ['AWS_LAMBDA_FUNCTION_NAME'], 'mine': os.environ.get('MINE'), 'stem': os.environ.get('STRATUS_STEM_CELL'),
            'task': sorted(os.listdir('/var/task')), 'tmp': sorted(os.listdir('/tmp')), 'cwd': os.getcwd(),
            'uptimeMs': uptime_ms()}

def uptime_ms():
    # Since this process started: /proc/uptime minus the start time in /proc/self/stat (field 22).
    start = int(open('/proc/self/stat').read().rsplit(')', 1)[1].split()[19]) / os.sysconf('SC_CLK_TCK')
    return round((float(open('/proc/uptime').read().split()[0]) - start) * 1000)
`,
};

/**
 * Cold-start functions of one runtime until one is served by a cell started before it existed.
 * With a qualifier, each function is published as version 1 (and given an alias `live` → 1)
 * and invoked with that qualifier.
 */
async function specialisedRun(s: TestServer, runtime: string, files: Files, qualifier?: string, prefix = '') {
  for (let i = 0; i < 8; i++) {
    const name = `${prefix}${runtime.replace(/\W/g, '')}-${i}`;
    const created = await create(s, name, runtime, files, { MINE: name }, qualifier !== undefined);
    if (qualifier === 'live') await s.client.send(new CreateAliasCommand({ FunctionName: name, Name: 'live', FunctionVersion: '1' }));
    const r = await invoke(s.client, name, {}, { Qualifier: qualifier });
    assert.equal(r.error, undefined, r.text);
    // A process older than the function was started before anyone knew the function: a stem cell.
    if (r.json.uptimeMs > Date.now() - created + 50) return { name, r };
    await new Promise((res) => setTimeout(res, 300)); // let a cell start for the next one
  }
  assert.fail('no cold start was served by a stem cell');
}

describe('stem cells', () => {
  it('Node: the specialised cell has its own code, variables, /tmp and identity, and reports a cold start', async () => {
    const s = await startTestServer();
    const { name, r } = await specialisedRun(s, 'nodejs20.x', NODE);
    const j = r.json;
    assert.equal(j.name, name);
    assert.equal(j.mine, name);
    assert.equal(j.stem, null, 'the cell’s own variables are gone');
    assert.ok(!j.keys.includes('STRATUS_STEM_CELL'));
    assert.ok(!j.keys.includes('_STRATUS_RUNTIME_FD'), 'the runtime channel is not the function’s business');
    assert.deepEqual(j.task, ['helper.js', 'index.js']);
    assert.deepEqual(j.tmp, [`left-by-${name}`], 'a /tmp of its own: nothing another function wrote');
    assert.equal(j.cwd, '/var/task');
    assert.equal(j.helper, 'found through NODE_PATH');
    assert.match(r.log, /Init Duration: [\d.]+ ms/);
    assert.equal(j.net, false, 'the cell waited for its function in read(2), with no socket');
    const warm = await invoke(s.client, name);
    assert.doesNotMatch(warm.log, /Init Duration/);
    assert.equal(warm.json.net, false);
  });

  it('Python: the same', async () => {
    const s = await startTestServer();
    const python = Object.keys(s.config.runtimes).find((id) => id.startsWith('python'));
    assert.ok(python, 'this host has a python3');
    const { name, r } = await specialisedRun(s, python, PYTHON);
    assert.deepEqual([r.json.name, r.json.mine, r.json.stem, r.json.cwd], [name, name, null, '/var/task']);
    assert.deepEqual(r.json.task, ['app.py']);
    assert.deepEqual(r.json.tmp, [`left-by-${name}`]);
    assert.match(r.log, /Init Duration/);
  });

  it('over the HTTP Runtime API (--runtime-channel off) cells wait and are specialised the same way', async () => {
    const s = await startTestServer({ 'runtime-channel': 'off' });
    const python = Object.keys(s.config.runtimes).find((id) => id.startsWith('python'))!;
    for (const [runtime, files] of [['nodejs20.x', NODE], [python, PYTHON]] as const) {
      const { name, r } = await specialisedRun(s, runtime, files);
      assert.deepEqual([r.json.name, r.json.mine, r.json.stem, r.json.cwd], [name, name, null, '/var/task']);
      assert.match(r.log, /Init Duration/);
      assert.doesNotMatch((await invoke(s.client, name)).log, /Init Duration/);
    }
  });

  it('a published version or an alias run in a cell log their version on START, as on AWS', async () => {
    const s = await startTestServer();
    const python = Object.keys(s.config.runtimes).find((id) => id.startsWith('python'))!;
    // AWS (recording test_invocation_with_qualifier): "START RequestId: <id> Version: 1".
    for (const [runtime, files] of [['nodejs20.x', NODE], [python, PYTHON]] as const) {
      for (const qualifier of ['1', 'live']) {
        const { r } = await specialisedRun(s, runtime, files, qualifier, `q${qualifier}-`);
        assert.equal(r.out.ExecutedVersion, '1');
        assert.match(r.log, /^START RequestId: [\w-]+ Version: 1$/m, r.log);
        assert.doesNotMatch(r.log, /\$LATEST/);
      }
    }
  });

  it('with --stem-cells off every cold start spawns a new process', async () => {
    const s = await startTestServer({ 'stem-cells': 'off' });
    for (let i = 0; i < 3; i++) {
      const created = await create(s, `off-${i}`, 'nodejs20.x', NODE, { MINE: 'x' });
      const r = await invoke(s.client, `off-${i}`);
      assert.ok(r.json.uptimeMs <= Date.now() - created + 50, `process started after the function was created (${r.json.uptimeMs} ms)`);
    }
  });
});

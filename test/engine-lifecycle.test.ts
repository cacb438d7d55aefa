/** Environment keep-alive: idle environments stop after --idle-timeout; the next call cold-starts. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { deploy, invoke } from './helpers/functions.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let s: TestServer;
before(async () => {
  s = await startTestServer({ 'idle-timeout': '1' });
});

describe('keep-alive', () => {
  it('reuses a warm environment within the keep-alive and stops it after', async () => {
    // The log stream names the environment (pids are namespaced in the sandbox).
    await deploy(s.client, 'idle', { 'index.js': 'exports.handler = async () => process.env.AWS_LAMBDA_LOG_STREAM_NAME;' });
    const a = await invoke(s.client, 'idle');
    const b = await invoke(s.client, 'idle');
    assert.equal(a.json, b.json);
    assert.doesNotMatch(b.log, /Init Duration/);
    await new Promise((r) => setTimeout(r, 2500));
    const c = await invoke(s.client, 'idle');
    assert.notEqual(c.json, a.json);
    assert.match(c.log, /Init Duration/);
  });
});

describe('--sandbox none', () => {
  it('marks every environment as unsandboxed in its log', async () => {
    const open = await startTestServer({ sandbox: 'none' });
    await deploy(open.client, 'plain', { 'index.js': 'exports.handler = async () => process.cwd();' });
    const r = await invoke(open.client, 'plain');
    assert.match(r.log, /WARNING: this environment is not sandboxed \(the server runs with --sandbox none\)/);
    assert.notEqual(r.json, '/var/task');
  });
});

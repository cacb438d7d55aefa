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

const BOOT = `#!/bin/sh
API="http://\${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
while true; do
  H="$(mktemp)"; curl -sS -D "$H" -o /dev/null "$API/invocation/next"
  ID="$(grep -i '^lambda-runtime-aws-request-id:' "$H" | tr -d '[:space:]' | cut -d: -f2)"
  curl -sS -X POST "$API/invocation/$ID/response" -d '"sh"' -o /dev/null
done
`;

describe('--sandbox none', () => {
  it('marks every environment as unsandboxed in its log', async () => {
    const open = await startTestServer({ sandbox: 'none' });
    await deploy(open.client, 'plain', { 'index.js': 'exports.handler = async () => process.cwd();' });
    const r = await invoke(open.client, 'plain');
    assert.equal(r.error, undefined, r.text);
    assert.match(r.log, /WARNING: this environment is not sandboxed \(the server runs with --sandbox none\)/);
    // Without a sandbox the code runs where it is unpacked, not at /var/task.
    assert.ok(r.json.startsWith(open.dataDir), r.json);
    // Max Memory Used is the runtime process's own peak, cold and warm (its status file read again).
    for (const out of [r, await invoke(open.client, 'plain')]) {
      const used = Number(/Max Memory Used: (\d+) MB/.exec(out.log)?.[1]);
      assert.ok(used > 10 && used < 128, out.log);
    }
    for (const [name, files, runtime, handler] of [
      ['plain-py', { 'app.py': 'import os\ndef handler(e, c):\n    return os.getcwd()\n' }, Object.keys(open.config.runtimes).find((k) => k.startsWith('python')), 'app.handler'],
      ['plain-sh', { bootstrap: { content: BOOT, mode: 0o100755 } }, 'provided.al2023', 'x'],
    ] as const) {
      await deploy(open.client, name, files as never, { Runtime: runtime, Handler: handler });
      const out = await invoke(open.client, name);
      assert.equal(out.error, undefined, `${name}: ${out.text}`);
    }
  });
});

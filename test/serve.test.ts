/** `stratus serve` as a process: what it prints, /health, clean shutdown, crash leftovers swept. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { STRATUS } from './helpers/cli.js';
import { tempDir } from './helpers/server.js';

function serve(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [STRATUS, 'serve', ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const ready = new Promise<string>((resolve, reject) => {
    const check = () => {
      const m = /listening on (http:\/\/[\d.:]+)/.exec(out);
      if (m) resolve(m[1]!);
    };
    child.stdout.on('data', check);
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
  });
  // A start that is expected to fail never becomes ready: do not let that surface as unhandled.
  ready.catch(() => undefined);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, ready, exited, output: () => out };
}

describe('stratus serve', () => {
  it('prints where it listens, the generated keys once, answers /health, and stops cleanly on SIGTERM', async () => {
    const dataDir = tempDir();
    const s = serve(['--port', '0', '--data-dir', dataDir]);
    const url = await s.ready;
    const res = await fetch(`${url}/health`);
    assert.equal(res.status, 200);
    const out = s.output();
    assert.match(out, /Generated root credentials \(saved to .*credentials, mode 0600; shown only this once\):\n  aws_access_key_id     = AKIA[A-Z2-7]{16}\n  aws_secret_access_key = \S+/);
    assert.match(out, /new LambdaClient\(\{ endpoint: "http:\/\/127\.0\.0\.1:\d+"/);
    assert.match(out, /aws lambda list-functions --endpoint-url http:\/\/127\.0\.0\.1:\d+/);
    s.child.kill('SIGTERM');
    assert.equal(await s.exited, 0);
    assert.match(s.output(), /SIGTERM received: stopping[\s\S]*Stratus stopped\./);
    assert.equal(existsSync(join(dataDir, 'server.lock')), false);

    // Second start: the keys are not printed again, and a lock left by a dead process is taken over.
    writeFileSync(join(dataDir, 'server.lock'), JSON.stringify({ pid: 999_999_999 }));
    const again = serve(['--port', '0', '--data-dir', dataDir]);
    await again.ready;
    assert.doesNotMatch(again.output(), /Generated root credentials/);
    again.child.kill('SIGINT');
    assert.equal(await again.exited, 0);
  });

  it('warns loudly when authentication is off', async () => {
    const s = serve(['--port', '0', '--data-dir', tempDir(), '--auth', 'off']);
    await s.ready;
    assert.match(s.output(), /WARNING: authentication is OFF/);
    s.child.kill('SIGTERM');
    await s.exited;
  });

  it('says loudly when functions are not sandboxed (--sandbox none), and names the sandbox otherwise', async () => {
    const none = serve(['--port', '0', '--data-dir', tempDir(), '--sandbox', 'none']);
    await none.ready;
    assert.match(none.output(), /Sandbox: none: functions run as plain processes/);
    assert.match(none.output(), /WARNING: functions are NOT sandboxed \(--sandbox none\)/);
    none.child.kill('SIGTERM');
    await none.exited;
    const real = serve(['--port', '0', '--data-dir', tempDir()]);
    await real.ready;
    assert.match(real.output(), /Sandbox: bubblewrap \(pid, mount, ipc, uts namespaces; a uid per environment, no capabilities\) \+ cgroup v[12]/);
    real.child.kill('SIGTERM');
    await real.exited;
  });

  it('takes its settings from STRATUS_* variables, and refuses bad ones with a clear message', async () => {
    const dataDir = tempDir();
    const s = serve([], { STRATUS_PORT: '0', STRATUS_DATA_DIR: dataDir, STRATUS_REGION: 'eu-west-2' });
    await s.ready;
    assert.match(s.output(), /region eu-west-2/);
    s.child.kill('SIGTERM');
    await s.exited;
    const bad = serve(['--port', '99999', '--data-dir', tempDir()]);
    assert.equal(await bad.exited, 2);
    assert.match(bad.output(), /✘ invalid arguments\n  port must be an integer from 0 to 65535, got '99999'/);
  });

  it('sweeps half-written code packages left by a crash', async () => {
    const dataDir = tempDir();
    mkdirSync(join(dataDir, 'code', 'abc.tmp-123456'), { recursive: true });
    writeFileSync(join(dataDir, 'code', 'def.zip.tmp-99'), 'partial');
    const s = serve(['--port', '0', '--data-dir', dataDir]);
    await s.ready;
    assert.equal(existsSync(join(dataDir, 'code', 'abc.tmp-123456')), false);
    assert.equal(existsSync(join(dataDir, 'code', 'def.zip.tmp-99')), false);
    s.child.kill('SIGTERM');
    await s.exited;
  });
});

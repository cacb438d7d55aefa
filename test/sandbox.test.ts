/**
 * Hostile functions against the bubblewrap sandbox. After each attack the platform still serves a
 * canary function, and at the end the host is clean: no processes, cgroups or temp dirs left.
 */
import { DeleteFunctionCommand } from '@aws-sdk/client-lambda';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { UID_BASE, UID_COUNT } from '../src/sandbox/bwrap.js';
import { deploy, invoke } from './helpers/functions.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let s: TestServer;
const tmpBefore = new Set(readdirSync('/tmp'));
before(async () => {
  s = await startTestServer();
  assert.ok(s.platform.sandboxed, `these tests need the real sandbox: ${s.platform.sandbox}`);
  await deploy(s.client, 'canary', { 'index.js': 'exports.handler = async (e) => ({ ok: true, e });' });
});

/** The platform still answers other functions correctly. */
async function canaryServes(): Promise<void> {
  const r = await invoke(s.client, 'canary', { n: 1 });
  assert.equal(r.error, undefined, r.text);
  assert.deepEqual(r.json, { ok: true, e: { n: 1 } });
}

/**
 * Processes running as any sandbox uid; with `cgroup`, only those in that server's cgroups (other
 * servers, e.g. other test files running at the same time, have sandboxes of their own).
 */
function sandboxProcesses(cgroup?: string): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const uid = Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
      if (cgroup && !readFileSync(`/proc/${pid}/cgroup`, 'utf8').includes(cgroup)) continue;
      if (uid >= UID_BASE && uid < UID_BASE + UID_COUNT) out.push(`${pid} (uid ${uid}): ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')}`);
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

const fn = (code: string) => ({ 'index.js': code });

describe('file system', () => {
  it('sees only its own code: not other functions, the data dir, the credentials, the host’s homes', async () => {
    await deploy(s.client, 'secret-holder', { 'index.js': 'exports.handler = async () => 1;', 'secret.txt': 'TOP SECRET' });
    await deploy(s.client, 'snoop', fn(`const fs = require('fs');
      const tryRead = (p) => { try { return fs.readFileSync(p, 'utf8'); } catch (e) { return e.code; } };
      const tryList = (p) => { try { return fs.readdirSync(p); } catch (e) { return e.code; } };
      exports.handler = async (e) => ({ root: tryList('/'), task: tryList('/var/task'), creds: tryRead(e.dataDir + '/credentials'),
        code: tryList(e.dataDir + '/code'), db: tryRead(e.dataDir + '/stratus.db'), home: tryList('/home'), rootHome: tryList('/root'),
        work: tryList('/work'), shadow: tryRead('/etc/shadow'), etc: tryList('/etc'), resolv: tryRead('/etc/resolv.conf'),
        certs: tryList('/etc/ssl/certs').length > 0, me: tryRead('/etc/passwd').includes('sbx_user') });`));
    const r = await invoke(s.client, 'snoop', { dataDir: s.dataDir });
    const j = r.json;
    assert.deepEqual(j.task, ['index.js']);
    assert.equal(j.creds, 'ENOENT');
    assert.equal(j.code, 'ENOENT');
    assert.equal(j.db, 'ENOENT');
    assert.equal(j.home, 'ENOENT');
    assert.equal(j.rootHome, 'ENOENT');
    assert.equal(j.work, 'ENOENT');
    assert.equal(j.shadow, 'ENOENT');
    assert.ok(!j.root.includes('root') && !j.root.includes('home') && !j.root.includes('work'), JSON.stringify(j.root));
    assert.ok(!j.etc.includes('shadow'));
    // The few host files a runtime needs, as the host has them now, and the generated users.
    for (const f of ['passwd', 'group', 'resolv.conf', 'hosts', 'ld.so.cache', 'ssl']) assert.ok(j.etc.includes(f), `${f} in ${JSON.stringify(j.etc)}`);
    assert.equal(j.resolv, readFileSync('/etc/resolv.conf', 'utf8'));
    assert.equal(j.certs, true);
    assert.equal(j.me, true);
    await canaryServes();
  });

  it('cannot write to /var/task or outside /tmp', async () => {
    await deploy(s.client, 'writer', fn(`const fs = require('fs');
      const tryWrite = (p) => { try { fs.writeFileSync(p, 'x'); return 'WROTE'; } catch (e) { return e.code; } };
      exports.handler = async () => ({ task: tryWrite('/var/task/x'), usr: tryWrite('/usr/x'), etc: tryWrite('/etc/passwd'), root: tryWrite('/x'), tmp: tryWrite('/tmp/x') });`));
    const j = (await invoke(s.client, 'writer')).json;
    assert.notEqual(j.task, 'WROTE');
    assert.notEqual(j.usr, 'WROTE');
    assert.notEqual(j.etc, 'WROTE');
    assert.notEqual(j.root, 'WROTE');
    assert.equal(j.tmp, 'WROTE');
  });

  it('cannot fill /tmp past EphemeralStorage', async () => {
    await deploy(s.client, 'filler', fn(`const fs = require('fs');
      exports.handler = async () => { const chunk = Buffer.alloc(16 << 20, 1); let n = 0;
        try { for (;;) { fs.appendFileSync('/tmp/fill', chunk); n++; if (n > 64) return 'NO LIMIT'; } } catch (e) { return { code: e.code, mb: n * 16 }; } };`), { MemorySize: 1024, EphemeralStorage: { Size: 512 }, Timeout: 30 });
    const j = (await invoke(s.client, 'filler')).json;
    assert.equal(j.code, 'ENOSPC');
    assert.ok(j.mb <= 512 && j.mb >= 400, `stopped at ${j.mb} MB`);
    await canaryServes();
  });
});

describe('resources', () => {
  it('is killed for allocating past MemorySize, reported as Runtime.OutOfMemory, with Max Memory Used from the cgroup', async () => {
    await deploy(s.client, 'hog', fn(`const keep = [];
      exports.handler = async () => { for (let i = 0; i < 100; i++) keep.push(Buffer.alloc(8 << 20, i)); return 'survived'; };`), { MemorySize: 128, Timeout: 20 });
    const r = await invoke(s.client, 'hog');
    assert.equal(r.error, 'Unhandled');
    assert.equal(r.json.errorType, 'Runtime.OutOfMemory');
    assert.match(r.json.errorMessage, /Runtime exited with error: signal: killed/);
    const used = Number(/Max Memory Used: (\d+) MB/.exec(r.log)?.[1]);
    assert.ok(used >= 120 && used <= 128, `Max Memory Used ${used}`);
    await canaryServes();
  });

  it('keeps a fork bomb inside its pids limit, and the timeout ends it', async () => {
    await deploy(s.client, 'forkbomb', fn(`const { spawn } = require('child_process');
      exports.handler = async () => { spawn('/bin/sh', ['-c', 'b() { b | b & }; b'], { stdio: 'ignore' }); await new Promise((r) => setTimeout(r, 60000)); };`), { Timeout: 3 });
    const r = await invoke(s.client, 'forkbomb');
    assert.equal(r.json.errorType, 'Sandbox.Timedout');
    await canaryServes();
  });

  it('spinning the CPU forever is ended by the timeout', async () => {
    await deploy(s.client, 'spin', fn('exports.handler = async () => { for (;;) {} };'), { Timeout: 1 });
    const t0 = Date.now();
    const r = await invoke(s.client, 'spin');
    assert.equal(r.json.errorType, 'Sandbox.Timedout');
    assert.ok(Date.now() - t0 < 4000);
    await canaryServes();
  });

  it('gets CPU in proportion to memory: 128 MB runs at a fraction of a core', async () => {
    const burn = `exports.handler = async () => { const t0 = process.cpuUsage(); const w = Date.now(); while (Date.now() - w < 600) {} const u = process.cpuUsage(t0); return (u.user + u.system) / 1000 / (Date.now() - w); };`;
    await deploy(s.client, 'cpu-small', fn(burn), { MemorySize: 128 });
    await deploy(s.client, 'cpu-big', fn(burn), { MemorySize: 1769 });
    const small = (await invoke(s.client, 'cpu-small')).json;
    const big = (await invoke(s.client, 'cpu-big')).json;
    // 128/1769 ≈ 7% of a core; 1769 MB ≈ a whole core (less when the machine is busy).
    assert.ok(small < 0.2, `128 MB got ${small} of a core`);
    assert.ok(big > small * 2, `1769 MB got ${big}, 128 MB got ${small}`);
  });
});

describe('processes', () => {
  it('kill -9 -1 reaches nothing outside its own environment', async () => {
    // kill(-1) signals every process the caller may signal except itself and its namespace's init:
    // in a sandbox of its own, under a uid of its own, there is none.
    await deploy(s.client, 'killall', fn("exports.handler = async () => { try { process.kill(-1, 'SIGKILL'); } catch (e) { return e.code; } await new Promise((r) => setTimeout(r, 500)); return 'alive'; };"));
    const r = await invoke(s.client, 'killall');
    assert.ok(r.json === 'ESRCH' || r.json === 'alive', r.text);
    await canaryServes();
  });

  it('runs as an unprivileged user without capabilities, in its own pid namespace', async () => {
    await deploy(s.client, 'whoami', fn(`const fs = require('fs');
      exports.handler = async () => ({ uid: process.getuid(), gid: process.getgid(), groups: process.getgroups(), ld: process.env.LD_LIBRARY_PATH, status: fs.readFileSync('/proc/self/status', 'utf8'), pids: fs.readdirSync('/proc').filter((p) => /^\\d+$/.test(p)).length, host: require('os').hostname() });`));
    const j = (await invoke(s.client, 'whoami')).json;
    assert.ok(j.uid >= UID_BASE && j.uid < UID_BASE + UID_COUNT);
    assert.equal(j.gid, 990);
    assert.deepEqual(j.groups, [990]);
    // Lambda's value reaches the function (bubblewrap sets it for the command, not for itself).
    assert.equal(j.ld, '/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib');
    assert.match(j.status, /CapEff:\s+0000000000000000/);
    assert.match(j.status, /CapBnd:\s+0000000000000000/);
    assert.match(j.status, /NoNewPrivs:\s+1/);
    assert.ok(j.pids <= 3, `sees ${j.pids} processes`);
    assert.match(j.host, /^169\.254\.\d+\.\d+$/);
  });

  it('cannot connect to another environment’s Runtime API to take its invocations', async () => {
    await deploy(s.client, 'victim', fn('exports.handler = async (e) => ({ api: process.env.AWS_LAMBDA_RUNTIME_API, got: e });'));
    const victim = await invoke(s.client, 'victim', { first: true });
    await deploy(s.client, 'thief', fn(`const http = require('http');
      exports.handler = async (e) => new Promise((resolve) => {
        const [host, port] = e.api.split(':');
        const req = http.get({ host, port, path: '/2018-06-01/runtime/invocation/next', timeout: 2000 }, (res) => resolve('GOT ' + res.statusCode));
        req.on('error', (err) => resolve('refused: ' + err.code));
        req.on('timeout', () => { req.destroy(); resolve('timeout'); });
      });`));
    const r = await invoke(s.client, 'thief', { api: victim.json.api });
    assert.match(r.json, /^refused: (ECONNRESET|ECONNREFUSED|EPIPE)/);
    const again = await invoke(s.client, 'victim', { second: true });
    assert.deepEqual(again.json.got, { second: true });
  });

  it('leaves no background process behind once its environment stops', async () => {
    await deploy(s.client, 'daemon', fn(`const { spawn } = require('child_process');
      exports.handler = async () => { const c = spawn('/bin/sh', ['-c', 'sleep 300'], { detached: true, stdio: 'ignore' }); c.unref(); return c.pid; };`));
    await invoke(s.client, 'daemon');
    assert.ok(sandboxProcesses().some((p) => p.includes('sleep 300')), 'the background process runs while its environment lives');
    await s.client.send(new DeleteFunctionCommand({ FunctionName: 'daemon' }));
    for (let i = 0; i < 50 && sandboxProcesses().some((p) => p.includes('sleep 300')); i++) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(sandboxProcesses().filter((p) => p.includes('sleep 300')), []);
    await canaryServes();
  });
});

describe('the host afterwards', () => {
  after(() => undefined);
  it('has no sandbox processes, cgroups or temp dirs left once the server stops', async () => {
    // This server's cgroup parent (one per data dir): every environment's cgroup is inside it.
    const name = `stratus-${createHash('sha256').update(join(s.dataDir, 'sandbox')).digest('hex').slice(0, 12)}`;
    assert.ok(sandboxProcesses(name).length > 0, 'the server has sandboxed processes while it runs');
    await s.platform.close();
    for (let i = 0; i < 100 && sandboxProcesses(name).length; i++) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(sandboxProcesses(name), []);
    // The cgroup parent is gone, and with it every environment's.
    const mine = readFileSync('/proc/self/cgroup', 'utf8').match(/memory:(\S+)/)?.[1] ?? '/';
    for (const dir of [join('/sys/fs/cgroup/memory', mine, name), join('/sys/fs/cgroup/cpu', name), join('/sys/fs/cgroup/pids', name), join('/sys/fs/cgroup', mine, name)]) {
      assert.equal(existsSync(dir), false, `${dir} is left behind`);
    }
    assert.deepEqual(readdirSync('/tmp').filter((d) => d.startsWith('stratus-env-') && !tmpBefore.has(d)), []);
  });
});

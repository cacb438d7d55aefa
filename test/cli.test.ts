/** The stratus CLI as a user runs it: a subprocess talking to a real server through the AWS SDK. */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { runCli } from './helpers/cli.js';
import { startTestServer, tempDir, type TestServer } from './helpers/server.js';

let s: TestServer;
let env: Record<string, string>;
let code: string;

before(async () => {
  s = await startTestServer();
  env = { STRATUS_ENDPOINT: s.url, STRATUS_DATA_DIR: s.dataDir };
  code = tempDir();
  writeFileSync(join(code, 'index.js'), 'exports.handler = async (e) => { console.log("cli-log-line", e.who); return { hi: e.who ?? "there" }; };\n');
  mkdirSync(join(code, 'lib'));
  writeFileSync(join(code, 'lib', 'util.js'), 'module.exports = 1;\n');
});

describe('stratus functions', () => {
  it('creates from a folder, lists, gets, updates and deletes', async () => {
    const created = await runCli(['functions', 'create', 'cli-fn', '--code', code, '--runtime', 'nodejs20.x', '--handler', 'index.handler', '--env', 'GREETING=hi'], env);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /^✔ created cli-fn \(nodejs20\.x, \d+ bytes, sha256 \S+\)/);

    const list = await runCli(['functions', 'list'], env);
    assert.equal(list.code, 0);
    assert.match(list.stdout, /^NAME\s+RUNTIME\s+MEMORY\s+TIMEOUT\s+CODE SIZE\s+LAST MODIFIED\ncli-fn\s+nodejs20\.x\s+128 MB\s+3 s/);

    const listJson = JSON.parse((await runCli(['functions', 'list', '--json'], env)).stdout);
    assert.equal(listJson[0].FunctionName, 'cli-fn');

    const upd = await runCli(['functions', 'update-config', 'cli-fn', '--memory', '256', '--timeout', '10', '--json'], env);
    assert.equal(upd.code, 0, upd.stderr);
    assert.equal(JSON.parse(upd.stdout).MemorySize, 256);

    const get = await runCli(['functions', 'get', 'cli-fn'], env);
    assert.equal(get.code, 0);
    assert.match(get.stdout, /Memory\s+256 MB/);
    assert.match(get.stdout, /Environment\s+\{"GREETING":"hi"\}/);

    writeFileSync(join(code, 'index.js'), 'exports.handler = async () => "v2";\n');
    const uc = await runCli(['functions', 'update-code', 'cli-fn', '--code', code], env);
    assert.equal(uc.code, 0, uc.stderr);

    const inv = await runCli(['invoke', 'cli-fn', '--payload', '{}'], env);
    assert.equal(inv.code, 0, inv.stderr);
    assert.equal(inv.stdout.trim(), '"v2"');

    const del = await runCli(['functions', 'delete', 'cli-fn'], env);
    assert.equal(del.code, 0);
    const gone = await runCli(['functions', 'get', 'cli-fn'], env);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /^✘ the server refused the request \(ResourceNotFoundException, HTTP 404\)\n  Function not found: arn:aws:lambda:us-east-1:000000000000:function:cli-fn\n  → check the function name with `stratus functions list`/);
  });

  it('explains a validation error and exits non-zero', async () => {
    const r = await runCli(['functions', 'create', 'cli-bad', '--code', code, '--runtime', 'nodejs20.x', '--handler', 'index.handler', '--timeout', '1000'], env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /ValidationException, HTTP 400\)\n  1 validation error detected: Value '1000' at 'timeout'/);
  });

  it('says how to fix a missing server', async () => {
    const r = await runCli(['functions', 'list'], { STRATUS_ENDPOINT: 'http://127.0.0.1:1', STRATUS_DATA_DIR: s.dataDir });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /could not reach the Stratus server[\s\S]*stratus serve/);
  });
});

describe('stratus invoke and logs', () => {
  it('prints the payload, the log tail with --log, and finds the lines with logs --filter', async () => {
    writeFileSync(join(code, 'index.js'), 'exports.handler = async (e) => { console.log("cli-log-line", e.who); return { hi: e.who }; };\n');
    assert.equal((await runCli(['functions', 'create', 'cli-logs', '--code', code, '--runtime', 'nodejs20.x', '--handler', 'index.handler'], env)).code, 0);
    const inv = await runCli(['invoke', 'cli-logs', '--payload', '{"who":"ada"}', '--log'], env);
    assert.equal(inv.code, 0, inv.stderr);
    assert.match(inv.stdout, /^\{"hi":"ada"\}\n\n--- log \(last 4 KB\) ---\n[\s\S]*INFO\tcli-log-line ada[\s\S]*REPORT RequestId/);

    const logs = await runCli(['logs', 'cli-logs', '--since', '5m', '--filter', 'cli-log-line'], env);
    assert.equal(logs.code, 0, logs.stderr);
    const lines = logs.stdout.trim().split('\n');
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /\tINFO\tcli-log-line ada$/);

    const all = await runCli(['logs', 'cli-logs', '--json'], env);
    const events = all.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.ok(events.some((e) => e.message.startsWith('START RequestId:')));
    assert.ok(events.every((e) => e.stream.includes('[$LATEST]')));
  });

  it('logs --follow prints new lines as they are written', async () => {
    const { spawn } = await import('node:child_process');
    const { STRATUS } = await import('./helpers/cli.js');
    const follower = spawn(process.execPath, [STRATUS, 'logs', 'cli-logs', '--follow', '--filter', 'followed'], { env: { PATH: process.env.PATH ?? '', ...env } });
    let out = '';
    follower.stdout.on('data', (d) => (out += d));
    await new Promise((r) => setTimeout(r, 700));
    assert.equal((await runCli(['invoke', 'cli-logs', '--payload', '{"who":"followed"}'], env)).code, 0);
    for (let i = 0; i < 40 && !out.includes('cli-log-line followed'); i++) await new Promise((r) => setTimeout(r, 100));
    follower.kill('SIGINT');
    assert.match(out, /\tINFO\tcli-log-line followed/);
  });

  it('exits 1 and says so when the function fails', async () => {
    writeFileSync(join(code, 'index.js'), 'exports.handler = async () => { throw new Error("nope"); };\n');
    assert.equal((await runCli(['functions', 'create', 'cli-fails', '--code', code, '--runtime', 'nodejs20.x', '--handler', 'index.handler'], env)).code, 0);
    const r = await runCli(['invoke', 'cli-fails'], env);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /"errorType":"Error","errorMessage":"nope"/);
    assert.match(r.stderr, /the function failed \(Unhandled\)/);
  });
});

describe('stratus <command> help', () => {
  it('prints the help: exit 2 without a subcommand, 0 with --help, needing no server or credentials', async () => {
    const none = { STRATUS_DATA_DIR: '/nonexistent-stratus-data' };
    for (const command of ['functions', 'layers', 'urls', 'permissions', 'versions', 'aliases', 'concurrency', 'provisioned', 'async-config', 'rules']) {
      const bare = await runCli([command], none);
      assert.equal(bare.code, 2, `${command}: ${bare.stderr}`);
      assert.match(bare.stdout, /^Usage/, command);
      const help = await runCli([command, 'list', '--help'], none);
      assert.equal(help.code, 0, `${command} list --help: ${help.stderr}`);
      assert.equal(help.stdout, bare.stdout, command);
    }
  });
});

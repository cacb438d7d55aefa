/** `stratus versions`, `stratus aliases`, `stratus deploy` and `stratus rollback` as a user runs them, against a real server. */
import { GetAliasCommand, InvokeCommand } from '@aws-sdk/client-lambda';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { runCli, STRATUS, type CliResult } from './helpers/cli.js';
import { startTestServer, tempDir, type TestServer } from './helpers/server.js';

let s: TestServer;
let env: Record<string, string>;

/** A code folder whose handler returns `tag`, or throws when `fails`. */
function codeDir(tag: string, fails = false): string {
  const dir = join(tempDir(), tag);
  mkdirSync(dir);
  writeFileSync(
    join(dir, 'index.js'),
    fails ? `exports.handler = async () => { throw new Error('broken ${tag}'); };\n` : `exports.handler = async () => ({ code: ${JSON.stringify(tag)} });\n`,
  );
  return dir;
}

before(async () => {
  s = await startTestServer();
  env = { STRATUS_ENDPOINT: s.url, STRATUS_DATA_DIR: s.dataDir };
});

/** Run the CLI while invoking `fn:alias` in a loop (the traffic a canary watches), until the CLI exits. */
async function whileInvoking(args: string[], fn: string, alias: string): Promise<{ cli: CliResult; seen: Set<string> }> {
  const child = spawn(process.execPath, [STRATUS, ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  let running = true;
  void exited.then(() => (running = false));
  const seen = new Set<string>();
  while (running) {
    const out = await s.client.send(new InvokeCommand({ FunctionName: fn, Qualifier: alias })).catch(() => undefined);
    if (out?.ExecutedVersion) seen.add(out.ExecutedVersion);
    await new Promise((r) => setTimeout(r, 20));
  }
  return { cli: { code: await exited, stdout, stderr }, seen };
}

describe('stratus versions and aliases', () => {
  it('publishes, lists, aliases with a weight, and deletes', async () => {
    const created = await runCli(['functions', 'create', 'cv', '--code', codeDir('A'), '--runtime', 'nodejs20.x', '--handler', 'index.handler'], env);
    assert.equal(created.code, 0, created.stderr);
    const v1 = await runCli(['versions', 'publish', 'cv', '--description', 'first'], env);
    assert.equal(v1.code, 0, v1.stderr);
    assert.match(v1.stdout, /^✔ cv version 1 \(sha256 \S+\)/);
    await runCli(['functions', 'update-code', 'cv', '--code', codeDir('B')], env);
    assert.equal(JSON.parse((await runCli(['versions', 'publish', 'cv', '--json'], env)).stdout).Version, '2');
    const list = await runCli(['versions', 'list', 'cv'], env);
    assert.match(list.stdout, /^VERSION\s+CODE SHA256\s+MEMORY\s+LAST MODIFIED\s+DESCRIPTION\n\$LATEST .*\n1 .*first\n2 /);

    const alias = await runCli(['aliases', 'create', 'cv', 'live', '--version', '1', '--weight', '2=0.25'], env);
    assert.equal(alias.code, 0, alias.stderr);
    assert.match(alias.stdout, /live → version 1 \(75%\) \+ version 2 \(25%\)/);
    const aliases = await runCli(['aliases', 'list', 'cv'], env);
    assert.match(aliases.stdout, /^ALIAS\s+ROUTES\s+DESCRIPTION\nlive\s+version 1 \(75%\) \+ version 2 \(25%\)/);
    const upd = await runCli(['aliases', 'update', 'cv', 'live', '--version', '2', '--no-weight', '--json'], env);
    assert.equal(JSON.parse(upd.stdout).FunctionVersion, '2');
    const bad = await runCli(['aliases', 'create', 'cv', '123', '--version', '1'], env);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /ValidationException/);
    const del = await runCli(['versions', 'delete', 'cv', '1'], env);
    assert.equal(del.code, 0, del.stderr);
    assert.equal((await runCli(['aliases', 'delete', 'cv', 'live'], env)).code, 0);
  });
});

describe('stratus deploy and rollback', () => {
  before(async () => {
    const created = await runCli(['functions', 'create', 'dep', '--code', codeDir('v0'), '--runtime', 'nodejs20.x', '--handler', 'index.handler'], env);
    assert.equal(created.code, 0, created.stderr);
  });

  it('first deploy publishes a version and creates the alias', async () => {
    const r = await runCli(['deploy', 'dep', '--code', codeDir('A'), '--alias', 'live'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /✔ published dep version 1/);
    assert.match(r.stdout, /✔ dep:live → version 1 \(new alias\)/);
    const again = await runCli(['deploy', 'dep', '--code', codeDir('A'), '--alias', 'live', '--json'], env);
    assert.equal(JSON.parse(again.stdout).result, 'unchanged', 'the same code publishes no new version');
  });

  it('shifts traffic in canary steps and promotes a healthy version', async () => {
    const { cli, seen } = await whileInvoking(['deploy', 'dep', '--code', codeDir('B'), '--alias', 'live', '--canary', '50%,100%', '--interval', '1500ms'], 'dep', 'live');
    assert.equal(cli.code, 0, cli.stdout + cli.stderr);
    assert.match(cli.stdout, /→ dep:live → version 1 \(50%\) \+ version 2 \(50%\)/);
    assert.match(cli.stdout, /watching version 2: \d+ invocations, 0 errors/);
    assert.match(cli.stdout, /✔ dep:live → version 2 \(was 1\)/);
    assert.ok(seen.has('1') && seen.has('2'), `both versions served during the canary: ${[...seen]}`);
    const alias = await s.client.send(new GetAliasCommand({ FunctionName: 'dep', Name: 'live' }));
    assert.equal(alias.FunctionVersion, '2');
    assert.equal(alias.RoutingConfig, undefined);
  });

  it('rolls back on its own when the new version’s errors rise', async () => {
    const { cli } = await whileInvoking(
      ['deploy', 'dep', '--code', codeDir('C', true), '--alias', 'live', '--canary', '50%,100%', '--interval', '20s', '--json'], 'dep', 'live',
    );
    assert.equal(cli.code, 1, cli.stdout + cli.stderr);
    const summary = JSON.parse(cli.stdout);
    assert.equal(summary.result, 'rolled-back');
    assert.deepEqual([summary.from, summary.to], ['2', '3']);
    assert.ok(summary.steps[0].errors > 0);
    const alias = await s.client.send(new GetAliasCommand({ FunctionName: 'dep', Name: 'live' }));
    assert.equal(alias.FunctionVersion, '2');
    assert.equal(alias.RoutingConfig, undefined);
  });

  it('rollback moves the alias back at once, and again undoes it', async () => {
    // After the failed deploy, the version before live's current one is the one it was rolled back from.
    const r = await runCli(['rollback', 'dep', '--alias', 'live', '--to', '1'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /✔ dep:live → version 1 \(was 2\)/);
    const undo = await runCli(['rollback', 'dep', '--alias', 'live', '--json'], env);
    assert.equal(undo.code, 0, undo.stderr);
    assert.deepEqual(JSON.parse(undo.stdout), { function: 'dep', alias: 'live', from: '1', to: '2', result: 'rolled-back' });
    const none = await runCli(['rollback', 'dep', '--alias', 'nope'], env);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no alias dep:nope/);
    const nofn = await runCli(['deploy', 'missing-fn', '--code', codeDir('D'), '--alias', 'live'], env);
    assert.equal(nofn.code, 1);
    assert.match(nofn.stderr, /create it first/);
  });
});

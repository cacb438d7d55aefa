/**
 * Nothing accepted is lost on a crash: events answered 202 by a `stratus serve` process that is
 * then killed with SIGKILL (no shutdown code runs) all run after a new server starts on the same
 * data directory.
 */
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { credentialsPath, readCredentialsFile } from '../src/gateway/credentials.js';
import { STRATUS } from './helpers/cli.js';
import { deploy } from './helpers/functions.js';
import { tempDir } from './helpers/server.js';

function serve(dataDir: string) {
  const child = spawn(process.execPath, [STRATUS, 'serve', '--port', '0', '--data-dir', dataDir, '--async-function-concurrency', '1'], {
    env: { PATH: process.env.PATH ?? '' },
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', () => {
      const m = /listening on (http:\/\/[\d.:]+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
  });
  ready.catch(() => undefined);
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return { child, ready, exited, output: () => out };
}

describe('crash durability', () => {
  it('every event acknowledged with 202 before a SIGKILL runs after the next start', async () => {
    const dataDir = tempDir();
    const first = serve(dataDir);
    const url = await first.ready;
    const keys = readCredentialsFile(credentialsPath(dataDir))!;
    const client = new LambdaClient({ endpoint: url, region: 'us-east-1', credentials: keys, maxAttempts: 1 });
    await deploy(client, 'crashy', { 'index.js': 'exports.handler = async (e) => { await new Promise((r) => setTimeout(r, 200)); console.log("RAN " + e.id); };' });
    const ids = Array.from({ length: 15 }, (_, i) => `crash-${i}`);
    const answers = await Promise.all(ids.map((id) => client.send(new InvokeCommand({ FunctionName: 'crashy', InvocationType: 'Event', Payload: JSON.stringify({ id }) }))));
    assert.ok(answers.every((a) => a.StatusCode === 202));
    first.child.kill('SIGKILL');
    await first.exited;

    const second = serve(dataDir);
    try {
      const url2 = await second.ready;
      assert.match(second.output(), /stratus: async: resumed \d+ queued event\(s\)/);
      const logs = new CloudWatchLogsClient({ endpoint: url2, region: 'us-east-1', credentials: keys, maxAttempts: 1 });
      const end = Date.now() + 30_000;
      let ran = new Set<string>();
      while (Date.now() < end) {
        const out = await logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/crashy', filterPattern: '"RAN "' }));
        ran = new Set((out.events ?? []).map((e) => /RAN (crash-\d+)/.exec(e.message ?? '')?.[1] ?? ''));
        if (ids.every((id) => ran.has(id))) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.deepEqual(ids.filter((id) => !ran.has(id)), [], 'events lost across the crash');
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  });
});

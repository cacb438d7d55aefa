/** `stratus rules …` and `stratus events put` as a user runs them, against a real server. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { runCli } from './helpers/cli.js';
import { deploy } from './helpers/functions.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let s: TestServer;
let env: Record<string, string>;

before(async () => {
  s = await startTestServer();
  env = { STRATUS_ENDPOINT: s.url, STRATUS_DATA_DIR: s.dataDir };
  await deploy(s.client, 'on-order', { 'index.js': 'exports.handler = async (e) => { console.log("GOT " + JSON.stringify(e)); };' });
});

describe('stratus rules and events', () => {
  it('puts a scheduled rule, adds a target, lists, gets, disables, enables and deletes it', async () => {
    const put = await runCli(['rules', 'put', 'nightly', '--schedule', 'cron(0 3 * * ? *)', '--description', 'cleanup'], env);
    assert.equal(put.code, 0, put.stderr);
    assert.match(put.stdout, /^✔ rule nightly saved\n {2}arn:aws:events:us-east-1:000000000000:rule\/nightly/);

    const add = await runCli(['rules', 'targets', 'add', 'nightly', '--function', 'on-order', '--input', '{"job":"cleanup"}', '--json'], env);
    assert.equal(add.code, 0, add.stderr);
    assert.deepEqual(JSON.parse(add.stdout), { Rule: 'nightly', Id: 'on-order', Arn: 'arn:aws:lambda:us-east-1:000000000000:function:on-order', Input: '{"job":"cleanup"}' });

    const list = await runCli(['rules', 'list'], env);
    assert.match(list.stdout, /^NAME\s+STATE\s+SCHEDULE \/ PATTERN\s+DESCRIPTION\nnightly\s+ENABLED\s+cron\(0 3 \* \* \? \*\)\s+cleanup/);

    const get = JSON.parse((await runCli(['rules', 'get', 'nightly', '--json'], env)).stdout);
    assert.equal(get.ScheduleExpression, 'cron(0 3 * * ? *)');
    assert.equal(get.Targets[0].Id, 'on-order');

    assert.match((await runCli(['rules', 'disable', 'nightly'], env)).stdout, /✔ rule nightly disabled/);
    assert.equal(JSON.parse((await runCli(['rules', 'get', 'nightly', '--json'], env)).stdout).State, 'DISABLED');
    assert.match((await runCli(['rules', 'enable', 'nightly'], env)).stdout, /✔ rule nightly enabled/);

    const refused = await runCli(['rules', 'delete', 'nightly'], env);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /✘ could not delete rule nightly\n {2}Rule can't be deleted since it has targets\.\n {2}→ remove its targets first/);
    assert.equal((await runCli(['rules', 'targets', 'remove', 'nightly', 'on-order'], env)).code, 0);
    assert.equal((await runCli(['rules', 'delete', 'nightly'], env)).code, 0);
  });

  it('says what is wrong with a bad schedule', async () => {
    const bad = await runCli(['rules', 'put', 'bad', '--schedule', 'rate(1 minutes)'], env);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /ValidationException, HTTP 400\)\n {2}Parameter ScheduleExpression is not valid\./);
  });

  it('routes an event put from the CLI to a pattern rule target', async () => {
    assert.equal((await runCli(['rules', 'put', 'orders', '--pattern', '{"source":["shop"]}'], env)).code, 0);
    assert.equal((await runCli(['rules', 'targets', 'add', 'orders', '--function', 'on-order'], env)).code, 0);
    const put = await runCli(['events', 'put', '--source', 'shop', '--detail-type', 'OrderPlaced', '--detail', '{"id":7}', '--json'], env);
    assert.equal(put.code, 0, put.stderr);
    const out = JSON.parse(put.stdout);
    assert.equal(out.FailedEntryCount, 0);
    const logs = new CloudWatchLogsClient({ endpoint: s.url, region: 'us-east-1', credentials: s.platform.keys, maxAttempts: 1 });
    for (let i = 0; i < 150; i++) {
      const ev = await logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/on-order', filterPattern: 'GOT' })).catch(() => undefined);
      const line = ev?.events?.find((e) => e.message?.includes('GOT {'));
      if (line) {
        const got = JSON.parse(line.message!.slice(line.message!.indexOf('GOT {') + 4));
        assert.equal(got.id, out.Entries[0].EventId);
        assert.deepEqual(got.detail, { id: 7 });
        return;
      }
      await sleep(100);
    }
    assert.fail('the function never received the event');
  });

  it('refuses a detail that is not JSON before calling the server', async () => {
    const r = await runCli(['events', 'put', '--source', 's', '--detail-type', 't', '--detail', '{nope'], env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /✘ --detail is not JSON/);
  });
});

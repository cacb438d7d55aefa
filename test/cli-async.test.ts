/** `stratus async-config …` and `stratus async status` as a user runs them, against a real server. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { runCli } from './helpers/cli.js';
import { deploy } from './helpers/functions.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const ARN = 'arn:aws:lambda:us-east-1:000000000000:function';
let s: TestServer;
let env: Record<string, string>;

before(async () => {
  s = await startTestServer({ 'async-function-concurrency': '1' });
  env = { STRATUS_ENDPOINT: s.url, STRATUS_DATA_DIR: s.dataDir };
  await deploy(s.client, 'cli-async', { 'index.js': 'exports.handler = async () => { await new Promise((r) => setTimeout(r, 1500)); };' });
  await deploy(s.client, 'cli-dest', { 'index.js': 'exports.handler = async () => 1;' });
});

describe('stratus async-config', () => {
  it('puts, updates, gets, lists and deletes, readable and --json', async () => {
    const put = await runCli(['async-config', 'put', 'cli-async', '--max-retries', '1', '--max-age', '600', '--on-failure', `${ARN}:cli-dest`], env);
    assert.equal(put.code, 0, put.stderr);
    assert.match(put.stdout, /^✔ async config set\nFunction\s+arn:aws:lambda:us-east-1:000000000000:function:cli-async:\$LATEST\nMax retries\s+1\nMax event age\s+600 s\nOn success\s+-\nOn failure\s+arn:aws:lambda:us-east-1:000000000000:function:cli-dest\n/);

    const upd = await runCli(['async-config', 'update', 'cli-async', '--max-retries', '0', '--json'], env);
    assert.equal(upd.code, 0, upd.stderr);
    const j = JSON.parse(upd.stdout);
    assert.equal(j.MaximumRetryAttempts, 0);
    assert.equal(j.MaximumEventAgeInSeconds, 600);
    assert.equal(j.DestinationConfig.OnFailure.Destination, `${ARN}:cli-dest`);

    const get = await runCli(['async-config', 'get', 'cli-async'], env);
    assert.match(get.stdout, /Max retries\s+0/);

    const list = await runCli(['async-config', 'list', 'cli-async'], env);
    assert.match(list.stdout, /^FUNCTION\s+RETRIES\s+MAX AGE\s+ON SUCCESS\s+ON FAILURE\n\S+cli-async:\$LATEST\s+0\s+600\s+-\s+\S+cli-dest/);

    const del = await runCli(['async-config', 'delete', 'cli-async'], env);
    assert.equal(del.code, 0, del.stderr);
    const gone = await runCli(['async-config', 'get', 'cli-async'], env);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /ResourceNotFoundException, HTTP 404\)\n  The function \S+cli-async:\$LATEST doesn't have an EventInvokeConfig/);
  });

  it('explains a bad value with AWS’s text and exits non-zero', async () => {
    const r = await runCli(['async-config', 'put', 'cli-async', '--max-retries', '5'], env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Value '5' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 2/);
    const self = await runCli(['async-config', 'put', 'cli-async', '--on-success', `${ARN}:cli-async`], env);
    assert.match(self.stderr, /You can't specify the function as a destination for itself\./);
  });
});

describe('stratus async status', () => {
  it('shows queued and in-flight events per function, readable and --json', async () => {
    const empty = await runCli(['async', 'status'], env);
    assert.equal(empty.code, 0, empty.stderr);
    assert.equal(empty.stdout.trim(), 'The async queue is empty.');
    for (const r of await Promise.all([1, 2, 3, 4].map(() => runCli(['invoke', 'cli-async', '--type', 'Event'], env)))) assert.equal(r.code, 0, r.stderr);
    const [r, js] = await Promise.all([runCli(['async', 'status'], env), runCli(['async', 'status', '--json'], env)]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^FUNCTION\s+QUEUED\s+IN FLIGHT\s+RETRYING\s+OLDEST\ncli-async\s+\d+\s+1\s+0\s+\S+( ms| s)\ntotal\s+\d+\s+1\s+0/);
    const j = JSON.parse(js.stdout);
    assert.equal(j.Functions[0].functionName, 'cli-async');
    assert.equal(j.Functions[0].inFlight, 1);
    assert.ok(j.Functions[0].queued >= 1);
    assert.equal(j.Accepted, 4);
  });
});

/** Reserved and provisioned concurrency, throttles and the memory budget, through a real server and the real SDK. */
import {
  CreateAliasCommand, DeleteFunctionConcurrencyCommand, DeleteProvisionedConcurrencyConfigCommand, GetAccountSettingsCommand,
  GetFunctionCommand, GetFunctionConcurrencyCommand, GetProvisionedConcurrencyConfigCommand, ListProvisionedConcurrencyConfigsCommand,
  PublishVersionCommand, PutFunctionConcurrencyCommand, PutProvisionedConcurrencyConfigCommand, UpdateAliasCommand,
  UpdateFunctionCodeCommand, waitUntilFunctionUpdatedV2, type LambdaClient,
} from '@aws-sdk/client-lambda';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { runCli } from './helpers/cli.js';
import { deploy, invoke, rejects } from './helpers/functions.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { makeZip } from './helpers/zip.js';

const ARN = 'arn:aws:lambda:us-east-1:000000000000:function';

/** Sleeps `ms` from the event, then says how its environment was initialised. */
const SLOW = {
  'index.js': `let n = 0;
exports.handler = async (e) => {
  await new Promise((r) => setTimeout(r, e.ms ?? 0));
  return { init: process.env.AWS_LAMBDA_INITIALIZATION_TYPE, version: process.env.AWS_LAMBDA_FUNCTION_VERSION, calls: ++n };
};\n`,
};

type Err = { name: string; message: string; Reason?: string; $metadata: { httpStatusCode?: number } };

/** Invoke, returning either the result or the error (to count throttles among concurrent calls). */
const attempt = (client: LambdaClient, name: string, payload: unknown) =>
  invoke(client, name, payload).then(
    (r) => ({ ok: r }),
    (err: Err) => ({ err }),
  );

async function until(what: string, check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('reserved concurrency', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    await deploy(s.client, 'rc', SLOW);
  });

  it('Put/Get/Delete, shown in GetFunction and the account settings', async () => {
    const put = await s.client.send(new PutFunctionConcurrencyCommand({ FunctionName: 'rc', ReservedConcurrentExecutions: 5 }));
    assert.equal(put.ReservedConcurrentExecutions, 5);
    assert.equal((await s.client.send(new GetFunctionConcurrencyCommand({ FunctionName: 'rc' }))).ReservedConcurrentExecutions, 5);
    assert.deepEqual((await s.client.send(new GetFunctionCommand({ FunctionName: 'rc' }))).Concurrency, { ReservedConcurrentExecutions: 5 });
    const settings = await s.client.send(new GetAccountSettingsCommand({}));
    assert.deepEqual([settings.AccountLimit!.ConcurrentExecutions, settings.AccountLimit!.UnreservedConcurrentExecutions], [1000, 995]);
    await s.client.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'rc' }));
    assert.equal((await s.client.send(new GetFunctionConcurrencyCommand({ FunctionName: 'rc' }))).ReservedConcurrentExecutions, undefined);
    assert.equal((await s.client.send(new GetAccountSettingsCommand({}))).AccountLimit!.UnreservedConcurrentExecutions, 1000);
  });

  it('refuses what AWS refuses, with AWS’s texts', async () => {
    const tooMuch = await rejects(() => s.client.send(new PutFunctionConcurrencyCommand({ FunctionName: 'rc', ReservedConcurrentExecutions: 901 })));
    assert.equal(tooMuch.name, 'InvalidParameterValueException');
    assert.equal(tooMuch.message, "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100].");
    await s.client.send(new PutFunctionConcurrencyCommand({ FunctionName: 'rc', ReservedConcurrentExecutions: 900 }));
    const qualified = await rejects(() => s.client.send(new PutFunctionConcurrencyCommand({ FunctionName: 'rc:1', ReservedConcurrentExecutions: 1 })));
    assert.equal(qualified.message, 'This operation is permitted on Lambda functions only. Aliases and versions do not support this operation. Please specify either a function name or an unqualified function ARN.');
    const negative = await rejects(() => s.client.send(new PutFunctionConcurrencyCommand({ FunctionName: 'rc', ReservedConcurrentExecutions: -1 })));
    assert.equal(negative.name, 'ValidationException');
    assert.equal(negative.message, "1 validation error detected: Value '-1' at 'reservedConcurrentExecutions' failed to satisfy constraint: Member must have value greater than or equal to 0");
    // AWS names $LATEST here (recorded), and a missing function comes before the amount is weighed.
    const missing = await rejects(() => s.client.send(new PutFunctionConcurrencyCommand({ FunctionName: 'no-such', ReservedConcurrentExecutions: 1 })));
    assert.equal(missing.message, `Function not found: ${ARN}:no-such:$LATEST`);
    const missingZero = await rejects(() => s.client.send(new PutFunctionConcurrencyCommand({ FunctionName: 'no-such', ReservedConcurrentExecutions: 0 })));
    assert.equal(missingZero.message, `Function not found: ${ARN}:no-such:$LATEST`);
    const missingTooMuch = await rejects(() => s.client.send(new PutFunctionConcurrencyCommand({ FunctionName: 'no-such', ReservedConcurrentExecutions: 950 })));
    assert.equal(missingTooMuch.message, `Function not found: ${ARN}:no-such:$LATEST`);
    await s.client.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'rc' }));
  });

  it('throttles beyond the reservation with Reason ReservedFunctionConcurrentInvocationLimitExceeded; 0 turns it off', async () => {
    await s.client.send(new PutFunctionConcurrencyCommand({ FunctionName: 'rc', ReservedConcurrentExecutions: 1 }));
    const results = await Promise.all([attempt(s.client, 'rc', { ms: 600 }), attempt(s.client, 'rc', { ms: 600 })]);
    const throttled = results.filter((r) => 'err' in r).map((r) => (r as { err: Err }).err);
    assert.equal(throttled.length, 1, 'one of two concurrent invocations is throttled');
    assert.equal(throttled[0]!.name, 'TooManyRequestsException');
    assert.equal(throttled[0]!.$metadata.httpStatusCode, 429);
    assert.equal(throttled[0]!.message, 'Rate Exceeded.');
    assert.equal(throttled[0]!.Reason, 'ReservedFunctionConcurrentInvocationLimitExceeded');
    await s.client.send(new PutFunctionConcurrencyCommand({ FunctionName: 'rc', ReservedConcurrentExecutions: 0 }));
    const off = await rejects(() => invoke(s.client, 'rc'));
    assert.equal(off.Reason, 'ReservedFunctionConcurrentInvocationLimitExceeded');
    await s.client.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'rc' }));
    assert.equal((await invoke(s.client, 'rc')).json.init, 'on-demand');
  });
});

describe('stratus concurrency, provisioned and top', () => {
  it('sets and reads reservations and shows live concurrency', async () => {
    const s = await startTestServer();
    const env = { STRATUS_ENDPOINT: s.url, STRATUS_DATA_DIR: s.dataDir };
    await deploy(s.client, 'cli-c', SLOW, { Timeout: 15 });
    const set = await runCli(['concurrency', 'set', 'cli-c', '3'], env);
    assert.equal(set.code, 0, set.stderr);
    assert.equal(set.stdout.trim(), '✔ cli-c: 3 executions reserved');
    assert.equal(JSON.parse((await runCli(['concurrency', 'get', 'cli-c', '--json'], env)).stdout).ReservedConcurrentExecutions, 3);
    const bad = await runCli(['provisioned', 'set', 'cli-c', '--qualifier', '$LATEST', '1'], env);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /cannot be applied to unpublished function versions/);
    // Long enough to still run while the CLI starts (it loads the SDK) under a loaded test machine.
    const running = invoke(s.client, 'cli-c', { ms: 6000 });
    await new Promise((r) => setTimeout(r, 500));
    const top = await runCli(['top', '--once'], env);
    assert.equal(top.code, 0, top.stderr);
    assert.match(top.stdout, /FUNCTION\s+VERSION\s+RUNNING\s+BUSY\s+IDLE\s+STARTING\s+PROVISIONED\s+INVOKES\/S\s+ERRORS\/S\ncli-c\s+\$LATEST\s+1\s+1\s+0\s+0\s+0/);
    await running;
    assert.equal((await runCli(['concurrency', 'delete', 'cli-c'], env)).code, 0);
  });
});

describe('account limit and memory budget', () => {
  it('throttles beyond the account limit with Reason ConcurrentInvocationLimitExceeded', async () => {
    const s = await startTestServer({ 'concurrency-limit': '2' });
    await deploy(s.client, 'acct', SLOW);
    const results = await Promise.all([1, 2, 3].map(() => attempt(s.client, 'acct', { ms: 800 })));
    const errs = results.filter((r) => 'err' in r).map((r) => (r as { err: Err }).err);
    assert.equal(errs.length, 1);
    assert.equal(errs[0]!.Reason, 'ConcurrentInvocationLimitExceeded');
    assert.equal((await s.client.send(new GetAccountSettingsCommand({}))).AccountLimit!.ConcurrentExecutions, 2);
  });

  it('keeps min(100, the account limit) unreserved, naming it as AWS does for small accounts', async () => {
    const small = await startTestServer({ 'concurrency-limit': '10' });
    await deploy(small.client, 'small-acct', SLOW);
    // As on AWS with a limit of 10: the minimum is the whole limit, so only 0 (off) can be reserved.
    const one = await rejects(() => small.client.send(new PutFunctionConcurrencyCommand({ FunctionName: 'small-acct', ReservedConcurrentExecutions: 1 })));
    assert.equal(one.message, "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [10].");
    const off = await small.client.send(new PutFunctionConcurrencyCommand({ FunctionName: 'small-acct', ReservedConcurrentExecutions: 0 }));
    assert.equal(off.ReservedConcurrentExecutions, 0);
    const mid = await startTestServer({ 'concurrency-limit': '150' });
    await deploy(mid.client, 'mid-acct', SLOW);
    assert.equal((await mid.client.send(new PutFunctionConcurrencyCommand({ FunctionName: 'mid-acct', ReservedConcurrentExecutions: 50 }))).ReservedConcurrentExecutions, 50);
    const over = await rejects(() => mid.client.send(new PutFunctionConcurrencyCommand({ FunctionName: 'mid-acct', ReservedConcurrentExecutions: 51 })));
    assert.equal(over.message, "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100].");
  });

  it('evicts idle environments least recently used first, and throttles only when none is idle', async () => {
    const s = await startTestServer({ 'memory-budget': '256' });
    for (const name of ['mem-a', 'mem-b', 'mem-c']) await deploy(s.client, name, SLOW);
    await invoke(s.client, 'mem-a');
    await invoke(s.client, 'mem-b');
    const warmB = await invoke(s.client, 'mem-b');
    assert.doesNotMatch(warmB.log, /Init Duration/);
    // The budget holds two 128 MB environments: starting mem-c stops the least recently used (mem-a).
    const c = await invoke(s.client, 'mem-c');
    assert.equal(c.error, undefined);
    assert.doesNotMatch((await invoke(s.client, 'mem-c')).log, /Init Duration/);
    assert.match((await invoke(s.client, 'mem-a')).log, /Init Duration/, 'mem-a was evicted');
    // Two busy environments fill the budget: a third invocation has nothing to evict.
    const results = await Promise.all([attempt(s.client, 'mem-a', { ms: 800 }), attempt(s.client, 'mem-c', { ms: 800 }), delayed(200, () => attempt(s.client, 'mem-b', {}))]);
    const third = results[2] as { err?: Err };
    assert.equal(third.err?.Reason, 'ConcurrentInvocationLimitExceeded');
  });
});

const delayed = <T>(ms: number, fn: () => Promise<T>) => new Promise<T>((r) => setTimeout(() => r(fn()), ms));

describe('provisioned concurrency', () => {
  let s: TestServer;
  before(async () => {
    // A 1 s keep-alive shows provisioned environments are never reaped.
    s = await startTestServer({ 'idle-timeout': '1' });
    await deploy(s.client, 'pc', SLOW);
    await s.client.send(new PublishVersionCommand({ FunctionName: 'pc' }));
  });

  const status = (Qualifier: string) => s.client.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier }));

  it('refuses what AWS refuses, with AWS’s texts', async () => {
    const latest = await rejects(() => s.client.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: '$LATEST', ProvisionedConcurrentExecutions: 1 })));
    assert.equal(latest.message, 'Provisioned Concurrency Configs cannot be applied to unpublished function versions.');
    const noAlias = await rejects(() => s.client.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: 'nope', ProvisionedConcurrentExecutions: 1 })));
    assert.equal(noAlias.message, `Cannot find alias arn: ${ARN}:pc:nope`);
    const zero = await rejects(() => s.client.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: '1', ProvisionedConcurrentExecutions: 0 })));
    assert.equal(zero.name, 'ValidationException');
    await s.client.send(new PutFunctionConcurrencyCommand({ FunctionName: 'pc', ReservedConcurrentExecutions: 1 }));
    const over = await rejects(() => s.client.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: '1', ProvisionedConcurrentExecutions: 2 })));
    assert.equal(over.message, 'Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function');
    await s.client.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'pc' }));
    const none = await rejects(() => status('1'));
    assert.equal(none.name, 'ProvisionedConcurrencyConfigNotFoundException');
    assert.equal(none.$metadata.httpStatusCode, 404);
    assert.equal(none.message, 'No Provisioned Concurrency Config found for this function');
  });

  it('names what is missing as AWS does (recorded test_provisioned_concurrency_exceptions)', async () => {
    const cases: [() => Promise<unknown>, string, string][] = [
      // A missing function is reported as its missing alias or version.
      [() => status('noalias'), 'ResourceNotFoundException', `Cannot find alias arn: ${ARN}:pc:noalias`],
      [() => s.client.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'doesnotexist', Qualifier: 'noalias' })), 'ResourceNotFoundException', `Cannot find alias arn: ${ARN}:doesnotexist:noalias`],
      [() => status('10'), 'ResourceNotFoundException', `Function not found: ${ARN}:pc:10`],
      [() => status('$LATEST'), 'InvalidParameterValueException', 'The function resource provided must be an alias or a published version.'],
      [() => s.client.send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: 'doesnotexist' })), 'ResourceNotFoundException', `Function not found: ${ARN}:doesnotexist`],
      [() => s.client.send(new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: 'doesnotexist', Qualifier: '1' })), 'ResourceNotFoundException', `Function not found: ${ARN}:doesnotexist:1`],
      [() => s.client.send(new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: 'noalias' })), 'ResourceNotFoundException', `Cannot find alias arn: ${ARN}:pc:noalias`],
      [() => s.client.send(new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: '10' })), 'ResourceNotFoundException', `Function not found: ${ARN}:pc:10`],
      [() => s.client.send(new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: '$LATEST' })), 'InvalidParameterValueException', 'The function resource provided must be an alias or a published version.'],
      [() => s.client.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'doesnotexist', Qualifier: 'noalias', ProvisionedConcurrentExecutions: 1 })), 'ResourceNotFoundException', `Cannot find alias arn: ${ARN}:doesnotexist:noalias`],
      [() => s.client.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'doesnotexist', Qualifier: '1', ProvisionedConcurrentExecutions: 1 })), 'ResourceNotFoundException', `Function not found: ${ARN}:doesnotexist:1`],
      [() => s.client.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: '10', ProvisionedConcurrentExecutions: 1 })), 'ResourceNotFoundException', `Function not found: ${ARN}:pc:10`],
    ];
    for (const [call, name, message] of cases) {
      const err = await rejects(call);
      assert.deepEqual([err.name, err.message], [name, message]);
    }
    // Deleting a configuration that is not there, of a version that is, succeeds.
    const del = await s.client.send(new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: '1' }));
    assert.equal(del.$metadata.httpStatusCode, 204);
  });

  it('refuses more than the unreserved pool, then below its minimum, with AWS’s texts', async () => {
    const put = (n: number) => s.client.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: '1', ProvisionedConcurrentExecutions: n }));
    const above = await rejects(() => put(1001));
    assert.equal(above.message, "Specified ConcurrentExecutions for function is greater than account's unreserved concurrency [1000].");
    const below = await rejects(() => put(1000));
    assert.equal(below.message, "Specified ConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100].");
    assert.equal(below.name, 'InvalidParameterValueException');
  });

  it('a version and an alias on it cannot both be provisioned (AWS’s 409s)', async () => {
    await deploy(s.client, 'pc-both', SLOW);
    await s.client.send(new PublishVersionCommand({ FunctionName: 'pc-both' }));
    await s.client.send(new CreateAliasCommand({ FunctionName: 'pc-both', Name: 'live', FunctionVersion: '1' }));
    const put = (Qualifier: string) => s.client.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'pc-both', Qualifier, ProvisionedConcurrentExecutions: 1 }));
    await put('1');
    const onAlias = await rejects(() => put('live'));
    assert.equal(onAlias.name, 'ResourceConflictException');
    assert.equal(onAlias.$metadata.httpStatusCode, 409);
    assert.equal(onAlias.message, "Alias can't be used for Provisioned Concurrency configuration on an already Provisioned version");
    await s.client.send(new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: 'pc-both', Qualifier: '1' }));
    await put('live');
    const onVersion = await rejects(() => put('1'));
    assert.equal(onVersion.name, 'ResourceConflictException');
    assert.equal(onVersion.message, 'Version is pointed by a Provisioned Concurrency alias');
    await s.client.send(new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: 'pc-both', Qualifier: 'live' }));
  });

  it('initialises N environments ahead: IN_PROGRESS → READY, no Init Duration, never reaped, spill-over on demand', async () => {
    const put = await s.client.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: '1', ProvisionedConcurrentExecutions: 2 }));
    assert.equal(put.$metadata.httpStatusCode, 202);
    assert.equal(put.RequestedProvisionedConcurrentExecutions, 2);
    assert.equal(put.Status, 'IN_PROGRESS');
    await until('READY', async () => (await status('1')).Status === 'READY');
    const ready = await status('1');
    assert.deepEqual([ready.AvailableProvisionedConcurrentExecutions, ready.AllocatedProvisionedConcurrentExecutions], [2, 2]);
    assert.match(ready.LastModified!, /^\d{4}-\d\d-\d\dT/);
    await new Promise((r) => setTimeout(r, 2500)); // beyond the 1 s keep-alive
    const results = await Promise.all([0, 1, 2].map(() => invoke(s.client, 'pc:1', { ms: 700 })));
    const kinds = results.map((r) => r.json.init).sort();
    assert.deepEqual(kinds, ['on-demand', 'provisioned-concurrency', 'provisioned-concurrency']);
    for (const r of results) {
      if (r.json.init === 'provisioned-concurrency') assert.doesNotMatch(r.log, /Init Duration/);
      else assert.match(r.log, /Init Duration/);
    }
    const list = await s.client.send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: 'pc' }));
    assert.deepEqual(list.ProvisionedConcurrencyConfigs!.map((c) => c.FunctionArn), [`${ARN}:pc:1`]);
    await s.client.send(new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: '1' }));
    await rejects(() => status('1'));
  });

  it('follows an alias to its new version', async () => {
    await s.client.send(new UpdateFunctionCodeCommand({ FunctionName: 'pc', ZipFile: await makeZip(SLOW) }));
    await waitUntilFunctionUpdatedV2({ client: s.client, maxWaitTime: 10 }, { FunctionName: 'pc' });
    await s.client.send(new PublishVersionCommand({ FunctionName: 'pc', Description: 'two' }));
    await s.client.send(new CreateAliasCommand({ FunctionName: 'pc', Name: 'live', FunctionVersion: '1' }));
    await s.client.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: 'live', ProvisionedConcurrentExecutions: 1 }));
    await until('READY on version 1', async () => (await status('live')).Status === 'READY');
    await s.client.send(new UpdateAliasCommand({ FunctionName: 'pc', Name: 'live', FunctionVersion: '2' }));
    await until('READY on version 2', async () => (await status('live')).Status === 'READY');
    const r = await invoke(s.client, 'pc:live');
    assert.deepEqual([r.json.version, r.json.init], ['2', 'provisioned-concurrency']);
  });

  it('reports FAILED with the reason when init fails', async () => {
    await deploy(s.client, 'pc-bad', { 'index.js': 'throw new Error("cannot start");\n' });
    await s.client.send(new PublishVersionCommand({ FunctionName: 'pc-bad' }));
    await s.client.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'pc-bad', Qualifier: '1', ProvisionedConcurrentExecutions: 1 }));
    let last: { Status?: string; StatusReason?: string } = {};
    await until('FAILED', async () => {
      last = await s.client.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'pc-bad', Qualifier: '1' }));
      return last.Status === 'FAILED';
    });
    assert.match(last.StatusReason!, /cannot start/);
  });
});

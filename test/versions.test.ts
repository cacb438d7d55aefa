/** Versions and aliases through a real server and the real @aws-sdk/client-lambda: the API rules and invoking by qualifier. */
import {
  CreateAliasCommand, DeleteAliasCommand, DeleteFunctionCommand, GetAliasCommand, GetFunctionCommand,
  GetFunctionConfigurationCommand, ListAliasesCommand, ListFunctionsCommand, ListVersionsByFunctionCommand,
  PublishVersionCommand, UpdateAliasCommand, UpdateFunctionCodeCommand, UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdatedV2, waitUntilFunctionActiveV2, CreateFunctionCommand,
} from '@aws-sdk/client-lambda';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { deploy, invoke, rejects, ROLE } from './helpers/functions.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { makeZip } from './helpers/zip.js';

let s: TestServer;
const ARN = 'arn:aws:lambda:us-east-1:000000000000:function';

/** A function that says which code it is and how it was invoked. */
const code = (tag: string) => ({
  'index.js': `exports.handler = async (e, ctx) => ({ code: ${JSON.stringify(tag)}, version: process.env.AWS_LAMBDA_FUNCTION_VERSION, arn: ctx.invokedFunctionArn, memory: ctx.memoryLimitInMB });\n`,
});

before(async () => {
  s = await startTestServer();
});


const updateCode = async (name: string, tag: string, extra: Record<string, unknown> = {}) => {
  const out = await s.client.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: await makeZip(code(tag)), ...extra }));
  await waitUntilFunctionUpdatedV2({ client: s.client, maxWaitTime: 10 }, { FunctionName: name });
  return out;
};
const publish = (name: string, extra: Record<string, unknown> = {}) => s.client.send(new PublishVersionCommand({ FunctionName: name, ...extra }));

describe('PublishVersion', () => {
  it('snapshots $LATEST as version 1 with a qualified ARN, and gives $LATEST a new revision', async () => {
    await deploy(s.client, 'pv-shape', code('A'), { Description: 'latest description' });
    const before = await s.client.send(new GetFunctionConfigurationCommand({ FunctionName: 'pv-shape' }));
    const v1 = await publish('pv-shape');
    assert.equal(v1.$metadata.httpStatusCode, 201);
    assert.equal(v1.Version, '1');
    assert.equal(v1.FunctionArn, `${ARN}:pv-shape:1`);
    assert.equal(v1.State, 'Active');
    assert.equal(v1.LastUpdateStatus, 'Successful');
    assert.equal(v1.Description, 'latest description');
    assert.equal(v1.CodeSha256, before.CodeSha256);
    assert.notEqual(v1.RevisionId, before.RevisionId);
    const after = await s.client.send(new GetFunctionConfigurationCommand({ FunctionName: 'pv-shape' }));
    assert.notEqual(after.RevisionId, before.RevisionId);
    assert.equal(after.Version, '$LATEST');
  });

  it('returns the last version when nothing changed, and never reuses a number', async () => {
    await deploy(s.client, 'pv-numbers', code('A'));
    assert.equal((await publish('pv-numbers', { Description: 'first' })).Version, '1');
    const again = await publish('pv-numbers', { Description: 'ignored: nothing changed' });
    assert.equal(again.Version, '1');
    assert.equal(again.Description, 'first');
    await updateCode('pv-numbers', 'B');
    assert.equal((await publish('pv-numbers')).Version, '2');
    await s.client.send(new DeleteFunctionCommand({ FunctionName: 'pv-numbers', Qualifier: '2' }));
    await s.client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'pv-numbers', MemorySize: 256 }));
    await waitUntilFunctionUpdatedV2({ client: s.client, maxWaitTime: 10 }, { FunctionName: 'pv-numbers' });
    assert.equal((await publish('pv-numbers')).Version, '3');
  });

  it('checks RevisionId and CodeSha256 with AWS’s errors', async () => {
    await deploy(s.client, 'pv-pre', code('A'));
    const rev = await rejects(() => publish('pv-pre', { RevisionId: '00000000-0000-0000-0000-000000000000' }));
    assert.equal(rev.name, 'PreconditionFailedException');
    assert.equal(rev.$metadata.httpStatusCode, 412);
    assert.equal(rev.message, 'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id');
    const current = await s.client.send(new GetFunctionConfigurationCommand({ FunctionName: 'pv-pre' }));
    const sha = await rejects(() => publish('pv-pre', { CodeSha256: 'somenonexistentsha256' }));
    assert.equal(sha.name, 'InvalidParameterValueException');
    assert.equal(sha.message, `CodeSHA256 (somenonexistentsha256) is different from current CodeSHA256 in $LATEST (${current.CodeSha256}). Please try again with the CodeSHA256 in $LATEST.`);
    const ok = await publish('pv-pre', { RevisionId: current.RevisionId, CodeSha256: current.CodeSha256 });
    assert.equal(ok.Version, '1');
  });

  it('publishes with `Publish: true` on CreateFunction and UpdateFunctionCode', async () => {
    const created = await s.client.send(
      new CreateFunctionCommand({ FunctionName: 'pv-flag', Role: ROLE, Runtime: 'nodejs20.x', Handler: 'index.handler', Code: { ZipFile: await makeZip(code('A')) }, Publish: true }),
    );
    assert.equal(created.Version, '1');
    assert.equal(created.FunctionArn, `${ARN}:pv-flag`);
    assert.equal(created.State, 'Pending');
    await waitUntilFunctionActiveV2({ client: s.client, maxWaitTime: 10 }, { FunctionName: 'pv-flag', Qualifier: '1' });
    const updated = await updateCode('pv-flag', 'B', { Publish: true });
    assert.equal(updated.Version, '2');
    assert.equal(updated.FunctionArn, `${ARN}:pv-flag:2`);
    await waitUntilFunctionActiveV2({ client: s.client, maxWaitTime: 10 }, { FunctionName: 'pv-flag', Qualifier: '2' });
    assert.equal((await invoke(s.client, 'pv-flag', {}, { Qualifier: '1' })).json.code, 'A');
    assert.equal((await invoke(s.client, 'pv-flag', {}, { Qualifier: '2' })).json.code, 'B');
    // Settling gave $LATEST and version 2 new revisions; $LATEST still counts as published as 2.
    const v2 = await s.client.send(new GetFunctionConfigurationCommand({ FunctionName: 'pv-flag', Qualifier: '2' }));
    assert.notEqual(v2.RevisionId, updated.RevisionId);
    assert.equal((await publish('pv-flag')).Version, '2');
  });
});

describe('versions: read, list, update, delete', () => {
  before(async () => {
    await deploy(s.client, 'ver', code('A'));
    await publish('ver');
    await s.client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'ver', MemorySize: 512, Description: 'changed' }));
    await waitUntilFunctionUpdatedV2({ client: s.client, maxWaitTime: 10 }, { FunctionName: 'ver' });
  });

  it('GetFunction and GetFunctionConfiguration take a Qualifier; the version is immutable', async () => {
    const v1 = await s.client.send(new GetFunctionCommand({ FunctionName: 'ver', Qualifier: '1' }));
    assert.equal(v1.Configuration!.FunctionArn, `${ARN}:ver:1`);
    assert.equal(v1.Configuration!.Version, '1');
    assert.equal(v1.Configuration!.MemorySize, 128);
    assert.match(v1.Code!.Location!, /^http:\/\//);
    const latest = await s.client.send(new GetFunctionConfigurationCommand({ FunctionName: 'ver', Qualifier: '$LATEST' }));
    assert.equal(latest.FunctionArn, `${ARN}:ver:$LATEST`);
    assert.equal(latest.MemorySize, 512);
    const byArn = await s.client.send(new GetFunctionConfigurationCommand({ FunctionName: `${ARN}:ver:1` }));
    assert.equal(byArn.Version, '1');
    const missing = await rejects(() => s.client.send(new GetFunctionConfigurationCommand({ FunctionName: 'ver', Qualifier: '1221' })));
    assert.equal(missing.name, 'ResourceNotFoundException');
    assert.equal(missing.message, `Function not found: ${ARN}:ver:1221`);
    const mismatch = await rejects(() => s.client.send(new GetFunctionCommand({ FunctionName: `${ARN}:ver:1`, Qualifier: '2' })));
    assert.equal(mismatch.message, 'The derived qualifier from the function name does not match the specified qualifier.');
  });

  it('ListVersionsByFunction lists $LATEST first, then the versions, pages, and omits state', async () => {
    await publish('ver');
    const all = await s.client.send(new ListVersionsByFunctionCommand({ FunctionName: 'ver' }));
    assert.deepEqual(all.Versions!.map((v) => v.Version), ['$LATEST', '1', '2']);
    assert.deepEqual(all.Versions!.map((v) => v.FunctionArn), [`${ARN}:ver:$LATEST`, `${ARN}:ver:1`, `${ARN}:ver:2`]);
    assert.equal(all.Versions![0]!.State, undefined);
    const seen: string[] = [];
    let Marker: string | undefined;
    do {
      const page = await s.client.send(new ListVersionsByFunctionCommand({ FunctionName: 'ver', MaxItems: 1, Marker }));
      seen.push(...page.Versions!.map((v) => v.Version!));
      Marker = page.NextMarker;
    } while (Marker);
    assert.deepEqual(seen, ['$LATEST', '1', '2']);
    const listed = await s.client.send(new ListFunctionsCommand({ FunctionVersion: 'ALL' }));
    const mine = listed.Functions!.filter((f) => f.FunctionName === 'ver').map((f) => f.FunctionArn);
    assert.deepEqual(mine, [`${ARN}:ver:$LATEST`, `${ARN}:ver:1`, `${ARN}:ver:2`]);
  });

  it('DeleteFunction with a Qualifier deletes one version, with AWS’s rules', async () => {
    const latest = await rejects(() => s.client.send(new DeleteFunctionCommand({ FunctionName: 'ver', Qualifier: '$LATEST' })));
    assert.equal(latest.name, 'InvalidParameterValueException');
    assert.equal(latest.message, '$LATEST version cannot be deleted without deleting the function.');
    await s.client.send(new CreateAliasCommand({ FunctionName: 'ver', Name: 'pinned', FunctionVersion: '2' }));
    const used = await rejects(() => s.client.send(new DeleteFunctionCommand({ FunctionName: 'ver', Qualifier: '2' })));
    assert.equal(used.name, 'ResourceConflictException');
    assert.match(used.message, /aliases reference it: \[pinned\]/);
    await s.client.send(new DeleteFunctionCommand({ FunctionName: 'ver', Qualifier: '1' }));
    const gone = await rejects(() => s.client.send(new GetFunctionCommand({ FunctionName: 'ver', Qualifier: '1' })));
    assert.equal(gone.message, `Function not found: ${ARN}:ver:1`);
    // Deleting a version that does not exist succeeds, as on AWS.
    await s.client.send(new DeleteFunctionCommand({ FunctionName: 'ver', Qualifier: '99' }));
    const nofn = await rejects(() => s.client.send(new DeleteFunctionCommand({ FunctionName: 'no-such-fn', Qualifier: '1' })));
    assert.equal(nofn.message, `Function not found: ${ARN}:no-such-fn`);
    assert.equal((await s.client.send(new GetFunctionConfigurationCommand({ FunctionName: 'ver', Qualifier: '2' }))).Version, '2');
  });
});

describe('aliases', () => {
  before(async () => {
    await deploy(s.client, 'al', code('A'));
    await publish('al');
    await updateCode('al', 'B');
    await publish('al');
  });

  it('CreateAlias / GetAlias / ListAliases / UpdateAlias / DeleteAlias in AWS’s shapes', async () => {
    const created = await s.client.send(
      new CreateAliasCommand({ FunctionName: 'al', Name: 'live', FunctionVersion: '1', Description: 'prod', RoutingConfig: { AdditionalVersionWeights: { '2': 0.2 } } }),
    );
    assert.equal(created.$metadata.httpStatusCode, 201);
    assert.equal(created.AliasArn, `${ARN}:al:live`);
    assert.equal(created.FunctionVersion, '1');
    assert.equal(created.Description, 'prod');
    assert.deepEqual(created.RoutingConfig, { AdditionalVersionWeights: { '2': 0.2 } });
    assert.match(created.RevisionId!, /^[0-9a-f-]{36}$/);
    const got = await s.client.send(new GetAliasCommand({ FunctionName: 'al', Name: 'live' }));
    assert.equal(got.RevisionId, created.RevisionId);
    await s.client.send(new CreateAliasCommand({ FunctionName: 'al', Name: 'beta', FunctionVersion: '2' }));
    await s.client.send(new CreateAliasCommand({ FunctionName: 'al', Name: '2024-01-02', FunctionVersion: '$LATEST' }));
    const list = await s.client.send(new ListAliasesCommand({ FunctionName: 'al' }));
    assert.deepEqual(list.Aliases!.map((a) => a.Name), ['2024-01-02', 'beta', 'live']);
    const forV2 = await s.client.send(new ListAliasesCommand({ FunctionName: 'al', FunctionVersion: '2' }));
    assert.deepEqual(forV2.Aliases!.map((a) => a.Name), ['beta']);
    const paged = await s.client.send(new ListAliasesCommand({ FunctionName: 'al', MaxItems: 2 }));
    assert.equal(paged.Aliases!.length, 2);
    const rest = await s.client.send(new ListAliasesCommand({ FunctionName: 'al', Marker: paged.NextMarker }));
    assert.deepEqual(rest.Aliases!.map((a) => a.Name), ['live']);

    const stale = await rejects(() => s.client.send(new UpdateAliasCommand({ FunctionName: 'al', Name: 'live', Description: 'x', RevisionId: 'nope' })));
    assert.equal(stale.name, 'PreconditionFailedException');
    const kept = await s.client.send(new UpdateAliasCommand({ FunctionName: 'al', Name: 'live', Description: 'still prod', RevisionId: created.RevisionId }));
    assert.deepEqual(kept.RoutingConfig, { AdditionalVersionWeights: { '2': 0.2 } }, 'absent RoutingConfig keeps the routing');
    assert.notEqual(kept.RevisionId, created.RevisionId);
    const cleared = await s.client.send(new UpdateAliasCommand({ FunctionName: 'al', Name: 'live', RoutingConfig: { AdditionalVersionWeights: {} } }));
    assert.equal(cleared.RoutingConfig, undefined);
    assert.equal(cleared.Description, 'still prod');

    await s.client.send(new DeleteAliasCommand({ FunctionName: 'al', Name: 'beta' }));
    await s.client.send(new DeleteAliasCommand({ FunctionName: 'al', Name: 'beta' }));
    const missing = await rejects(() => s.client.send(new GetAliasCommand({ FunctionName: 'al', Name: 'beta' })));
    assert.equal(missing.name, 'ResourceNotFoundException');
    assert.equal(missing.message, `Cannot find alias arn: ${ARN}:al:beta`);
    const upd = await rejects(() => s.client.send(new UpdateAliasCommand({ FunctionName: 'al', Name: 'beta', FunctionVersion: '1' })));
    assert.equal(upd.message, `Alias not found: ${ARN}:al:beta`);
    const byAlias = await s.client.send(new GetFunctionCommand({ FunctionName: 'al', Qualifier: 'live' }));
    assert.equal(byAlias.Configuration!.FunctionArn, `${ARN}:al:live`);
    assert.equal(byAlias.Configuration!.Version, '1');
    const noAlias = await rejects(() => s.client.send(new GetFunctionCommand({ FunctionName: 'al', Qualifier: 'nope' })));
    assert.equal(noAlias.message, `Function not found: ${ARN}:al:nope`);
    const dup = await rejects(() => s.client.send(new CreateAliasCommand({ FunctionName: 'al', Name: 'live', FunctionVersion: '2' })));
    assert.equal(dup.name, 'ResourceConflictException');
    assert.equal(dup.message, `Alias already exists: ${ARN}:al:live`);
  });

  it('refuses bad aliases and routing configurations with AWS’s texts', async () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ Name: '2024', FunctionVersion: '1' }, 'ValidationException',
        "1 validation error detected: Value '2024' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)"],
      [{ Name: 'r1', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 0.5, '3': 0.1 } } }, 'InvalidParameterValueException',
        'Number of items in AdditionalVersionWeights cannot be greater than 1'],
      [{ Name: 'r2', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 2 } } }, 'ValidationException',
        "1 validation error detected: Value '{2=2.0}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]"],
      [{ Name: 'r3', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': -1 } } }, 'ValidationException',
        "1 validation error detected: Value '{2=-1.0}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]"],
      [{ Name: 'r4', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { $LATEST: 0.5 } } }, 'ValidationException',
        "1 validation error detected: Value '{$LATEST=0.5}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 1024, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [0-9]+]"],
      [{ Name: 'r5', FunctionVersion: '$LATEST', RoutingConfig: { AdditionalVersionWeights: { '2': 0.5 } } }, 'InvalidParameterValueException',
        '$LATEST is not supported for an alias pointing to more than 1 version'],
      [{ Name: 'r6', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '1': 0.5 } } }, 'InvalidParameterValueException',
        'Invalid function version 1. Function version 1 is already included in routing configuration.'],
      [{ Name: 'r7', FunctionVersion: '10' }, 'ResourceNotFoundException', `Function not found: ${ARN}:al:10`],
      [{ Name: 'r8', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '10': 0.5 } } }, 'ResourceNotFoundException', `Function not found: ${ARN}:al:10`],
    ];
    for (const [input, name, message] of cases) {
      const err = await rejects(() => s.client.send(new CreateAliasCommand({ FunctionName: 'al', ...input } as never)));
      assert.equal(err.name, name, JSON.stringify(input));
      assert.equal(err.message, message, JSON.stringify(input));
    }
    const nofn = await rejects(() => s.client.send(new CreateAliasCommand({ FunctionName: 'al-unknown', Name: 'x', FunctionVersion: '1' })));
    assert.equal(nofn.message, `Function not found: ${ARN}:al-unknown:1`);
  });
});

describe('invoking versions and aliases', () => {
  before(async () => {
    await deploy(s.client, 'inv', code('A'));
    await publish('inv');
    await updateCode('inv', 'B');
    await publish('inv');
    await updateCode('inv', 'C');
  });

  it('runs the version named in the name, a qualified ARN or ?Qualifier, and reports it', async () => {
    const byName = await invoke(s.client, 'inv:1');
    assert.deepEqual([byName.json.code, byName.json.version, byName.json.arn, byName.out.ExecutedVersion], ['A', '1', `${ARN}:inv:1`, '1']);
    const byArn = await invoke(s.client, `${ARN}:inv:2`);
    assert.deepEqual([byArn.json.code, byArn.out.ExecutedVersion], ['B', '2']);
    const byQuery = await invoke(s.client, 'inv', {}, { Qualifier: '1' });
    assert.equal(byQuery.json.code, 'A');
    const latest = await invoke(s.client, 'inv');
    assert.deepEqual([latest.json.code, latest.json.version, latest.json.arn, latest.out.ExecutedVersion], ['C', '$LATEST', `${ARN}:inv`, '$LATEST']);
    const mismatch = await rejects(() => invoke(s.client, 'inv:1', {}, { Qualifier: '2' }));
    assert.equal(mismatch.message, 'The derived qualifier from the function name does not match the specified qualifier.');
    const missing = await rejects(() => invoke(s.client, 'inv:7'));
    assert.equal(missing.message, `Function not found: ${ARN}:inv:7`);
  });

  it('runs an alias’s version with the alias ARN as the invoked ARN', async () => {
    await s.client.send(new CreateAliasCommand({ FunctionName: 'inv', Name: 'live', FunctionVersion: '1' }));
    const r = await invoke(s.client, 'inv:live');
    assert.deepEqual([r.json.code, r.json.version, r.json.arn, r.out.ExecutedVersion], ['A', '1', `${ARN}:inv:live`, '1']);
    const q = await invoke(s.client, 'inv', {}, { Qualifier: 'live' });
    assert.equal(q.json.arn, `${ARN}:inv:live`);
  });

  it('moving an alias shifts traffic without a cold start of either version', async () => {
    await s.client.send(new CreateAliasCommand({ FunctionName: 'inv', Name: 'shift', FunctionVersion: '1' }));
    await invoke(s.client, 'inv:shift');
    await invoke(s.client, 'inv:2');
    await s.client.send(new UpdateAliasCommand({ FunctionName: 'inv', Name: 'shift', FunctionVersion: '2' }));
    const moved = await invoke(s.client, 'inv:shift');
    assert.equal(moved.json.code, 'B');
    assert.doesNotMatch(moved.log, /Init Duration/, 'version 2 was already warm');
    await s.client.send(new UpdateAliasCommand({ FunctionName: 'inv', Name: 'shift', FunctionVersion: '1' }));
    const back = await invoke(s.client, 'inv:shift');
    assert.equal(back.json.code, 'A');
    assert.doesNotMatch(back.log, /Init Duration/, 'version 1 stayed warm');
    // Changing $LATEST does not retire the published versions' environments either.
    await updateCode('inv', 'D');
    const still = await invoke(s.client, 'inv:1');
    assert.doesNotMatch(still.log, /Init Duration/);
  });

  it('routes by weight, per invocation (0.3 over 400 invocations lands within ±0.1)', async () => {
    await s.client.send(new CreateAliasCommand({ FunctionName: 'inv', Name: 'canary', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 0.3 } } }));
    const counts: Record<string, number> = {};
    const N = 400;
    // Four at a time; each result says which version ran, in the payload and the header.
    for (let i = 0; i < N; i += 4) {
      const batch = await Promise.all([0, 1, 2, 3].map(() => invoke(s.client, 'inv:canary')));
      for (const r of batch) {
        assert.equal(r.json.version, r.out.ExecutedVersion);
        assert.equal(r.json.arn, `${ARN}:inv:canary`);
        counts[r.out.ExecutedVersion!] = (counts[r.out.ExecutedVersion!] ?? 0) + 1;
      }
    }
    assert.deepEqual(Object.keys(counts).sort(), ['1', '2']);
    // Binomial(400, 0.3): sd ≈ 9.2, so ±40 is more than 4 sd (a false failure about once in 30,000 runs).
    const share = counts['2']! / N;
    assert.ok(share >= 0.2 && share <= 0.4, `version 2 got ${counts['2']} of ${N}`);
  });

  it('keeps versions and aliases across a restart', async () => {
    await s.restart();
    const r = await invoke(s.client, 'inv:live');
    assert.equal(r.json.code, 'A');
    const versions = await s.client.send(new ListVersionsByFunctionCommand({ FunctionName: 'inv' }));
    assert.deepEqual(versions.Versions!.map((v) => v.Version), ['$LATEST', '1', '2']);
  });
});

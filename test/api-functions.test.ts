/** The Lambda control-plane API through a real server, driven by the real @aws-sdk/client-lambda. */
import {
  CreateFunctionCommand, DeleteFunctionCommand, GetAccountSettingsCommand, GetFunctionCommand,
  GetFunctionConfigurationCommand, ListFunctionsCommand, ListTagsCommand, ResourceConflictException,
  ResourceNotFoundException, TagResourceCommand, UntagResourceCommand, UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand, waitUntilFunctionActiveV2, waitUntilFunctionUpdatedV2, InvalidParameterValueException,
  PreconditionFailedException,
} from '@aws-sdk/client-lambda';
import { rejects } from './helpers/functions.js';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { HELLO_NODE, makeZip } from './helpers/zip.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const ROLE = 'arn:aws:iam::000000000000:role/lambda-role';
let s: TestServer;
let zip: Buffer;

before(async () => {
  s = await startTestServer();
  zip = await makeZip(HELLO_NODE);
});

const create = (name: string, extra: Record<string, unknown> = {}) =>
  s.client.send(new CreateFunctionCommand({ FunctionName: name, Role: ROLE, Runtime: 'nodejs20.x', Handler: 'index.handler', Code: { ZipFile: zip }, ...extra }));

/** Run `fn`, expecting the SDK to throw; return the error for assertions. */

describe('CreateFunction', () => {
  it('answers AWS’s FunctionConfiguration with defaults, Pending, and base64 CodeSha256', async () => {
    const out = await create('fn-shape');
    assert.equal(out.$metadata.httpStatusCode, 201);
    assert.equal(out.FunctionName, 'fn-shape');
    assert.equal(out.FunctionArn, 'arn:aws:lambda:us-east-1:000000000000:function:fn-shape');
    assert.equal(out.Timeout, 3);
    assert.equal(out.MemorySize, 128);
    assert.equal(out.Description, '');
    assert.equal(out.Version, '$LATEST');
    assert.equal(out.PackageType, 'Zip');
    assert.deepEqual(out.Architectures, ['x86_64']);
    assert.deepEqual(out.EphemeralStorage, { Size: 512 });
    assert.deepEqual(out.TracingConfig, { Mode: 'PassThrough' });
    assert.deepEqual(out.LoggingConfig, { LogFormat: 'Text', LogGroup: '/aws/lambda/fn-shape' });
    assert.equal(out.State, 'Pending');
    assert.equal(out.StateReasonCode, 'Creating');
    assert.equal(out.CodeSize, zip.length);
    assert.equal(out.CodeSha256, createHash('sha256').update(zip).digest('base64'));
    assert.match(out.LastModified!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
    assert.match(out.RevisionId!, /^[0-9a-f-]{36}$/);
    assert.equal(out.Environment, undefined);
  });

  it('reports RuntimeVersionConfig on Create, Get and Update, stable per runtime, and not in lists (as AWS does)', async () => {
    const RVA = /^arn:aws:lambda:us-east-1::runtime:[0-9a-f]{64}$/;
    const created = await create('fn-rtv');
    const arn = created.RuntimeVersionConfig?.RuntimeVersionArn;
    assert.match(arn!, RVA);
    await waitUntilFunctionActiveV2({ client: s.client, maxWaitTime: 5 }, { FunctionName: 'fn-rtv' });
    const got = await s.client.send(new GetFunctionCommand({ FunctionName: 'fn-rtv' }));
    assert.equal(got.Configuration!.RuntimeVersionConfig?.RuntimeVersionArn, arn);
    const conf = await s.client.send(new GetFunctionConfigurationCommand({ FunctionName: 'fn-rtv' }));
    assert.equal(conf.RuntimeVersionConfig?.RuntimeVersionArn, arn);
    const other = await create('fn-rtv-same');
    assert.equal(other.RuntimeVersionConfig?.RuntimeVersionArn, arn, 'one ARN per runtime');
    const upd = await s.client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'fn-rtv', Timeout: 9 }));
    assert.equal(upd.RuntimeVersionConfig?.RuntimeVersionArn, arn);
    await waitUntilFunctionUpdatedV2({ client: s.client, maxWaitTime: 5 }, { FunctionName: 'fn-rtv' });
    const code = await s.client.send(new UpdateFunctionCodeCommand({ FunctionName: 'fn-rtv', ZipFile: zip }));
    assert.equal(code.RuntimeVersionConfig?.RuntimeVersionArn, arn);
    const listed = (await s.client.send(new ListFunctionsCommand({}))).Functions!.find((f) => f.FunctionName === 'fn-rtv');
    assert.ok(listed);
    assert.equal(listed.RuntimeVersionConfig, undefined);
  });

  it('becomes Active quickly enough for the SDK waiter', async () => {
    await create('fn-waiter');
    const t0 = Date.now();
    await waitUntilFunctionActiveV2({ client: s.client, maxWaitTime: 5 }, { FunctionName: 'fn-waiter' });
    assert.ok(Date.now() - t0 < 1000);
    const got = await s.client.send(new GetFunctionConfigurationCommand({ FunctionName: 'fn-waiter' }));
    assert.equal(got.State, 'Active');
    assert.equal(got.LastUpdateStatus, 'Successful');
  });

  it('refuses a duplicate with AWS’s text', async () => {
    await create('fn-dup');
    const err = await rejects(() => create('fn-dup'));
    assert.ok(err instanceof ResourceConflictException);
    assert.equal(err.message, 'Function already exist: fn-dup');
  });

  const validation: [string, Record<string, unknown>, string, string][] = [
    ['timeout above 900', { Timeout: 901 }, 'ValidationException', "1 validation error detected: Value '901' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900"],
    ['memory below 128', { MemorySize: 64 }, 'ValidationException', "1 validation error detected: Value '64' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128"],
    ['memory above 10240', { MemorySize: 10241 }, 'ValidationException', "1 validation error detected: Value '10241' at 'memorySize' failed to satisfy constraint: Member must have value less than or equal to 10240"],
    ['ephemeral storage below 512', { EphemeralStorage: { Size: 100 } }, 'ValidationException', "1 validation error detected: Value '100' at 'ephemeralStorage.size' failed to satisfy constraint: Member must have value greater than or equal to 512"],
    ['ephemeral storage above 10240', { EphemeralStorage: { Size: 20000 } }, 'ValidationException', "1 validation error detected: Value '20000' at 'ephemeralStorage.size' failed to satisfy constraint: Member must have value less than or equal to 10240"],
    ['two violations', { Timeout: 0, MemorySize: 1 }, 'ValidationException', "2 validation errors detected: Value '0' at 'timeout' failed to satisfy constraint: Member must have value greater than or equal to 1; Value '1' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128"],
    ['bad role', { Role: 'not-a-role' }, 'ValidationException', "1 validation error detected: Value 'not-a-role' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+"],
    ['bad handler', { Handler: 'has space' }, 'ValidationException', "1 validation error detected: Value 'has space' at 'handler' failed to satisfy constraint: Member must satisfy regular expression pattern: [^\\s]+"],
    // AWS's key pattern needs two characters at least: a one-letter name is refused.
    ['one-letter variable name', { Environment: { Variables: { A: '1' } } }, 'ValidationException', "1 validation error detected: Value '{A}' at 'environment.variables' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]"],
    // Lists are printed as AWS's Java service prints them (recorded in test_create_lambda_exceptions).
    ['two architectures', { Architectures: ['x86_64', 'arm64'] }, 'ValidationException', "1 validation error detected: Value '[x86_64, arm64]' at 'architectures' failed to satisfy constraint: Member must have length less than or equal to 1"],
    ['an upper-case architecture', { Architectures: ['X86_64'] }, 'ValidationException', "1 validation error detected: Value '[X86_64]' at 'architectures' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64], Member must not be null]"],
    ['no architecture', { Architectures: [] }, 'ValidationException', "1 validation error detected: Value '[]' at 'architectures' failed to satisfy constraint: Member must have length greater than or equal to 1"],
    ['an unknown SnapStart.ApplyOn', { SnapStart: { ApplyOn: 'invalidOption' } }, 'ValidationException', "1 validation error detected: Value 'invalidOption' at 'snapStart.applyOn' failed to satisfy constraint: Member must satisfy enum value set: [PublishedVersions, None]"],
    ['an unknown PackageType', { PackageType: 'Foo' }, 'ValidationException', "1 validation error detected: Value 'Foo' at 'packageType' failed to satisfy constraint: Member must satisfy enum value set: [Zip, Image]"],
    ['deprecated runtime', { Runtime: 'nodejs12.x' }, 'InvalidParameterValueException', 'The runtime parameter of nodejs12.x is no longer supported for creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating or updating functions.'],
    ['reserved variable', { Environment: { Variables: { AWS_REGION: 'x' } } }, 'InvalidParameterValueException', 'Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: AWS_REGION'],
  ];
  for (const [what, extra, code, message] of validation) {
    it(`rejects ${what}`, async () => {
      const err = await rejects(() => create(`fn-bad-${what.replace(/\W+/g, '-')}`, extra));
      assert.equal(err.name, code);
      assert.equal(err.message, message);
      assert.equal(err.$metadata.httpStatusCode, 400);
    });
  }

  it('rejects an unknown runtime with AWS’s enum list, in AWS’s order (recorded 2026-01)', async () => {
    const ENUM = '[nodejs20.x, python3.14, provided.al2023, python3.12, python3.13, nodejs24.x, nodejs22.x, java25, python3.10, python3.11, java21, ruby3.3, ruby3.4, ruby3.2, python3.8, python3.9, java17, nodejs16.x, dotnet10, dotnet8, java11, dotnet6, nodejs18.x, provided.al2, java8.al2]';
    for (const Runtime of ['cobol85', 'PYTHON3.9']) {
      const err = await rejects(() => create('fn-rt', { Runtime }));
      assert.ok(err instanceof InvalidParameterValueException);
      assert.equal(err.message, `Value ${Runtime} at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: ${ENUM} or be a valid ARN`);
    }
    const upd = await rejects(async () => {
      await create('fn-rt-upd');
      await waitUntilFunctionActiveV2({ client: s.client, maxWaitTime: 5 }, { FunctionName: 'fn-rt-upd' });
      return s.client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'fn-rt-upd', Runtime: 'cobol85' as never }));
    });
    assert.equal(upd.message, `Value cobol85 at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: ${ENUM} or be a valid ARN`);
  });

  it('refuses `provided` as deprecated; accepts python3.8 as AWS still does, and says when this server cannot run it', async () => {
    const old = await rejects(() => create('fn-provided', { Runtime: 'provided', Handler: 'x' }));
    assert.equal(old.message, 'The runtime parameter of provided is no longer supported for creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating or updating functions.');
    // python3.8 is in AWS's enum: the only refusal left is this server's (unless it was started with --runtime python3.8=…).
    const py38 = await create('fn-py38', { Runtime: 'python3.8', Handler: 'index.handler' }).catch((err: Error) => err);
    if (py38 instanceof Error) assert.match(py38.message, /^The runtime python3\.8 is not available on this Stratus server\. /);
    else assert.equal(py38.Runtime, 'python3.8');
  });

  it('rejects a bad function name', async () => {
    const err = await rejects(() => create('bad name!'));
    assert.equal(err.name, 'ValidationException');
    assert.match(err.message, /^1 validation error detected: Value 'bad name!' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: /);
  });

  it('rejects a name longer than 64 characters as AWS does: the validation text, as an InvalidParameterValueException', async () => {
    const long = 'f'.repeat(65);
    const err = await rejects(() => create(long));
    assert.equal(err.name, 'InvalidParameterValueException');
    assert.equal(err.$metadata.httpStatusCode, 400);
    assert.equal(err.message, `1 validation error detected: Value '${long}' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 64`);
    await create('g'.repeat(64));
  });

  it('refuses another account’s function ARN with AWS’s bare 403, and another region’s with AWS’s 404', async () => {
    const other = await rejects(() => create('arn:aws:lambda:us-east-1:123456789012:function:theirs'));
    assert.equal(other.name, 'AccessDeniedException');
    assert.equal(other.$metadata.httpStatusCode, 403);
    // AWS's body carries no text (recorded: Message null); the SDK then says "UnknownError".
    assert.equal(other.message, 'UnknownError');
    const region = await rejects(() => create('arn:aws:lambda:ap-southeast-1:000000000000:function:elsewhere'));
    assert.equal(region.name, 'ResourceNotFoundException');
    assert.equal(region.message, "Functions from 'ap-southeast-1' are not reachable in this region ('us-east-1')");
    // A full or partial ARN of this account creates the function it names.
    const byArn = await create('arn:aws:lambda:us-east-1:000000000000:function:by-arn');
    assert.equal(byArn.FunctionName, 'by-arn');
    const partial = await create('000000000000:function:by-partial-arn');
    assert.equal(partial.FunctionName, 'by-partial-arn');
  });

  it('rejects environment variables over 4 KB, measuring the JSON', async () => {
    const Variables = { BIG: 'x'.repeat(4100) };
    const err = await rejects(() => create('fn-env', { Environment: { Variables } }));
    assert.equal(err.message, `Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: ${JSON.stringify(Variables)}`);
  });

  it('rejects a package that is not a zip, and stores nothing', async () => {
    const err = await rejects(() => create('fn-notzip', { Code: { ZipFile: Buffer.from('this is not a zip file at all') } }));
    assert.ok(err instanceof InvalidParameterValueException);
    assert.equal(err.message, 'Could not unzip uploaded file. Please check your file, then try to upload again.');
    await rejects(() => s.client.send(new GetFunctionCommand({ FunctionName: 'fn-notzip' })));
  });

  it('rejects a zipped package over 50 MB', async () => {
    const big = Buffer.alloc(52_428_801, 1);
    const err = await rejects(() => create('fn-big', { Code: { ZipFile: big } }));
    assert.equal(err.name, 'RequestEntityTooLargeException');
    assert.equal(err.$metadata.httpStatusCode, 413);
    assert.equal(err.message, 'Zipped size must be smaller than 52428800 bytes');
  });

  it('rejects a package that unzips beyond 250 MB (a zip bomb) without writing it all', async () => {
    const bomb = await makeZip({ 'zeros.bin': Buffer.alloc(270 * 1024 * 1024) });
    assert.ok(bomb.length < 1024 * 1024, 'the bomb compresses well');
    const err = await rejects(() => create('fn-bomb', { Code: { ZipFile: bomb } }));
    assert.equal(err.message, 'Unzipped size must be smaller than 262144000 bytes');
  });
});

describe('reading functions', () => {
  it('GetFunction returns the configuration, tags and a link that downloads the same zip', async () => {
    await create('fn-get', { Tags: { team: 'a' }, Environment: { Variables: { AA: '1' } } });
    const out = await s.client.send(new GetFunctionCommand({ FunctionName: 'fn-get' }));
    assert.equal(out.Configuration?.FunctionName, 'fn-get');
    assert.deepEqual(out.Configuration?.Environment, { Variables: { AA: '1' } });
    assert.deepEqual(out.Tags, { team: 'a' });
    assert.equal(out.Code?.RepositoryType, 'S3');
    const res = await fetch(out.Code!.Location!);
    assert.equal(res.status, 200);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), zip);
    // Change the signature's first character to a different one (whatever it was).
    const tampered = await fetch(out.Code!.Location!.replace(/Signature=(.)/, (_, c: string) => `Signature=${c === 'A' ? 'B' : 'A'}`));
    assert.equal(tampered.status, 403);
  });

  it('accepts ARNs and qualifiers, and reports a missing function with AWS’s text', async () => {
    await create('fn-arn');
    const byArn = await s.client.send(new GetFunctionConfigurationCommand({ FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:fn-arn' }));
    assert.equal(byArn.FunctionName, 'fn-arn');
    const qualified = await s.client.send(new GetFunctionConfigurationCommand({ FunctionName: 'fn-arn', Qualifier: '$LATEST' }));
    assert.equal(qualified.FunctionArn, 'arn:aws:lambda:us-east-1:000000000000:function:fn-arn:$LATEST');
    const missing = await rejects(() => s.client.send(new GetFunctionCommand({ FunctionName: 'nope' })));
    assert.ok(missing instanceof ResourceNotFoundException);
    assert.equal(missing.message, 'Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope');
    const missingQ = await rejects(() => s.client.send(new GetFunctionCommand({ FunctionName: 'fn-arn', Qualifier: '7' })));
    assert.equal(missingQ.message, 'Function not found: arn:aws:lambda:us-east-1:000000000000:function:fn-arn:7');
    const mismatch = await rejects(() => s.client.send(new GetFunctionCommand({ FunctionName: 'fn-arn:$LATEST', Qualifier: '1' })));
    assert.equal(mismatch.message, 'The derived qualifier from the function name does not match the specified qualifier.');
    const region = await rejects(() => s.client.send(new GetFunctionCommand({ FunctionName: 'arn:aws:lambda:eu-west-1:000000000000:function:fn-arn' })));
    assert.equal(region.message, "Functions from 'eu-west-1' are not reachable in this region ('us-east-1')");
  });

  it('ListFunctions pages with Marker/MaxItems and omits state members', async () => {
    for (const n of ['page-a', 'page-b', 'page-c']) await create(n);
    const names: string[] = [];
    let Marker: string | undefined;
    do {
      const page = await s.client.send(new ListFunctionsCommand({ MaxItems: 2, Marker }));
      assert.ok(page.Functions!.length <= 2);
      for (const f of page.Functions!) {
        names.push(f.FunctionName!);
        assert.equal(f.State, undefined);
      }
      Marker = page.NextMarker;
    } while (Marker);
    assert.ok(['page-a', 'page-b', 'page-c'].every((n) => names.includes(n)));
    assert.deepEqual(names, [...names].sort());
  });

  it('GetAccountSettings reports AWS’s limits and real usage', async () => {
    const out = await s.client.send(new GetAccountSettingsCommand({}));
    assert.equal(out.AccountLimit?.CodeSizeZipped, 52428800);
    assert.equal(out.AccountLimit?.CodeSizeUnzipped, 262144000);
    assert.equal(out.AccountLimit?.ConcurrentExecutions, 1000);
    assert.ok(out.AccountUsage!.FunctionCount! >= 1);
    assert.ok(out.AccountUsage!.TotalCodeSize! > 0);
  });
});

describe('updating and deleting', () => {
  it('UpdateFunctionConfiguration changes $LATEST, answers InProgress, then Successful', async () => {
    const created = await create('fn-upd');
    const out = await s.client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'fn-upd', MemorySize: 512, Timeout: 30, Environment: { Variables: { BB: '2' } } }));
    assert.equal(out.LastUpdateStatus, 'InProgress');
    assert.equal(out.MemorySize, 512);
    assert.notEqual(out.RevisionId, created.RevisionId);
    await waitUntilFunctionUpdatedV2({ client: s.client, maxWaitTime: 5 }, { FunctionName: 'fn-upd' });
    const got = await s.client.send(new GetFunctionConfigurationCommand({ FunctionName: 'fn-upd' }));
    assert.equal(got.Timeout, 30);
    assert.deepEqual(got.Environment, { Variables: { BB: '2' } });
    assert.equal(got.CodeSha256, created.CodeSha256);
  });

  it('checks RevisionId', async () => {
    await create('fn-rev');
    await waitUntilFunctionActiveV2({ client: s.client, maxWaitTime: 5 }, { FunctionName: 'fn-rev' });
    const err = await rejects(() => s.client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'fn-rev', Timeout: 5, RevisionId: 'stale' })));
    assert.ok(err instanceof PreconditionFailedException);
    assert.equal(err.$metadata.httpStatusCode, 412);
  });

  it('gives a new RevisionId at every settle, so the one a Create or Update answered goes stale (AWS’s revision lifecycle)', async () => {
    const rev1 = (await create('fn-revs')).RevisionId;
    await waitUntilFunctionActiveV2({ client: s.client, maxWaitTime: 5 }, { FunctionName: 'fn-revs' });
    const rev2 = (await s.client.send(new GetFunctionCommand({ FunctionName: 'fn-revs' }))).Configuration!.RevisionId;
    assert.notEqual(rev2, rev1, 'Pending → Active is a new revision');
    const stale = await rejects(() => s.client.send(new UpdateFunctionCodeCommand({ FunctionName: 'fn-revs', ZipFile: zip, RevisionId: rev1 })));
    assert.ok(stale instanceof PreconditionFailedException);
    assert.equal(stale.message, 'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id');
    const rev3 = (await s.client.send(new UpdateFunctionCodeCommand({ FunctionName: 'fn-revs', ZipFile: zip, RevisionId: rev2 }))).RevisionId;
    assert.notEqual(rev3, rev2);
    await waitUntilFunctionUpdatedV2({ client: s.client, maxWaitTime: 5 }, { FunctionName: 'fn-revs' });
    const rev4 = (await s.client.send(new GetFunctionCommand({ FunctionName: 'fn-revs' }))).Configuration!.RevisionId;
    assert.notEqual(rev4, rev3, 'InProgress → Successful is a new revision');
    const rev5 = (await s.client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'fn-revs', Description: 'd', RevisionId: rev4 }))).RevisionId;
    assert.notEqual(rev5, rev4);
    await waitUntilFunctionUpdatedV2({ client: s.client, maxWaitTime: 5 }, { FunctionName: 'fn-revs' });
    const rev6 = (await s.client.send(new GetFunctionConfigurationCommand({ FunctionName: 'fn-revs' }))).RevisionId;
    assert.notEqual(rev6, rev5);
    // Reading does not change it.
    assert.equal((await s.client.send(new GetFunctionConfigurationCommand({ FunctionName: 'fn-revs' }))).RevisionId, rev6);
  });

  it('UpdateFunctionCode stores the new package', async () => {
    await create('fn-code');
    await waitUntilFunctionActiveV2({ client: s.client, maxWaitTime: 5 }, { FunctionName: 'fn-code' });
    const zip2 = await makeZip({ 'index.js': 'exports.handler = async () => 2;\n' });
    const out = await s.client.send(new UpdateFunctionCodeCommand({ FunctionName: 'fn-code', ZipFile: zip2 }));
    assert.equal(out.CodeSha256, createHash('sha256').update(zip2).digest('base64'));
    assert.equal(out.CodeSize, zip2.length);
    const bad = await rejects(() => s.client.send(new UpdateFunctionCodeCommand({ FunctionName: 'fn-code', ZipFile: Buffer.from('PK\x03\x04garbage') })));
    assert.equal(bad.message, 'Could not unzip uploaded file. Please check your file, then try to upload again.');
  });

  it('DeleteFunction removes it; $LATEST cannot be deleted alone', async () => {
    await create('fn-del');
    const latest = await rejects(() => s.client.send(new DeleteFunctionCommand({ FunctionName: 'fn-del', Qualifier: '$LATEST' })));
    assert.equal(latest.message, '$LATEST version cannot be deleted without deleting the function.');
    const out = await s.client.send(new DeleteFunctionCommand({ FunctionName: 'fn-del' }));
    assert.equal(out.$metadata.httpStatusCode, 204);
    const err = await rejects(() => s.client.send(new GetFunctionCommand({ FunctionName: 'fn-del' })));
    assert.ok(err instanceof ResourceNotFoundException);
    const again = await rejects(() => s.client.send(new DeleteFunctionCommand({ FunctionName: 'fn-del' })));
    assert.ok(again instanceof ResourceNotFoundException);
  });
});

describe('tags', () => {
  it('tags, untags and lists by function ARN', async () => {
    const fn = await create('fn-tags', { Tags: { a: '1' } });
    await s.client.send(new TagResourceCommand({ Resource: fn.FunctionArn, Tags: { b: '2', c: '3' } }));
    await s.client.send(new UntagResourceCommand({ Resource: fn.FunctionArn, TagKeys: ['a', 'c'] }));
    const out = await s.client.send(new ListTagsCommand({ Resource: fn.FunctionArn }));
    assert.deepEqual(out.Tags, { b: '2' });
    const qualified = await rejects(() => s.client.send(new ListTagsCommand({ Resource: `${fn.FunctionArn}:$LATEST` })));
    assert.equal(qualified.message, 'Tags on function aliases and versions are not supported. Please specify a function ARN.');
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));
    const tooMany = await rejects(() => s.client.send(new TagResourceCommand({ Resource: fn.FunctionArn, Tags: many })));
    assert.equal(tooMany.message, 'Number of tags exceeds resource tag limit.');
  });

  it('answers AWS’s texts for a malformed ARN, an empty Tags map and resources Stratus does not have (recorded)', async () => {
    const fn = await create('fn-tag-errors');
    const TAGGABLE =
      'arn:(aws[a-zA-Z-]*):lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:(function:[a-zA-Z0-9-_]+(:(\\$LATEST|[a-zA-Z0-9-_]+))?|layer:([a-zA-Z0-9-_]+)|code-signing-config:csc-[a-z0-9]{17}|event-source-mapping:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|capacity-provider:[a-zA-Z0-9-_]+)';
    for (const bad of ['arn:aws:something', 'arn:aws:lambda:us-east-1:000000000000:foobar:x']) {
      const err = await rejects(() => s.client.send(new TagResourceCommand({ Resource: bad, Tags: { a: 'b' } })));
      assert.equal(err.name, 'ValidationException');
      assert.equal(err.message, `1 validation error detected: Value '${bad}' at 'resource' failed to satisfy constraint: Member must satisfy regular expression pattern: ${TAGGABLE}`);
    }
    const empty = await rejects(() => s.client.send(new TagResourceCommand({ Resource: fn.FunctionArn, Tags: {} })));
    assert.ok(empty instanceof InvalidParameterValueException);
    assert.equal(empty.message, 'An error occurred and the request cannot be processed.');
    const missing = await rejects(() => s.client.send(new TagResourceCommand({ Resource: 'arn:aws:lambda:us-east-1:000000000000:function:doesnotexist', Tags: { a: 'b' } })));
    assert.equal(missing.message, 'Function not found: arn:aws:lambda:us-east-1:000000000000:function:doesnotexist');
    // The qualifier is refused before the function is looked up.
    const aliased = await rejects(() => s.client.send(new ListTagsCommand({ Resource: 'arn:aws:lambda:us-east-1:000000000000:function:doesnotexist:alias' })));
    assert.equal(aliased.message, 'Tags on function aliases and versions are not supported. Please specify a function ARN.');
    const esm = 'arn:aws:lambda:us-east-1:000000000000:event-source-mapping:0a1b2c3d-0000-4000-8000-0123456789ab';
    assert.equal((await rejects(() => s.client.send(new ListTagsCommand({ Resource: esm })))).message, `Event source mapping not found: ${esm}`);
    const cp = 'arn:aws:lambda:us-east-1:000000000000:capacity-provider:cp1';
    assert.equal((await rejects(() => s.client.send(new ListTagsCommand({ Resource: cp })))).message, `Capacity provider not found: ${cp}`);
  });
});

describe('persistence', () => {
  it('keeps every function, configuration, tag and package across a restart, byte for byte', async () => {
    const before = await create('fn-persist', { Tags: { keep: 'yes' }, MemorySize: 256, Environment: { Variables: { XX: 'y' } } });
    await waitUntilFunctionActiveV2({ client: s.client, maxWaitTime: 5 }, { FunctionName: 'fn-persist' });
    const was = await s.client.send(new GetFunctionCommand({ FunctionName: 'fn-persist' }));
    await s.restart();
    const now = await s.client.send(new GetFunctionCommand({ FunctionName: 'fn-persist' }));
    assert.deepEqual(now.Configuration, was.Configuration);
    assert.deepEqual(now.Tags, { keep: 'yes' });
    assert.equal(now.Configuration?.CodeSha256, before.CodeSha256);
    const res = await fetch(now.Code!.Location!);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), zip);
  });
});

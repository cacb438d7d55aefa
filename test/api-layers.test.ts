/** Layer versions through the real SDK: shapes, numbering, listing, validation and AWS's texts, and Layers on functions. */
import {
  CreateFunctionCommand, DeleteFunctionCommand, DeleteLayerVersionCommand, GetFunctionCommand, GetLayerVersionByArnCommand, GetLayerVersionCommand,
  ListLayersCommand, ListLayerVersionsCommand, PublishLayerVersionCommand, UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand, waitUntilFunctionActiveV2, waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { deploy, ROLE } from './helpers/functions.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { HELLO_NODE, makeZip } from './helpers/zip.js';

let s: TestServer;
let zip: Buffer;
before(async () => {
  s = await startTestServer();
  zip = await makeZip({ 'nodejs/node_modules/greet/index.js': 'module.exports = () => "hi";\n' });
});

const ARN = (name: string, v?: number) => `arn:aws:lambda:us-east-1:000000000000:layer:${name}${v === undefined ? '' : `:${v}`}`;

async function rejects(p: Promise<unknown>, name: string, message: string | RegExp): Promise<void> {
  await assert.rejects(p, (err: Error & { $metadata?: { httpStatusCode?: number } }) => {
    assert.equal(err.name, name, err.message);
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });
}

const LAYER_VERSION_ARN =
  '(arn:(aws[a-zA-Z-]*)?:lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+)|(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+)';

const publish = (name: string, extra: Record<string, unknown> = {}) =>
  s.client.send(new PublishLayerVersionCommand({ LayerName: name, Content: { ZipFile: zip }, ...extra }));

describe('PublishLayerVersion / GetLayerVersion', () => {
  it('publishes numbered versions with AWS’s shape and a download link to the zip', async () => {
    const v1 = await publish('shape', { Description: 'first', CompatibleRuntimes: ['nodejs20.x', 'python3.12'], LicenseInfo: 'MIT', CompatibleArchitectures: ['x86_64'] });
    assert.equal(v1.$metadata.httpStatusCode, 201);
    assert.equal(v1.LayerArn, ARN('shape'));
    assert.equal(v1.LayerVersionArn, ARN('shape', 1));
    assert.equal(v1.Version, 1);
    assert.equal(v1.Description, 'first');
    assert.deepEqual(v1.CompatibleRuntimes, ['nodejs20.x', 'python3.12']);
    assert.deepEqual(v1.CompatibleArchitectures, ['x86_64']);
    assert.equal(v1.LicenseInfo, 'MIT');
    assert.match(v1.CreatedDate!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
    assert.equal(v1.Content!.CodeSha256, createHash('sha256').update(zip).digest('base64'));
    assert.equal(v1.Content!.CodeSize, zip.length);
    const dl = await fetch(v1.Content!.Location!);
    assert.equal(dl.status, 200);
    assert.deepEqual(Buffer.from(await dl.arrayBuffer()), zip);

    const v2 = await publish('shape');
    assert.equal(v2.Version, 2);
    // Empty lists are answered empty, as AWS does; absent ones are left out.
    const empty = await publish('shape-empty', { CompatibleRuntimes: [], CompatibleArchitectures: [] });
    assert.deepEqual([empty.CompatibleRuntimes, empty.CompatibleArchitectures], [[], []]);
    assert.equal(v2.Description, '');
    assert.equal(v2.CompatibleRuntimes, undefined);
    assert.equal(v2.LicenseInfo, undefined);

    const got = await s.client.send(new GetLayerVersionCommand({ LayerName: 'shape', VersionNumber: 1 }));
    assert.equal(got.LayerVersionArn, ARN('shape', 1));
    assert.equal(got.LicenseInfo, 'MIT');
    const byArn = await s.client.send(new GetLayerVersionByArnCommand({ Arn: ARN('shape', 2) }));
    assert.equal(byArn.Version, 2);
    assert.equal(byArn.Content!.CodeSize, zip.length);
    // A layer ARN works as the LayerName too.
    const viaArn = await s.client.send(new GetLayerVersionCommand({ LayerName: ARN('shape'), VersionNumber: 2 }));
    assert.equal(viaArn.Version, 2);
  });

  it('never reuses a version number, even after every version is deleted', async () => {
    await publish('renum');
    await publish('renum');
    await s.client.send(new DeleteLayerVersionCommand({ LayerName: 'renum', VersionNumber: 1 }));
    await s.client.send(new DeleteLayerVersionCommand({ LayerName: 'renum', VersionNumber: 2 }));
    assert.equal((await publish('renum')).Version, 3);
  });

  it('answers a missing version with ResourceNotFoundException; deleting one twice succeeds', async () => {
    await rejects(s.client.send(new GetLayerVersionCommand({ LayerName: 'nope', VersionNumber: 1 })), 'ResourceNotFoundException', 'The resource you requested does not exist.');
    await rejects(s.client.send(new GetLayerVersionByArnCommand({ Arn: ARN('nope', 3) })), 'ResourceNotFoundException', 'The resource you requested does not exist.');
    await publish('gone');
    await s.client.send(new DeleteLayerVersionCommand({ LayerName: 'gone', VersionNumber: 1 }));
    await s.client.send(new DeleteLayerVersionCommand({ LayerName: 'gone', VersionNumber: 1 }));
    await rejects(s.client.send(new GetLayerVersionCommand({ LayerName: 'gone', VersionNumber: 1 })), 'ResourceNotFoundException', 'The resource you requested does not exist.');
  });

  it('refuses a version number below 1 on Get and Delete (AWS’s text, recorded)', async () => {
    await publish('low');
    for (const VersionNumber of [0, -1]) {
      await rejects(s.client.send(new GetLayerVersionCommand({ LayerName: 'low', VersionNumber })), 'InvalidParameterValueException', 'Layer Version Cannot be less than 1');
      await rejects(s.client.send(new DeleteLayerVersionCommand({ LayerName: 'low', VersionNumber })), 'InvalidParameterValueException', 'Layer Version Cannot be less than 1');
    }
  });

  it('validates as AWS does', async () => {
    await rejects(publish('bad name!'), 'ValidationException',
      "1 validation error detected: Value 'bad name!' at 'layerName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+");
    await rejects(publish('x'.repeat(141)), 'ValidationException', /at 'layerName' failed to satisfy constraint: Member must have length less than or equal to 140$/);
    await rejects(publish('lic', { LicenseInfo: 'x'.repeat(513) }), 'ValidationException', /at 'licenseInfo' failed to satisfy constraint: Member must have length less than or equal to 512$/);
    await rejects(publish('rt', { CompatibleRuntimes: Array(16).fill('nodejs20.x') }), 'ValidationException', /at 'compatibleRuntimes' failed to satisfy constraint: Member must have length less than or equal to 15$/);
    await rejects(publish('rt', { CompatibleRuntimes: ['cobol', 'nodejs20.x'] }), 'ValidationException',
      "1 validation error detected: Value '[cobol, nodejs20.x]' at 'compatibleRuntimes' failed to satisfy constraint: Member must satisfy enum value set: [nodejs20.x, python3.14, provided.al2023, python3.12, python3.13, nodejs24.x, nodejs22.x, java25, python3.10, python3.11, java21, ruby3.3, ruby3.4, ruby3.2, python3.8, python3.9, java17, nodejs16.x, dotnet10, dotnet8, java11, dotnet6, nodejs18.x, provided.al2, java8.al2]");
    await rejects(publish('arch', { CompatibleArchitectures: ['x86_64', 'arm64', 'x86_64'] }), 'ValidationException', /at 'compatibleArchitectures' failed to satisfy constraint: Member must have length less than or equal to 2$/);
    await rejects(publish('arch', { CompatibleArchitectures: ['sparc'] }), 'ValidationException',
      "1 validation error detected: Value '[sparc]' at 'compatibleArchitectures' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64], Member must not be null]");
    await rejects(publish('desc', { Description: 'd'.repeat(257) }), 'ValidationException', /at 'description' failed to satisfy constraint: Member must have length less than or equal to 256$/);
    await rejects(
      s.client.send(new PublishLayerVersionCommand({ LayerName: 's3', Content: { S3Bucket: 'b', S3Key: 'k' } })),
      'InvalidParameterValueException', /cannot fetch layer content from S3 yet: upload the package as Content\.ZipFile/,
    );
    await rejects(
      s.client.send(new PublishLayerVersionCommand({ LayerName: 'junk', Content: { ZipFile: Buffer.from('not a zip') } })),
      'InvalidParameterValueException', 'Could not unzip uploaded file. Please check your file, then try to upload again.',
    );
    await rejects(s.client.send(new GetLayerVersionByArnCommand({ Arn: ARN('shape') })), 'ValidationException',
      `1 validation error detected: Value '${ARN('shape')}' at 'arn' failed to satisfy constraint: Member must satisfy regular expression pattern: ${LAYER_VERSION_ARN}`);
    await rejects(s.client.send(new ListLayersCommand({ MaxItems: 51 })), 'ValidationException', /at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 50$/);
    // The list filter takes AWS's wider enum (old runtimes too), in AWS's order.
    await rejects(s.client.send(new ListLayersCommand({ CompatibleRuntime: 'cobol' as never })), 'ValidationException',
      /^1 validation error detected: Value 'cobol' at 'compatibleRuntime' failed to satisfy constraint: Member must satisfy enum value set: \[ruby3\.5, ruby2\.6, dotnetcore1\.0, python3\.7, .*, python3\.6, python2\.7\]$/);
    assert.deepEqual((await s.client.send(new ListLayersCommand({ CompatibleRuntime: 'python3.7' }))).Layers, []);
  });
});

describe('garbage collection', () => {
  it('keeps a package a layer version holds when the last function with the same content goes', async () => {
    // The same zip as function code and as a layer: one package in the content-addressed store.
    const both = await makeZip({ 'index.js': 'exports.handler = async () => 1;' });
    const layer = await s.client.send(new PublishLayerVersionCommand({ LayerName: 'shared-pkg', Content: { ZipFile: both } }));
    const fn = await s.client.send(new CreateFunctionCommand({ FunctionName: 'same-content', Role: ROLE, Runtime: 'nodejs20.x', Handler: 'index.handler', Code: { ZipFile: both } }));
    assert.equal(fn.CodeSha256, layer.Content!.CodeSha256);
    await waitUntilFunctionActiveV2({ client: s.client, maxWaitTime: 10 }, { FunctionName: 'same-content' });
    await s.client.send(new DeleteFunctionCommand({ FunctionName: 'same-content' }));
    await s.restart();
    const got = await s.client.send(new GetLayerVersionCommand({ LayerName: 'shared-pkg', VersionNumber: layer.Version }));
    const dl = await fetch(got.Content!.Location!);
    assert.equal(dl.status, 200);
    assert.deepEqual(Buffer.from(await dl.arrayBuffer()), both);
  });
});

describe('ListLayers / ListLayerVersions', () => {
  it('lists each layer with its latest matching version, filters, and pages with Marker/MaxItems', async () => {
    const z = (n: string) => `zl-${n}`;
    await publish(z('a'), { CompatibleRuntimes: ['python3.12'], CompatibleArchitectures: ['arm64'] });
    await publish(z('a'), { CompatibleRuntimes: ['nodejs20.x'] });
    await publish(z('b'), { CompatibleRuntimes: ['python3.12'] });
    await publish(z('c'));
    const mine = <T extends { LayerName?: string }>(l: T[] = []) => l.filter((x) => x.LayerName!.startsWith('zl-'));

    const all = mine((await s.client.send(new ListLayersCommand({}))).Layers);
    assert.deepEqual(all.map((l) => [l.LayerName, l.LatestMatchingVersion!.Version]), [[z('a'), 2], [z('b'), 1], [z('c'), 1]]);
    assert.equal(all[0]!.LayerArn, ARN(z('a')));
    assert.equal(all[0]!.LatestMatchingVersion!.LayerVersionArn, ARN(z('a'), 2));
    assert.match(all[0]!.LatestMatchingVersion!.CreatedDate!, /\+0000$/);

    const py = mine((await s.client.send(new ListLayersCommand({ CompatibleRuntime: 'python3.12' }))).Layers);
    assert.deepEqual(py.map((l) => [l.LayerName, l.LatestMatchingVersion!.Version]), [[z('a'), 1], [z('b'), 1]]);
    const arm = mine((await s.client.send(new ListLayersCommand({ CompatibleArchitecture: 'arm64' }))).Layers);
    assert.deepEqual(arm.map((l) => l.LayerName), [z('a')]);

    const names: string[] = [];
    let marker: string | undefined;
    do {
      const page = await s.client.send(new ListLayersCommand({ MaxItems: 1, Marker: marker }));
      assert.ok(page.Layers!.length <= 1);
      names.push(...page.Layers!.map((l) => l.LayerName!));
      marker = page.NextMarker;
    } while (marker);
    assert.deepEqual(names.filter((n) => n.startsWith('zl-')), [z('a'), z('b'), z('c')]);

    const versions = await s.client.send(new ListLayerVersionsCommand({ LayerName: z('a') }));
    assert.deepEqual(versions.LayerVersions!.map((v) => v.Version), [2, 1]);
    assert.deepEqual(versions.LayerVersions![1]!.CompatibleArchitectures, ['arm64']);
    const p1 = await s.client.send(new ListLayerVersionsCommand({ LayerName: z('a'), MaxItems: 1 }));
    assert.deepEqual(p1.LayerVersions!.map((v) => v.Version), [2]);
    const p2 = await s.client.send(new ListLayerVersionsCommand({ LayerName: z('a'), MaxItems: 1, Marker: p1.NextMarker }));
    assert.deepEqual(p2.LayerVersions!.map((v) => v.Version), [1]);
    assert.equal(p2.NextMarker, undefined);
    const filtered = await s.client.send(new ListLayerVersionsCommand({ LayerName: z('a'), CompatibleRuntime: 'python3.12' }));
    assert.deepEqual(filtered.LayerVersions!.map((v) => v.Version), [1]);
    assert.deepEqual((await s.client.send(new ListLayerVersionsCommand({ LayerName: 'never-published' }))).LayerVersions, []);
  });
});

describe('Layers on functions', () => {
  it('takes layer ARNs on create and update, and lists them with their sizes', async () => {
    const a = await publish('fl-a');
    const b = await publish('fl-b');
    await deploy(s.client, 'with-layers', HELLO_NODE, { Layers: [a.LayerVersionArn, b.LayerVersionArn] });
    const got = await s.client.send(new GetFunctionCommand({ FunctionName: 'with-layers' }));
    assert.deepEqual(got.Configuration!.Layers, [{ Arn: a.LayerVersionArn, CodeSize: zip.length }, { Arn: b.LayerVersionArn, CodeSize: zip.length }]);
    const upd = await s.client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'with-layers', Layers: [b.LayerVersionArn!] }));
    assert.deepEqual(upd.Layers, [{ Arn: b.LayerVersionArn, CodeSize: zip.length }]);
    await waitUntilFunctionUpdatedV2({ client: s.client, maxWaitTime: 10 }, { FunctionName: 'with-layers' });
    // Other configuration changes keep the layers; an empty list removes them.
    const mem = await s.client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'with-layers', MemorySize: 256 }));
    assert.deepEqual(mem.Layers, [{ Arn: b.LayerVersionArn, CodeSize: zip.length }]);
    await waitUntilFunctionUpdatedV2({ client: s.client, maxWaitTime: 10 }, { FunctionName: 'with-layers' });
    const none = await s.client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'with-layers', Layers: [] }));
    assert.equal(none.Layers, undefined);
  });

  it('refuses more than 5 layers, missing versions and two versions of one layer with AWS’s texts', async () => {
    const v1 = await publish('rules');
    const v2 = await publish('rules');
    const create = (Layers: string[]) =>
      s.client.send(new CreateFunctionCommand({ FunctionName: 'rules-fn', Role: ROLE, Runtime: 'nodejs20.x', Handler: 'index.handler', Code: { ZipFile: zip }, Layers }));
    await rejects(create(Array(6).fill(v1.LayerVersionArn)), 'InvalidParameterValueException', 'Cannot reference more than 5 layers.');
    await rejects(create([ARN('rules', 9)]), 'InvalidParameterValueException', `Layer version ${ARN('rules', 9)} does not exist.`);
    await rejects(create(['arn:aws:lambda:us-east-1:123456789012:layer:theirs:1']), 'InvalidParameterValueException', 'Layer version arn:aws:lambda:us-east-1:123456789012:layer:theirs:1 does not exist.');
    await rejects(create([v1.LayerVersionArn!, v2.LayerVersionArn!]), 'InvalidParameterValueException',
      `Two different versions of the same layer are not allowed to be referenced in the same function. ${v1.LayerVersionArn} and ${v2.LayerVersionArn} are versions of the same layer.`);
    await s.client.send(new DeleteLayerVersionCommand({ LayerName: 'rules', VersionNumber: 2 }));
    await rejects(create([v2.LayerVersionArn!]), 'InvalidParameterValueException', `Layer version ${v2.LayerVersionArn} does not exist.`);
    // Nothing was created by the refused calls.
    await rejects(s.client.send(new GetFunctionCommand({ FunctionName: 'rules-fn' })), 'ResourceNotFoundException', /Function not found/);
    await deploy(s.client, 'rules-upd', HELLO_NODE);
    await rejects(s.client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'rules-upd', Layers: [ARN('rules', 2)] })), 'InvalidParameterValueException', `Layer version ${ARN('rules', 2)} does not exist.`);
  });

  it('refuses a layer ARN without a version, and a layer of another region, as recorded on AWS', async () => {
    const v1 = await publish('shapes');
    await deploy(s.client, 'layer-shapes', HELLO_NODE);
    const update = (Layers: string[]) => s.client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'layer-shapes', Layers }));
    await rejects(update([v1.LayerVersionArn!, ARN('shapes')]), 'ValidationException',
      `1 validation error detected: Value '[${v1.LayerVersionArn}, ${ARN('shapes')}]' at 'layers' failed to satisfy constraint: Member must satisfy constraint: ` +
        `[Member must have length less than or equal to 2048, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: ${LAYER_VERSION_ARN}, Member must not be null]`);
    const elsewhere = 'arn:aws:lambda:eu-west-1:000000000000:layer:shapes:1';
    await rejects(update([elsewhere]), 'InvalidParameterValueException', 'Layers are not in the same region as the function. Layers are expected to be in region us-east-1.');
    await rejects(
      s.client.send(new CreateFunctionCommand({ FunctionName: 'layer-elsewhere', Role: ROLE, Runtime: 'nodejs20.x', Handler: 'index.handler', Code: { ZipFile: zip }, Layers: [elsewhere] })),
      'InvalidParameterValueException', 'Layers are not in the same region as the function. Layers are expected to be in region us-east-1.',
    );
    // An AWS-managed layer has the model's form but does not exist here.
    await rejects(update(['arn:aws:lambda:::awslayer:AWSLambda-Python-AWS-SDK']), 'InvalidParameterValueException', 'Layer version arn:aws:lambda:::awslayer:AWSLambda-Python-AWS-SDK does not exist.');
  });

  it('counts layers in the 250 MB unzipped limit', async () => {
    // Highly compressible: 200 MB unzipped in a small zip.
    const big = await makeZip({ 'big.bin': Buffer.alloc(200 * 1024 * 1024) });
    const layer = await s.client.send(new PublishLayerVersionCommand({ LayerName: 'big', Content: { ZipFile: big } }));
    const code = await makeZip({ 'index.js': 'exports.handler = async () => 1;', 'pad.bin': Buffer.alloc(61 * 1024 * 1024) });
    await rejects(
      s.client.send(new CreateFunctionCommand({ FunctionName: 'too-big', Role: ROLE, Runtime: 'nodejs20.x', Handler: 'index.handler', Code: { ZipFile: code }, Layers: [layer.LayerVersionArn!] })),
      'InvalidParameterValueException', 'Unzipped size must be smaller than 262144000 bytes',
    );
    await deploy(s.client, 'fits', { 'index.js': 'exports.handler = async () => 1;', 'pad.bin': Buffer.alloc(61 * 1024 * 1024) });
    await rejects(s.client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'fits', Layers: [layer.LayerVersionArn!] })), 'InvalidParameterValueException', 'Unzipped size must be smaller than 262144000 bytes');
    await deploy(s.client, 'small', HELLO_NODE, { Layers: [layer.LayerVersionArn] });
    await rejects(s.client.send(new UpdateFunctionCodeCommand({ FunctionName: 'small', ZipFile: code })), 'InvalidParameterValueException', 'Unzipped size must be smaller than 262144000 bytes');
  });
});

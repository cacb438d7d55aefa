/** Put/Update/Get/Delete/ListFunctionEventInvokeConfigs through a real server and the real SDK (contract C1, C3, D4). */
import {
  CreateAliasCommand, CreateFunctionCommand, DeleteAliasCommand, DeleteFunctionCommand, PublishVersionCommand, DeleteFunctionEventInvokeConfigCommand, GetFunctionEventInvokeConfigCommand,
  InvokeCommand, ListFunctionEventInvokeConfigsCommand, PutFunctionEventInvokeConfigCommand, UpdateFunctionEventInvokeConfigCommand,
  waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { rejects, ROLE } from './helpers/functions.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { HELLO_NODE, makeZip } from './helpers/zip.js';

const ARN = 'arn:aws:lambda:us-east-1:000000000000:function';
let s: TestServer;

before(async () => {
  s = await startTestServer();
  const zip = await makeZip(HELLO_NODE);
  for (const FunctionName of ['cfg', 'cfg-other', 'cfg-gone']) {
    await s.client.send(new CreateFunctionCommand({ FunctionName, Role: ROLE, Runtime: 'nodejs20.x', Handler: 'index.handler', Code: { ZipFile: zip } }));
    await waitUntilFunctionActiveV2({ client: s.client, maxWaitTime: 10 }, { FunctionName });
  }
});


describe('event-invoke configs', () => {
  it('Put answers AWS’s shape: qualified FunctionArn (:$LATEST), LastModified as epoch seconds, both destination members', async () => {
    const before = Date.now() / 1000;
    const out = await s.client.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'cfg', MaximumRetryAttempts: 1 }));
    assert.equal(out.$metadata.httpStatusCode, 200);
    assert.equal(out.FunctionArn, `${ARN}:cfg:$LATEST`);
    assert.equal(out.MaximumRetryAttempts, 1);
    assert.equal(out.MaximumEventAgeInSeconds, undefined);
    assert.deepEqual(out.DestinationConfig, { OnSuccess: {}, OnFailure: {} });
    // The SDK parses a number of epoch seconds into a Date (a string would fail to deserialize).
    assert.ok(out.LastModified instanceof Date);
    assert.ok(out.LastModified.getTime() / 1000 >= before - 1 && out.LastModified.getTime() / 1000 <= Date.now() / 1000 + 1);
  });

  it('Put replaces the whole config; Update (POST) merges', async () => {
    await s.client.send(new PutFunctionEventInvokeConfigCommand({
      FunctionName: 'cfg', MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 120,
      DestinationConfig: { OnFailure: { Destination: `${ARN}:cfg-other` } },
    }));
    let got = await s.client.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: 'cfg' }));
    assert.equal(got.MaximumRetryAttempts, 0);
    assert.equal(got.MaximumEventAgeInSeconds, 120);
    assert.deepEqual(got.DestinationConfig, { OnSuccess: {}, OnFailure: { Destination: `${ARN}:cfg-other` } });

    const upd = await s.client.send(new UpdateFunctionEventInvokeConfigCommand({
      FunctionName: 'cfg', DestinationConfig: { OnSuccess: { Destination: `${ARN}:cfg-other:$LATEST` } },
    }));
    assert.equal(upd.MaximumRetryAttempts, 0);
    assert.equal(upd.MaximumEventAgeInSeconds, 120);
    assert.deepEqual(upd.DestinationConfig, { OnSuccess: { Destination: `${ARN}:cfg-other:$LATEST` }, OnFailure: { Destination: `${ARN}:cfg-other` } });

    await s.client.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'cfg', MaximumEventAgeInSeconds: 60 }));
    got = await s.client.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: 'cfg' }));
    assert.equal(got.MaximumRetryAttempts, undefined);
    assert.equal(got.MaximumEventAgeInSeconds, 60);
    assert.deepEqual(got.DestinationConfig, { OnSuccess: {}, OnFailure: {} });
  });

  it('accepts destinations of kinds Stratus does not deliver to yet (stored as AWS does)', async () => {
    const sqs = 'arn:aws:sqs:us-east-1:000000000000:my-queue';
    const out = await s.client.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'cfg-other', DestinationConfig: { OnFailure: { Destination: sqs } } }));
    assert.deepEqual(out.DestinationConfig, { OnSuccess: {}, OnFailure: { Destination: sqs } });
  });

  it('takes the qualifier from ?Qualifier or the name, and lists configs', async () => {
    const viaQuery = await s.client.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: 'cfg', Qualifier: '$LATEST' }));
    assert.equal(viaQuery.FunctionArn, `${ARN}:cfg:$LATEST`);
    const viaArn = await s.client.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: `${ARN}:cfg:$LATEST` }));
    assert.equal(viaArn.FunctionArn, `${ARN}:cfg:$LATEST`);
    const list = await s.client.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'cfg' }));
    assert.equal(list.FunctionEventInvokeConfigs?.length, 1);
    assert.equal(list.FunctionEventInvokeConfigs?.[0]?.FunctionArn, `${ARN}:cfg:$LATEST`);
    assert.equal(list.FunctionEventInvokeConfigs?.[0]?.MaximumEventAgeInSeconds, 60);
    assert.equal(list.NextMarker, undefined);
  });

  it('Delete removes it; then Get, Update and Delete answer AWS’s not-found text', async () => {
    const del = await s.client.send(new DeleteFunctionEventInvokeConfigCommand({ FunctionName: 'cfg' }));
    assert.equal(del.$metadata.httpStatusCode, 204);
    const text = `The function ${ARN}:cfg:$LATEST doesn't have an EventInvokeConfig`;
    for (const call of [
      () => s.client.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: 'cfg' })),
      () => s.client.send(new DeleteFunctionEventInvokeConfigCommand({ FunctionName: 'cfg' })),
      () => s.client.send(new UpdateFunctionEventInvokeConfigCommand({ FunctionName: 'cfg', MaximumRetryAttempts: 1 })),
    ]) {
      const err = await rejects(call);
      assert.equal(err.name, 'ResourceNotFoundException');
      assert.equal(err.$metadata.httpStatusCode, 404);
      assert.equal(err.message, text);
    }
    const list = await s.client.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'cfg' }));
    assert.deepEqual(list.FunctionEventInvokeConfigs, []);
  });

  it('configs belong to a qualifier; a deleted alias or version takes its config with it', async () => {
    await s.client.send(new PublishVersionCommand({ FunctionName: 'cfg-other' }));
    await s.client.send(new CreateAliasCommand({ FunctionName: 'cfg-other', Name: 'live', FunctionVersion: '1' }));
    const onAlias = await s.client.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'cfg-other', Qualifier: 'live', MaximumRetryAttempts: 0 }));
    assert.equal(onAlias.FunctionArn, `${ARN}:cfg-other:live`);
    const onVersion = await s.client.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: `cfg-other:1`, MaximumRetryAttempts: 1 }));
    assert.equal(onVersion.FunctionArn, `${ARN}:cfg-other:1`);
    const list = await s.client.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'cfg-other' }));
    assert.deepEqual(list.FunctionEventInvokeConfigs?.map((c) => c.FunctionArn), [`${ARN}:cfg-other:$LATEST`, `${ARN}:cfg-other:1`, `${ARN}:cfg-other:live`]);
    const paged = await s.client.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'cfg-other', MaxItems: 2 }));
    assert.equal(paged.FunctionEventInvokeConfigs?.length, 2);
    const rest = await s.client.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'cfg-other', MaxItems: 2, Marker: paged.NextMarker }));
    assert.deepEqual(rest.FunctionEventInvokeConfigs?.map((c) => c.FunctionArn), [`${ARN}:cfg-other:live`]);
    assert.equal(rest.NextMarker, undefined);

    const missingAlias = await rejects(() => s.client.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'cfg-other', Qualifier: 'nope', MaximumRetryAttempts: 0 })));
    assert.equal(missingAlias.name, 'ResourceNotFoundException');
    assert.equal(missingAlias.message, "The function doesn't exist.");
    const getMissingAlias = await rejects(() => s.client.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: 'cfg-other', Qualifier: 'nope' })));
    assert.equal(getMissingAlias.message, `The function ${ARN}:cfg-other:nope doesn't have an EventInvokeConfig`);

    await s.client.send(new DeleteAliasCommand({ FunctionName: 'cfg-other', Name: 'live' }));
    await s.client.send(new DeleteFunctionCommand({ FunctionName: 'cfg-other', Qualifier: '1' }));
    const after = await s.client.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'cfg-other' }));
    assert.deepEqual(after.FunctionEventInvokeConfigs?.map((c) => c.FunctionArn), [`${ARN}:cfg-other:$LATEST`]);
  });

  it('a deleted function takes its configs with it', async () => {
    await s.client.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'cfg-gone', MaximumRetryAttempts: 2 }));
    await s.client.send(new DeleteFunctionCommand({ FunctionName: 'cfg-gone' }));
    const zip = await makeZip(HELLO_NODE);
    await s.client.send(new CreateFunctionCommand({ FunctionName: 'cfg-gone', Role: ROLE, Runtime: 'nodejs20.x', Handler: 'index.handler', Code: { ZipFile: zip } }));
    const err = await rejects(() => s.client.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: 'cfg-gone' })));
    assert.equal(err.name, 'ResourceNotFoundException');
  });

  describe('validation (AWS’s texts)', () => {
    const cases: [string, Record<string, unknown>, string, string][] = [
      ['nothing set', {}, 'InvalidParameterValueException', 'You must specify at least one of error handling or destination setting.'],
      ['retries above 2', { MaximumRetryAttempts: 3 }, 'ValidationException',
        "1 validation error detected: Value '3' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 2"],
      ['retries below 0', { MaximumRetryAttempts: -1 }, 'ValidationException',
        "1 validation error detected: Value '-1' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value greater than or equal to 0"],
      ['age below 60', { MaximumEventAgeInSeconds: 59 }, 'ValidationException',
        "1 validation error detected: Value '59' at 'maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value greater than or equal to 60"],
      ['age above 21600', { MaximumEventAgeInSeconds: 21601 }, 'ValidationException',
        "1 validation error detected: Value '21601' at 'maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value less than or equal to 21600"],
      ['two violations', { MaximumRetryAttempts: 5, MaximumEventAgeInSeconds: 1 }, 'ValidationException',
        "2 validation errors detected: Value '5' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 2; Value '1' at 'maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value greater than or equal to 60"],
      ['destination not an ARN', { DestinationConfig: { OnFailure: { Destination: 'nope' } } }, 'ValidationException',
        "1 validation error detected: Value 'nope' at 'destinationConfig.onFailure.destination' failed to satisfy constraint: Member must satisfy regular expression pattern: $|kafka://([^.]([a-zA-Z0-9\\-_.]{0,248}))|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1})?:(\\d{12})?:(.*)"],
      ['the function itself', { DestinationConfig: { OnSuccess: { Destination: `${ARN}:cfg` } } }, 'InvalidParameterValueException',
        "You can't specify the function as a destination for itself."],
      ['the function itself, qualified', { DestinationConfig: { OnFailure: { Destination: `${ARN}:cfg:$LATEST` } } }, 'InvalidParameterValueException',
        "You can't specify the function as a destination for itself."],
      ['a Lambda function that does not exist', { DestinationConfig: { OnSuccess: { Destination: `${ARN}:doesnotexist` } } }, 'InvalidParameterValueException',
        `The destination ARN ${ARN}:doesnotexist is invalid.`],
      ['a missing alias of another function', { DestinationConfig: { OnFailure: { Destination: `${ARN}:cfg-other:nope` } } }, 'InvalidParameterValueException',
        `The destination ARN ${ARN}:cfg-other:nope is invalid.`],
      ['a service records cannot go to', { DestinationConfig: { OnSuccess: { Destination: `${ARN.replace(':lambda:', ':iam:')}:cfg` } } }, 'InvalidParameterValueException',
        `The provided destination config DestinationConfig(onSuccess=OnSuccess(destination=${ARN.replace(':lambda:', ':iam:')}:cfg), onFailure=null) is invalid.`],
      ['an S3 bucket for successes (failures only)', { DestinationConfig: { OnSuccess: { Destination: 'arn:aws:s3:::bucket' }, OnFailure: {} } }, 'InvalidParameterValueException',
        'The provided destination config DestinationConfig(onSuccess=OnSuccess(destination=arn:aws:s3:::bucket), onFailure=OnFailure(destination=null)) is invalid.'],
    ];
    for (const [label, input, code, message] of cases) {
      it(`${label} → ${code}`, async () => {
        for (const Command of [PutFunctionEventInvokeConfigCommand, UpdateFunctionEventInvokeConfigCommand]) {
          const err = await rejects(() => s.client.send(new Command({ FunctionName: 'cfg', ...input } as never)));
          assert.equal(err.name, code);
          assert.equal(err.$metadata.httpStatusCode, 400);
          assert.equal(err.message, message);
        }
      });
    }

    it('a missing function: Put, Update and List say it does not exist; Get and Delete find no config', async () => {
      for (const call of [
        () => s.client.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'no-such-fn', MaximumRetryAttempts: 1 })),
        () => s.client.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: `${ARN}:no-such-fn`, MaximumRetryAttempts: 1 })),
        () => s.client.send(new UpdateFunctionEventInvokeConfigCommand({ FunctionName: 'no-such-fn', MaximumRetryAttempts: 0 })),
        () => s.client.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'no-such-fn' })),
      ]) {
        const err = await rejects(call);
        assert.equal(err.name, 'ResourceNotFoundException');
        assert.equal(err.$metadata.httpStatusCode, 404);
        assert.equal(err.message, "The function doesn't exist.");
      }
      for (const call of [
        () => s.client.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: 'no-such-fn' })),
        () => s.client.send(new DeleteFunctionEventInvokeConfigCommand({ FunctionName: 'no-such-fn' })),
      ]) {
        const err = await rejects(call);
        assert.equal(err.name, 'ResourceNotFoundException');
        assert.equal(err.message, `The function ${ARN}:no-such-fn:$LATEST doesn't have an EventInvokeConfig`);
      }
      // The settings are checked first: nothing to set is refused whether or not the function exists.
      const nothing = await rejects(() => s.client.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'no-such-fn' })));
      assert.equal(nothing.message, 'You must specify at least one of error handling or destination setting.');
    });

    it('a DestinationConfig naming no destination is a setting of its own (200, as AWS answers)', async () => {
      for (const DestinationConfig of [{ OnSuccess: {} }, { OnFailure: {} }]) {
        const out = await s.client.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'cfg-gone', DestinationConfig }));
        assert.equal(out.$metadata.httpStatusCode, 200);
        assert.deepEqual(out.DestinationConfig, { OnSuccess: {}, OnFailure: {} });
        assert.equal(out.MaximumRetryAttempts, undefined);
      }
    });

    it('MaxItems out of range → ValidationException', async () => {
      const err = await rejects(() => s.client.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'cfg', MaxItems: 51 })));
      assert.equal(err.name, 'ValidationException');
      assert.equal(err.message, "1 validation error detected: Value '51' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 50");
    });
  });
});

describe('async payload limit', () => {
  it('refuses an Event payload over 1 MB with AWS’s text, and accepts one at the limit', async () => {
    const over = Buffer.from(JSON.stringify({ a: 'x'.repeat(1_048_576) }));
    const err = await rejects(() => s.client.send(new InvokeCommand({ FunctionName: 'cfg-other', InvocationType: 'Event', Payload: over })));
    assert.equal(err.name, 'RequestEntityTooLargeException');
    assert.equal(err.$metadata.httpStatusCode, 413);
    assert.equal(err.message, `${over.length} byte payload is too large for the Event invocation type (limit 1048576 bytes)`);
    const at = Buffer.from(JSON.stringify({ a: 'x'.repeat(1_048_576 - 8) }));
    assert.equal(at.length, 1_048_576);
    const ok = await s.client.send(new InvokeCommand({ FunctionName: 'cfg-other', InvocationType: 'Event', Payload: at }));
    assert.equal(ok.StatusCode, 202);
  });
});

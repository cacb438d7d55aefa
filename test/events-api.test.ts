/** EventBridge rules, targets and PutEvents on a real server, driven by @aws-sdk/client-eventbridge. */
import {
  DeleteRuleCommand, DescribeRuleCommand, DisableRuleCommand, EnableRuleCommand, EventBridgeClient, ListRulesCommand,
  ListTargetsByRuleCommand, PutEventsCommand, PutRuleCommand, PutTargetsCommand, RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from './helpers/server.js';

let s: TestServer;
let eb: EventBridgeClient;
const FN = 'arn:aws:lambda:us-east-1:000000000000:function:worker';

before(async () => {
  s = await startTestServer();
  eb = new EventBridgeClient({ endpoint: s.url, region: 'us-east-1', credentials: s.platform.keys, maxAttempts: 1 });
});

/** Expect an AWS error with this name, status and exact message. */
async function refused(p: Promise<unknown>, name: string, message: string | RegExp, status = 400): Promise<void> {
  await assert.rejects(p, (e: any) => {
    assert.equal(e.name, name);
    assert.equal(e.$metadata.httpStatusCode, status);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

describe('rules', () => {
  it('PutRule answers the rule ARN; DescribeRule shows it as AWS does', async () => {
    const out = await eb.send(new PutRuleCommand({ Name: 'nightly', ScheduleExpression: 'cron(0 3 * * ? *)', Description: 'every night' }));
    assert.equal(out.RuleArn, 'arn:aws:events:us-east-1:000000000000:rule/nightly');
    const d = await eb.send(new DescribeRuleCommand({ Name: 'nightly' }));
    assert.equal(d.Name, 'nightly');
    assert.equal(d.Arn, out.RuleArn);
    assert.equal(d.ScheduleExpression, 'cron(0 3 * * ? *)');
    assert.equal(d.State, 'ENABLED');
    assert.equal(d.Description, 'every night');
    assert.equal(d.EventBusName, 'default');
    assert.equal(d.CreatedBy, '000000000000');
    assert.equal(d.EventPattern, undefined);
  });

  it('PutRule on an existing name updates it (State, pattern) and keeps the ARN', async () => {
    await eb.send(new PutRuleCommand({ Name: 'orders', EventPattern: '{"source":["shop"]}', State: 'DISABLED' }));
    const out = await eb.send(new PutRuleCommand({ Name: 'orders', EventPattern: '{"source":["shop","store"]}' }));
    assert.equal(out.RuleArn, 'arn:aws:events:us-east-1:000000000000:rule/orders');
    const d = await eb.send(new DescribeRuleCommand({ Name: 'orders', EventBusName: 'default' }));
    assert.equal(d.EventPattern, '{"source":["shop","store"]}');
    assert.equal(d.State, 'ENABLED');
  });

  it('accepts State ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS and shows it back; EnableRule makes it ENABLED', async () => {
    await eb.send(new PutRuleCommand({ Name: 'trail', EventPattern: '{"source":["t"]}', State: 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS' }));
    assert.equal((await eb.send(new DescribeRuleCommand({ Name: 'trail' }))).State, 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS');
    await eb.send(new EnableRuleCommand({ Name: 'trail' }));
    assert.equal((await eb.send(new DescribeRuleCommand({ Name: 'trail' }))).State, 'ENABLED');
    await eb.send(new DeleteRuleCommand({ Name: 'trail' }));
  });

  it('accepts the default bus by ARN', async () => {
    const d = await eb.send(new DescribeRuleCommand({ Name: 'orders', EventBusName: 'arn:aws:events:us-east-1:000000000000:event-bus/default' }));
    assert.equal(d.Name, 'orders');
  });

  it('refuses what AWS refuses', async () => {
    await refused(eb.send(new PutRuleCommand({ Name: 'empty' })), 'ValidationException', 'Parameter(s) EventPattern or ScheduleExpression must be specified.');
    await refused(eb.send(new PutRuleCommand({ Name: 'r', ScheduleExpression: 'rate(1 minutes)' })), 'ValidationException', 'Parameter ScheduleExpression is not valid.');
    await refused(eb.send(new PutRuleCommand({ Name: 'r', ScheduleExpression: 'cron(0 10 * * *)' })), 'ValidationException', 'Parameter ScheduleExpression is not valid.');
    await refused(eb.send(new PutRuleCommand({ Name: 'bad/name', EventPattern: '{"a":["b"]}' })), 'ValidationException',
      "1 validation error detected: Value 'bad/name' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [.\\-_A-Za-z0-9]+");
    await refused(eb.send(new PutRuleCommand({ Name: 'x'.repeat(65), EventPattern: '{"a":["b"]}', State: 'ON' as any })), 'ValidationException',
      `2 validation errors detected: Value '${'x'.repeat(65)}' at 'name' failed to satisfy constraint: Member must have length less than or equal to 64; Value 'ON' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED, ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS]`);
    await refused(eb.send(new PutRuleCommand({ Name: 'r', EventPattern: '{"a":["b"]}', EventBusName: 'custom' })), 'ResourceNotFoundException', 'Event bus custom does not exist.');
    await refused(eb.send(new PutRuleCommand({ Name: 'r', EventPattern: '{"a":"b"}' })), 'InvalidEventPatternException', 'Event pattern is not valid. Reason: "a" must be an object or an array');
  });

  it('answers ResourceNotFoundException (400) for a rule that does not exist', async () => {
    const msg = 'Rule ghost does not exist on EventBus default.';
    await refused(eb.send(new DescribeRuleCommand({ Name: 'ghost' })), 'ResourceNotFoundException', msg);
    await refused(eb.send(new EnableRuleCommand({ Name: 'ghost' })), 'ResourceNotFoundException', msg);
    await refused(eb.send(new DisableRuleCommand({ Name: 'ghost' })), 'ResourceNotFoundException', msg);
    await refused(eb.send(new PutTargetsCommand({ Rule: 'ghost', Targets: [{ Id: '1', Arn: FN }] })), 'ResourceNotFoundException', msg);
    await refused(eb.send(new RemoveTargetsCommand({ Rule: 'ghost', Ids: ['1'] })), 'ResourceNotFoundException', msg);
    await refused(eb.send(new ListTargetsByRuleCommand({ Rule: 'ghost' })), 'ResourceNotFoundException', msg);
    // DeleteRule of an absent rule succeeds, as on AWS.
    await eb.send(new DeleteRuleCommand({ Name: 'ghost' }));
  });

  it('EnableRule and DisableRule switch State', async () => {
    await eb.send(new DisableRuleCommand({ Name: 'orders' }));
    assert.equal((await eb.send(new DescribeRuleCommand({ Name: 'orders' }))).State, 'DISABLED');
    await eb.send(new EnableRuleCommand({ Name: 'orders' }));
    assert.equal((await eb.send(new DescribeRuleCommand({ Name: 'orders' }))).State, 'ENABLED');
  });

  it('ListRules filters by NamePrefix and pages with NextToken', async () => {
    for (let i = 0; i < 5; i++) await eb.send(new PutRuleCommand({ Name: `page-${i}`, EventPattern: '{"source":["p"]}' }));
    const first = await eb.send(new ListRulesCommand({ NamePrefix: 'page-', Limit: 2 }));
    assert.deepEqual(first.Rules!.map((r) => r.Name), ['page-0', 'page-1']);
    assert.ok(first.NextToken);
    const second = await eb.send(new ListRulesCommand({ NamePrefix: 'page-', Limit: 2, NextToken: first.NextToken }));
    assert.deepEqual(second.Rules!.map((r) => r.Name), ['page-2', 'page-3']);
    const third = await eb.send(new ListRulesCommand({ NamePrefix: 'page-', Limit: 2, NextToken: second.NextToken }));
    assert.deepEqual(third.Rules!.map((r) => r.Name), ['page-4']);
    assert.equal(third.NextToken, undefined);
    const all = await eb.send(new ListRulesCommand({}));
    assert.ok(all.Rules!.some((r) => r.Name === 'nightly' && r.ScheduleExpression === 'cron(0 3 * * ? *)' && r.Arn === 'arn:aws:events:us-east-1:000000000000:rule/nightly'));
    await refused(eb.send(new ListRulesCommand({ Limit: 0 })), 'ValidationException', "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1");
  });
});

describe('targets', () => {
  it('PutTargets, ListTargetsByRule and RemoveTargets round-trip Lambda targets with their input', async () => {
    await eb.send(new PutRuleCommand({ Name: 'with-targets', ScheduleExpression: 'rate(5 minutes)' }));
    const out = await eb.send(new PutTargetsCommand({
      Rule: 'with-targets',
      Targets: [
        { Id: 'plain', Arn: FN },
        { Id: 'constant', Arn: FN, Input: '{"job":"cleanup"}' },
        { Id: 'path', Arn: `${FN}:live`, InputPath: '$.detail' },
        { Id: 'transformed', Arn: FN, InputTransformer: { InputPathsMap: { t: '$.time' }, InputTemplate: '{"at": <t>}' } },
      ],
    }));
    assert.equal(out.FailedEntryCount, 0);
    assert.deepEqual(out.FailedEntries, []);
    const listed = await eb.send(new ListTargetsByRuleCommand({ Rule: 'with-targets' }));
    assert.deepEqual(listed.Targets!.map((t) => t.Id), ['plain', 'constant', 'path', 'transformed']);
    assert.equal(listed.Targets![1]!.Input, '{"job":"cleanup"}');
    assert.equal(listed.Targets![2]!.InputPath, '$.detail');
    assert.deepEqual(listed.Targets![3]!.InputTransformer, { InputPathsMap: { t: '$.time' }, InputTemplate: '{"at": <t>}' });
    const page = await eb.send(new ListTargetsByRuleCommand({ Rule: 'with-targets', Limit: 3 }));
    assert.equal(page.Targets!.length, 3);
    const rest = await eb.send(new ListTargetsByRuleCommand({ Rule: 'with-targets', Limit: 3, NextToken: page.NextToken }));
    assert.deepEqual(rest.Targets!.map((t) => t.Id), ['transformed']);

    // Re-putting an Id replaces that target.
    await eb.send(new PutTargetsCommand({ Rule: 'with-targets', Targets: [{ Id: 'plain', Arn: FN, Input: '{"v":2}' }] }));
    assert.equal((await eb.send(new ListTargetsByRuleCommand({ Rule: 'with-targets' }))).Targets![0]!.Input, '{"v":2}');

    await refused(eb.send(new DeleteRuleCommand({ Name: 'with-targets' })), 'ValidationException', "Rule can't be deleted since it has targets.");
    const removed = await eb.send(new RemoveTargetsCommand({ Rule: 'with-targets', Ids: ['plain', 'constant', 'path', 'transformed'] }));
    assert.equal(removed.FailedEntryCount, 0);
    await eb.send(new DeleteRuleCommand({ Name: 'with-targets' }));
    await refused(eb.send(new DescribeRuleCommand({ Name: 'with-targets' })), 'ResourceNotFoundException', 'Rule with-targets does not exist on EventBus default.');
  });

  it('accepts a template that uses only the predefined variables, without InputPathsMap, and a "<" that starts no placeholder', async () => {
    await eb.send(new PutRuleCommand({ Name: 'predefined', EventPattern: '{"source":["p"]}' }));
    const InputTemplate = '{"rule": <aws.events.rule-name>, "arn": "<aws.events.rule-arn>", "at": "<aws.events.event.ingestion-time>", "e": <aws.events.event>, "all": <aws.events.event.json>, "cmp": "a < b"}';
    const out = await eb.send(new PutTargetsCommand({ Rule: 'predefined', Targets: [{ Id: 't', Arn: FN, InputTransformer: { InputTemplate } }] }));
    assert.equal(out.FailedEntryCount, 0);
  });

  it('reports targets it cannot deliver to as FailedEntries and keeps the others', async () => {
    await eb.send(new PutRuleCommand({ Name: 'mixed', EventPattern: '{"source":["m"]}' }));
    const out = await eb.send(new PutTargetsCommand({ Rule: 'mixed', Targets: [{ Id: 'q', Arn: 'arn:aws:sqs:us-east-1:000000000000:queue' }, { Id: 'f', Arn: FN }] }));
    assert.equal(out.FailedEntryCount, 1);
    assert.equal(out.FailedEntries![0]!.TargetId, 'q');
    assert.equal(out.FailedEntries![0]!.ErrorCode, 'InvalidArgument');
    assert.deepEqual((await eb.send(new ListTargetsByRuleCommand({ Rule: 'mixed' }))).Targets!.map((t) => t.Id), ['f']);
  });

  it('refuses bad targets with AWS messages', async () => {
    await refused(eb.send(new PutTargetsCommand({ Rule: 'mixed', Targets: [{ Id: 'two', Arn: FN, Input: '{}', InputPath: '$.detail' }] })), 'ValidationException',
      'Only one of Input, InputPath, or InputTransformer must be provided for target two.');
    await refused(eb.send(new PutTargetsCommand({ Rule: 'mixed', Targets: [{ Id: 'bad id!', Arn: FN }] })), 'ValidationException',
      "1 validation error detected: Value 'bad id!' at 'targets.1.member.id' failed to satisfy constraint: Member must satisfy regular expression pattern: [.\\-_A-Za-z0-9]+");
    await refused(eb.send(new PutTargetsCommand({ Rule: 'mixed', Targets: Array.from({ length: 11 }, (_, i) => ({ Id: `t${i}`, Arn: FN })) })), 'ValidationException',
      /^1 validation error detected: Value .* at 'targets' failed to satisfy constraint: Member must have length less than or equal to 10$/);
    await refused(eb.send(new PutTargetsCommand({ Rule: 'mixed', Targets: [{ Id: 'j', Arn: FN, Input: 'not json' }] })), 'ValidationException', /^Parameter Input is not valid\./);
    // A placeholder InputPathsMap does not define (AWS's recorded answer: the whole call fails).
    await refused(eb.send(new PutTargetsCommand({ Rule: 'mixed', Targets: [
      { Id: 'fine', Arn: FN },
      { Id: 'tpl', Arn: FN, InputTransformer: { InputPathsMap: { type: '$.detail-type' }, InputTemplate: '"Event of <type> type, with not defined key <notdefinedkey>"' } },
    ] })), 'ValidationException', 'InputTemplate for target tpl contains invalid placeholder notdefinedkey.');
    await refused(eb.send(new PutTargetsCommand({ Rule: 'mixed', Targets: [{ Id: 'tpl', Arn: FN, InputTransformer: { InputTemplate: '{"e": <aws.events.event>, "x": <aws.events.other>}' } }] })), 'ValidationException',
      'InputTemplate for target tpl contains invalid placeholder aws.events.other.');
    assert.deepEqual((await eb.send(new ListTargetsByRuleCommand({ Rule: 'mixed' }))).Targets!.map((t) => t.Id), ['f'], 'nothing of a refused call is stored');
    await refused(eb.send(new PutTargetsCommand({ Rule: 'mixed', Targets: Array.from({ length: 5 }, (_, i) => ({ Id: `more${i}`, Arn: FN })) })), 'LimitExceededException',
      'The requested resource exceeds the maximum number allowed.');
  });
});

describe('PutEvents', () => {
  it('answers an EventId per accepted entry and AWS error codes per refused entry', async () => {
    const out = await eb.send(new PutEventsCommand({
      Entries: [
        { Source: 'shop', DetailType: 'OrderPlaced', Detail: '{"id":1}' },
        { DetailType: 'OrderPlaced', Detail: '{}' },
        { Source: 'shop', Detail: '{}' },
        { Source: 'shop', DetailType: 'OrderPlaced' },
        { Source: 'shop', DetailType: 'OrderPlaced', Detail: '{not json' },
        { Source: 'shop', DetailType: 'OrderPlaced', Detail: '[1,2]' },
        { Source: 'shop', DetailType: 'OrderPlaced', Detail: '{}', Time: new Date('2026-01-01T00:00:00Z'), Resources: ['arn:aws:s3:::bucket'] },
      ],
    }));
    assert.equal(out.FailedEntryCount, 5);
    const e = out.Entries!;
    assert.match(e[0]!.EventId!, /^[0-9a-f-]{36}$/);
    assert.deepEqual(e[1], { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Source is not valid. Reason: Source is a required argument.' });
    assert.deepEqual(e[2], { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter DetailType is not valid. Reason: DetailType is a required argument.' });
    assert.deepEqual(e[3], { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Detail is not valid. Reason: Detail is a required argument.' });
    assert.deepEqual(e[4], { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' });
    assert.deepEqual(e[5], { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' });
    assert.match(e[6]!.EventId!, /^[0-9a-f-]{36}$/);
  });

  it('refuses an entry whose Source is an AWS service\'s (aws.*) and accepts the others', async () => {
    const out = await eb.send(new PutEventsCommand({ Entries: [
      { Source: 'aws.ec2', DetailType: 'EC2 Instance State-change Notification', Detail: '{}' },
      { Source: 'shop', DetailType: 'OrderPlaced', Detail: '{}' },
      { Source: 'aws.events', DetailType: 'Scheduled Event', Detail: '{}' },
      { Source: 'awsome.shop', DetailType: 'OrderPlaced', Detail: '{}' },
    ] }));
    assert.equal(out.FailedEntryCount, 2);
    const refusedEntry = { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' };
    assert.deepEqual(out.Entries![0], refusedEntry);
    assert.match(out.Entries![1]!.EventId!, /^[0-9a-f-]{36}$/);
    assert.deepEqual(out.Entries![2], refusedEntry);
    assert.match(out.Entries![3]!.EventId!, /^[0-9a-f-]{36}$/);
  });

  it('refuses more than 10 entries and more than 256 KB of entries', async () => {
    await refused(eb.send(new PutEventsCommand({ Entries: Array.from({ length: 11 }, () => ({ Source: 's', DetailType: 'd', Detail: '{}' })) })), 'ValidationException',
      /^1 validation error detected: Value '\[PutEventsRequestEntry(, PutEventsRequestEntry){10}\]' at 'entries' failed to satisfy constraint: Member must have length less than or equal to 10$/);
    const big = JSON.stringify({ pad: 'x'.repeat(130 * 1024) });
    await refused(eb.send(new PutEventsCommand({ Entries: [{ Source: 's', DetailType: 'd', Detail: big }, { Source: 's', DetailType: 'd', Detail: big }] })), 'ValidationException',
      'Total size of the entries in the request is over the limit.');
    // Just under the limit is accepted.
    const out = await eb.send(new PutEventsCommand({ Entries: [{ Source: 's', DetailType: 'd', Detail: JSON.stringify({ pad: 'x'.repeat(255 * 1024) }) }] }));
    assert.equal(out.FailedEntryCount, 0);
  });

  it('answers an EventId for an entry to a bus that does not exist, as AWS does', async () => {
    const out = await eb.send(new PutEventsCommand({ Entries: [
      { Source: 's', DetailType: 'd', Detail: '{}', EventBusName: 'nope' },
      { Source: 's', DetailType: 'd', Detail: '{}', EventBusName: 'arn:aws:events:us-east-1:000000000000:event-bus/nope' },
    ] }));
    assert.equal(out.FailedEntryCount, 0);
    assert.match(out.Entries![0]!.EventId!, /^[0-9a-f-]{36}$/);
    assert.match(out.Entries![1]!.EventId!, /^[0-9a-f-]{36}$/);
  });
});

describe('protocol', () => {
  it('refuses a request signed for another service, as AWS does', async () => {
    const url = new URL(s.url);
    const sign = (service: string) =>
      new SignatureV4({ service, region: 'us-east-1', credentials: s.platform.keys, sha256: Hash.bind(null, 'sha256') }).sign(new HttpRequest({
        method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/',
        headers: { host: url.host, 'x-amz-target': 'AWSEvents.ListRules', 'content-type': 'application/x-amz-json-1.1' }, body: '{}',
      }));
    const send = async (service: string) => {
      const req = await sign(service);
      return fetch(s.url, { method: 'POST', headers: req.headers as Record<string, string>, body: '{}' });
    };
    const wrong = await send('lambda');
    assert.equal(wrong.status, 403);
    assert.match((await wrong.json()).message, /^Credential should be scoped to correct service: 'events'\./);
    assert.equal((await send('events')).status, 200);
  });

  it('refuses an unsigned call and an unknown operation', async () => {
    const unsigned = await fetch(s.url, { method: 'POST', headers: { 'x-amz-target': 'AWSEvents.ListRules', 'content-type': 'application/x-amz-json-1.1' }, body: '{}' });
    assert.equal(unsigned.status, 403);
    const open = await startTestServer({ auth: 'off' });
    const res = await fetch(open.url, { method: 'POST', headers: { 'x-amz-target': 'AWSEvents.Frobnicate', 'content-type': 'application/x-amz-json-1.1' }, body: '{}' });
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), { __type: 'UnknownOperationException', message: 'Unknown operation AWSEvents.Frobnicate' });
    const ok = await fetch(open.url, { method: 'POST', headers: { 'x-amz-target': 'AWSEvents.ListRules', 'content-type': 'application/x-amz-json-1.1' }, body: '{}' });
    assert.deepEqual(await ok.json(), { Rules: [] });
  });
});

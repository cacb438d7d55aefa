/**
 * Schedules and events reaching real functions: a test clock makes minutes pass at once, the
 * function logs what it receives, and the test reads it back through the CloudWatch Logs API.
 */
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DisableRuleCommand, EnableRuleCommand, EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startPlatform } from '../src/platform.js';
import { TestClock } from './helpers/clock.js';
import { deploy } from './helpers/functions.js';
import { clientFor, startTestServer, type TestServer } from './helpers/server.js';

const MIN = 60_000;
// Start a little after a whole minute, a while ahead of real time (the test clock never goes back).
const START = Math.ceil(Date.now() / MIN) * MIN + 5 * MIN + 10_000;
const clock = new TestClock(START);
const lines: string[] = [];
const opts = { clock, log: (l: string) => lines.push(l), logError: (e: unknown) => console.error('[server error]', e) };

let s: TestServer;
let eb: EventBridgeClient;
let logs: CloudWatchLogsClient;
const ARN = (fn: string) => `arn:aws:lambda:us-east-1:000000000000:function:${fn}`;
const RULE_ARN = (r: string) => `arn:aws:events:us-east-1:000000000000:rule/${r}`;
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

function clients(): void {
  const creds = s.platform.keys;
  s.client = clock.sign(clientFor(s.url, creds));
  eb = clock.sign(new EventBridgeClient({ endpoint: s.url, region: 'us-east-1', credentials: creds, maxAttempts: 1 }));
  logs = clock.sign(new CloudWatchLogsClient({ endpoint: s.url, region: 'us-east-1', credentials: creds, maxAttempts: 1 }));
}

/** Stop the server, let `gap` ms pass while it is down, start it again on the same data. */
async function restart(gap = 0): Promise<void> {
  await s.platform.close();
  clock.advance(gap);
  s.platform = await startPlatform(s.config, opts);
  s.url = s.platform.url;
  clients();
}

/** Every event a function logged (it prints `EVENT <json>`). */
async function received(fn: string): Promise<any[]> {
  const out = await logs.send(new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${fn}`, filterPattern: 'EVENT' }));
  return (out.events ?? []).map((e) => e.message!).filter((m) => /EVENT [[{]/.test(m)).map((m) => JSON.parse(m.slice(m.search(/EVENT [[{]/) + 6)));
}

async function waitFor(fn: string, count: number, timeoutMs = 20_000): Promise<any[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await received(fn).catch(() => []);
    if (got.length >= count) return got;
    if (Date.now() > deadline) assert.fail(`${fn} received ${got.length} event(s), expected ${count}`);
    await sleep(100);
  }
}

const RECORDER = { 'index.js': 'exports.handler = async (e) => { console.log("EVENT " + JSON.stringify(e)); return {}; };' };
/** Logs `EVENT {"got": <event>}`, so that events that are not objects (a string template's text) are read back too. */
const WRAPPING_RECORDER = { 'index.js': 'exports.handler = async (e) => { console.log("EVENT " + JSON.stringify({ got: e })); return {}; };' };

before(async () => {
  s = await startTestServer({}, {}, opts);
  clients();
  for (const fn of ['ticker', 'restarted', 'missed', 'shop', 'shaped', 'paused']) await deploy(s.client, fn, RECORDER);
  await deploy(s.client, 'templated', WRAPPING_RECORDER);
  await deploy(s.client, 'trail', RECORDER);
});

describe('scheduled rules', () => {
  it('delivers AWS Scheduled Event to the function on each tick, asynchronously', async () => {
    const created = clock.now();
    await eb.send(new PutRuleCommand({ Name: 'every-minute', ScheduleExpression: 'rate(1 minute)' }));
    await eb.send(new PutTargetsCommand({ Rule: 'every-minute', Targets: [{ Id: 'ticker', Arn: ARN('ticker') }] }));
    const firstTick = Math.floor(created / MIN) * MIN + MIN;

    clock.advance(firstTick - clock.now());
    const [ev] = await waitFor('ticker', 1);
    assert.deepEqual(Object.keys(ev).sort(), ['account', 'detail', 'detail-type', 'id', 'region', 'resources', 'source', 'time', 'version']);
    assert.equal(ev.version, '0');
    assert.match(ev.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(ev['detail-type'], 'Scheduled Event');
    assert.equal(ev.source, 'aws.events');
    assert.equal(ev.account, '000000000000');
    assert.equal(ev.time, iso(firstTick));
    assert.equal(ev.region, 'us-east-1');
    assert.deepEqual(ev.resources, [RULE_ARN('every-minute')]);
    assert.deepEqual(ev.detail, {});

    clock.advance(MIN);
    const both = await waitFor('ticker', 2);
    assert.equal(both[1].time, iso(firstTick + MIN));
    assert.notEqual(both[1].id, both[0].id);
    await sleep(300);
    assert.equal((await received('ticker')).length, 2, 'no extra tick fired');
  });

  it('applies Input and InputTransformer to the Scheduled Event', async () => {
    await eb.send(new PutRuleCommand({ Name: 'shaped', ScheduleExpression: 'rate(1 minute)' }));
    await eb.send(new PutTargetsCommand({
      Rule: 'shaped',
      Targets: [
        { Id: 'constant', Arn: ARN('shaped'), Input: '{"job":"cleanup","n":1}' },
        { Id: 'transformed', Arn: ARN('shaped'), InputTransformer: {
          InputPathsMap: { t: '$.time', r: '$.resources[0]', d: '$.detail', nope: '$.detail.nope' },
          InputTemplate: '{"at": <t>, "text": "rule <aws.events.rule-name> at <t>", "arn": "<r>", "detail": <d>, "missing": <nope>}',
        } },
        { Id: 'path', Arn: ARN('shaped'), InputPath: '$.resources' },
      ],
    }));
    const tick = Math.floor(clock.now() / MIN) * MIN + MIN;
    clock.advance(tick - clock.now());
    const got = await waitFor('shaped', 3);
    const constant = got.find((e) => !Array.isArray(e) && e.job);
    const transformed = got.find((e) => !Array.isArray(e) && e.text);
    const path = got.find((e) => Array.isArray(e));
    assert.deepEqual(constant, { job: 'cleanup', n: 1 });
    assert.deepEqual(transformed, { at: iso(tick), text: `rule shaped at ${iso(tick)}`, arn: RULE_ARN('shaped'), detail: {}, missing: '' });
    assert.deepEqual(path, [RULE_ARN('shaped')]);
    await eb.send(new DisableRuleCommand({ Name: 'shaped' }));
  });

  it('does not fire while disabled, and does not catch up when enabled again', async () => {
    await eb.send(new PutRuleCommand({ Name: 'paused', ScheduleExpression: 'rate(1 minute)', State: 'DISABLED' }));
    await eb.send(new PutTargetsCommand({ Rule: 'paused', Targets: [{ Id: 'p', Arn: ARN('paused') }] }));
    clock.advance(3 * MIN);
    await sleep(500);
    assert.equal((await received('paused')).length, 0);
    await eb.send(new EnableRuleCommand({ Name: 'paused' }));
    await sleep(500);
    assert.equal((await received('paused')).length, 0, 'ticks missed while disabled never fire');
    const next = Math.floor(clock.now() / MIN) * MIN + MIN;
    clock.advance(next - clock.now());
    const [ev] = await waitFor('paused', 1);
    assert.equal(ev.time, iso(next));
    await eb.send(new DisableRuleCommand({ Name: 'paused' }));
  });

  it('after a restart, carries on without firing a tick twice', async () => {
    await eb.send(new DisableRuleCommand({ Name: 'every-minute' }));
    await eb.send(new PutRuleCommand({ Name: 'survives', ScheduleExpression: 'rate(1 minute)' }));
    await eb.send(new PutTargetsCommand({ Rule: 'survives', Targets: [{ Id: 'r', Arn: ARN('restarted') }] }));
    const tick = Math.floor(clock.now() / MIN) * MIN + MIN;
    clock.advance(tick - clock.now());
    await waitFor('restarted', 1);

    await restart();
    await sleep(700);
    assert.equal((await received('restarted')).length, 1, 'the tick that fired before the restart does not fire again');
    clock.advance(MIN);
    const got = await waitFor('restarted', 2);
    assert.deepEqual(got.map((e) => e.time), [iso(tick), iso(tick + MIN)]);
    await sleep(300);
    assert.equal((await received('restarted')).length, 2);
    await eb.send(new DisableRuleCommand({ Name: 'survives' }));
  });

  it('fires only the most recent tick missed while the server was down, once, and says so', async () => {
    await eb.send(new PutRuleCommand({ Name: 'gap', ScheduleExpression: 'cron(* * * * ? *)' }));
    await eb.send(new PutTargetsCommand({ Rule: 'gap', Targets: [{ Id: 'm', Arn: ARN('missed') }] }));
    const down = clock.now();
    await restart(5 * MIN + 20_000);
    const lastMissed = Math.floor(clock.now() / MIN) * MIN;
    const [ev] = await waitFor('missed', 1);
    assert.equal(ev.time, iso(lastMissed));
    assert.ok(lines.some((l) => l.includes('rule gap missed its ticks from') && l.includes(iso(Math.floor(down / MIN) * MIN + MIN))), lines.join('\n'));
    await sleep(700);
    assert.equal((await received('missed')).length, 1, 'the earlier missed ticks are skipped');
    clock.advance(MIN);
    const got = await waitFor('missed', 2);
    assert.equal(got[1].time, iso(lastMissed + MIN));
    await eb.send(new DisableRuleCommand({ Name: 'gap' }));
  });
});

describe('events on the default bus', () => {
  it('delivers matching PutEvents entries to the rule targets as EventBridge delivers them', async () => {
    await eb.send(new PutRuleCommand({ Name: 'big-orders', EventPattern: JSON.stringify({ source: ['shop'], 'detail-type': ['OrderPlaced'], detail: { total: [{ numeric: ['>', 100] }] } }) }));
    await eb.send(new PutTargetsCommand({ Rule: 'big-orders', Targets: [{ Id: 'shop', Arn: ARN('shop') }] }));
    const out = await eb.send(new PutEventsCommand({
      Entries: [
        { Source: 'shop', DetailType: 'OrderPlaced', Detail: '{"total":50}' },
        { Source: 'other', DetailType: 'OrderPlaced', Detail: '{"total":500}' },
        // A bus that does not exist: AWS answers an EventId and drops the event.
        { Source: 'shop', DetailType: 'OrderPlaced', Detail: '{"total":600}', EventBusName: 'no-such-bus' },
        { Source: 'shop', DetailType: 'OrderPlaced', Detail: '{"total":250,"items":["a"]}', Resources: ['arn:aws:s3:::receipts'], Time: new Date('2026-02-03T04:05:06Z') },
      ],
    }));
    assert.equal(out.FailedEntryCount, 0);
    const [ev] = await waitFor('shop', 1);
    assert.deepEqual(ev, {
      version: '0',
      id: out.Entries![3]!.EventId,
      'detail-type': 'OrderPlaced',
      source: 'shop',
      account: '000000000000',
      time: '2026-02-03T04:05:06Z',
      region: 'us-east-1',
      resources: ['arn:aws:s3:::receipts'],
      detail: { total: 250, items: ['a'] },
    });
    await sleep(500);
    assert.equal((await received('shop')).length, 1, 'entries that do not match, or are for a bus that does not exist, are not delivered');
  });

  it('routes events to a rule in state ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS as to an enabled one', async () => {
    await eb.send(new PutRuleCommand({ Name: 'trail', EventPattern: '{"source":["trail"]}', State: 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS' }));
    await eb.send(new PutTargetsCommand({ Rule: 'trail', Targets: [{ Id: 'trail', Arn: ARN('trail') }] }));
    const out = await eb.send(new PutEventsCommand({ Entries: [{ Source: 'trail', DetailType: 't', Detail: '{"n":1}' }] }));
    const [ev] = await waitFor('trail', 1);
    assert.equal(ev.id, out.Entries![0]!.EventId);
  });

  it('writes objects and arrays into string templates without quotes, and delivers nothing for one inside a JSON string', async () => {
    await eb.send(new PutRuleCommand({ Name: 'templated', EventPattern: '{"source":["tpl"]}' }));
    const InputPathsMap = { payload: '$.detail.payload', list: '$.detail.list' };
    await eb.send(new PutTargetsCommand({
      Rule: 'templated',
      Targets: [
        { Id: 'text', Arn: ARN('templated'), InputTransformer: { InputPathsMap, InputTemplate: '"<payload> and <list>"' } },
        { Id: 'quoted', Arn: ARN('templated'), InputTransformer: { InputPathsMap, InputTemplate: '{"payload": "<payload>"}' } },
      ],
    }));
    await eb.send(new PutEventsCommand({ Entries: [{ Source: 'tpl', DetailType: 't', Detail: JSON.stringify({ payload: { acc_id: 'a1', sf_id: 'baz' }, list: ['ACTIVE', 'INACTIVE'] }) }] }));
    await waitFor('templated', 1);
    await sleep(500);
    assert.deepEqual(await received('templated'), [{ got: '{acc_id:a1,sf_id:baz} and [ACTIVE,INACTIVE]' }], 'only the string template was delivered');
    assert.ok(lines.some((l) => l.includes('rule templated delivered nothing to target quoted')), lines.join('\n'));
  });
});

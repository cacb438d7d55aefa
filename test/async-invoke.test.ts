/**
 * Asynchronous invocation end to end: real server, real SDK, real sandboxed functions. Retries,
 * destination records (read back from the destination function's own log through the
 * CloudWatch Logs API), event age, restarts with queued events, fairness between functions.
 */
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateAliasCommand, InvokeCommand, PublishVersionCommand, PutFunctionConcurrencyCommand, PutFunctionEventInvokeConfigCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { ASYNC_STATUS_PATH, type AsyncStatus } from '../src/api/stratus/async.js';
import { stratusGet } from '../src/cli/stratus-api.js';
import { deploy } from './helpers/functions.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const ARN = 'arn:aws:lambda:us-east-1:000000000000:function';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A destination function that writes every record it receives to its log, one line each. */
const SINK = { 'index.js': 'exports.handler = async (e) => { console.log("RECORD " + JSON.stringify(e)); return "ok"; };' };

async function logLines(s: TestServer, fn: string, contains: string): Promise<string[]> {
  const logs = new CloudWatchLogsClient({ endpoint: s.url, region: 'us-east-1', credentials: s.platform.keys, maxAttempts: 1 });
  const out = await logs.send(new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${fn}`, filterPattern: `"${contains}"` }));
  return (out.events ?? []).map((e) => e.message ?? '');
}

/** Poll a function's log until `pick` finds what it wants, or fail after `ms`. */
async function waitFor<T>(what: string, pick: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await pick();
    if (v !== undefined) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** The destination record the sink received for one request id. */
function recordFor(s: TestServer, sink: string, requestId: string): Promise<any> {
  return waitFor(`the destination record of ${requestId}`, async () => {
    for (const line of await logLines(s, sink, requestId)) {
      const i = line.indexOf('RECORD ');
      if (i === -1) continue;
      const rec = JSON.parse(line.slice(i + 7).trim());
      if (rec.requestContext?.requestId === requestId) return rec;
    }
    return undefined;
  });
}

async function sendEvent(client: LambdaClient, fn: string, payload: unknown): Promise<string> {
  const out = await client.send(new InvokeCommand({ FunctionName: fn, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify(payload)) }));
  assert.equal(out.StatusCode, 202);
  assert.match(out.$metadata.requestId!, /^[0-9a-f-]{36}$/);
  return out.$metadata.requestId!;
}

const starts = async (s: TestServer, fn: string, requestId: string) =>
  (await logLines(s, fn, `START RequestId: ${requestId}`)).length;

const status = (s: TestServer) =>
  stratusGet<AsyncStatus>({ endpoint: s.url, region: 'us-east-1', json: false, ...s.platform.keys }, ASYNC_STATUS_PATH);

describe('retries and destinations', () => {
  let s: TestServer;
  before(async () => {
    // A 40 ms retry unit: function-error retries after 40 then 80 ms instead of 1 and 2 minutes.
    s = await startTestServer({ 'async-retry-base': '40' });
    await deploy(s.client, 'sink', SINK);
  });

  it('a function that fails twice then succeeds runs three times; the OnSuccess record says so, field by field', async () => {
    await deploy(s.client, 'flaky', {
      'index.js': 'let n = 0; exports.handler = async (e) => { n++; if (n < 3) throw new Error("attempt " + n + " failed"); return { ok: true, n, got: e }; };',
    });
    await s.client.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'flaky', DestinationConfig: { OnSuccess: { Destination: `${ARN}:sink` } } }));
    const t0 = Date.now();
    const id = await sendEvent(s.client, 'flaky', { order: 42 });
    const rec = await recordFor(s, 'sink', id);
    assert.deepEqual(Object.keys(rec).sort(), ['requestContext', 'requestPayload', 'responseContext', 'responsePayload', 'timestamp', 'version']);
    assert.equal(rec.version, '1.0');
    assert.match(rec.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.ok(Date.parse(rec.timestamp) >= t0 - 1000);
    assert.deepEqual(rec.requestContext, { requestId: id, functionArn: `${ARN}:flaky:$LATEST`, condition: 'Success', approximateInvokeCount: 3 });
    assert.deepEqual(rec.requestPayload, { order: 42 });
    assert.deepEqual(rec.responseContext, { statusCode: 200, executedVersion: '$LATEST' });
    assert.deepEqual(rec.responsePayload, { ok: true, n: 3, got: { order: 42 } });
    assert.equal(await starts(s, 'flaky', id), 3);
  });

  it('after the default two retries (three attempts) the OnFailure record says RetriesExhausted with the error', async () => {
    await deploy(s.client, 'fails', { 'index.js': 'exports.handler = async () => { throw new TypeError("always broken"); };' });
    await s.client.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'fails', DestinationConfig: { OnFailure: { Destination: `${ARN}:sink` } } }));
    const id = await sendEvent(s.client, 'fails', { n: 1 });
    const rec = await recordFor(s, 'sink', id);
    assert.equal(rec.version, '1.0');
    assert.deepEqual(rec.requestContext, { requestId: id, functionArn: `${ARN}:fails:$LATEST`, condition: 'RetriesExhausted', approximateInvokeCount: 3 });
    assert.deepEqual(rec.requestPayload, { n: 1 });
    assert.deepEqual(rec.responseContext, { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' });
    assert.equal(rec.responsePayload.errorType, 'TypeError');
    assert.equal(rec.responsePayload.errorMessage, 'always broken');
    assert.ok(Array.isArray(rec.responsePayload.trace));
    assert.equal(await starts(s, 'fails', id), 3);
  });

  it('MaximumRetryAttempts 0: one attempt, then the failure record', async () => {
    await deploy(s.client, 'once', { 'index.js': 'exports.handler = async () => { throw new Error("no retry for me"); };' });
    await s.client.send(new PutFunctionEventInvokeConfigCommand({
      FunctionName: 'once', MaximumRetryAttempts: 0, DestinationConfig: { OnFailure: { Destination: `${ARN}:sink` } },
    }));
    const id = await sendEvent(s.client, 'once', { x: 'y' });
    const rec = await recordFor(s, 'sink', id);
    assert.equal(rec.requestContext.condition, 'RetriesExhausted');
    assert.equal(rec.requestContext.approximateInvokeCount, 1);
    assert.equal(rec.responsePayload.errorMessage, 'no retry for me');
    // Longer than both retry delays would have been: still one attempt.
    await sleep(300);
    assert.equal(await starts(s, 'once', id), 1);
  });

  it('keeps the qualifier with the event: an alias’s own config applies, and the record names the alias and the version it ran', async () => {
    await deploy(s.client, 'versioned', { 'index.js': 'exports.handler = async (e, ctx) => ({ v: ctx.functionVersion, arn: ctx.invokedFunctionArn });' });
    const v1 = await s.client.send(new PublishVersionCommand({ FunctionName: 'versioned' }));
    assert.equal(v1.Version, '1');
    await s.client.send(new CreateAliasCommand({ FunctionName: 'versioned', Name: 'live', FunctionVersion: '1' }));
    await s.client.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'versioned', Qualifier: 'live', DestinationConfig: { OnSuccess: { Destination: `${ARN}:sink` } } }));
    const out = await s.client.send(new InvokeCommand({ FunctionName: 'versioned:live', InvocationType: 'Event', Payload: Buffer.from('{"q":1}') }));
    assert.equal(out.StatusCode, 202);
    const rec = await recordFor(s, 'sink', out.$metadata.requestId!);
    assert.equal(rec.requestContext.functionArn, `${ARN}:versioned:live`);
    assert.equal(rec.requestContext.condition, 'Success');
    assert.deepEqual(rec.responseContext, { statusCode: 200, executedVersion: '1' });
    assert.deepEqual(rec.responsePayload, { v: '1', arn: `${ARN}:versioned:live` });
  });

  it('reserved concurrency 0 sends the event straight to failure with condition ZeroReservedConcurrency', async () => {
    await deploy(s.client, 'off', { 'index.js': 'exports.handler = async () => { console.log("SHOULD NOT RUN"); };' });
    await s.client.send(new PutFunctionConcurrencyCommand({ FunctionName: 'off', ReservedConcurrentExecutions: 0 }));
    await s.client.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'off', DestinationConfig: { OnFailure: { Destination: `${ARN}:sink` } } }));
    const id = await sendEvent(s.client, 'off', { z: 0 });
    const rec = await recordFor(s, 'sink', id);
    assert.deepEqual(rec.requestContext, { requestId: id, functionArn: `${ARN}:off:$LATEST`, condition: 'ZeroReservedConcurrency', approximateInvokeCount: 0 });
    // AWS's record (recording TestLambdaConcurrency::test_reserved_concurrency): these four members only.
    assert.deepEqual(Object.keys(rec), ['version', 'timestamp', 'requestContext', 'requestPayload']);
    assert.deepEqual(rec.requestPayload, { z: 0 });
    assert.equal((await logLines(s, 'off', 'SHOULD NOT RUN')).length, 0);
  });

  it('a success without a destination runs once and leaves the queue empty', async () => {
    await deploy(s.client, 'plain', { 'index.js': 'exports.handler = async (e) => { console.log("PLAIN " + e.k); return 1; };' });
    const id = await sendEvent(s.client, 'plain', { k: 'v1' });
    await waitFor('the plain event', async () => ((await logLines(s, 'plain', 'PLAIN v1')).length ? true : undefined));
    await waitFor('an empty queue', async () => ((await status(s)).Functions.length === 0 ? true : undefined), 5000);
    assert.equal(await starts(s, 'plain', id), 1);
  });

  it('a destination of a kind Stratus cannot deliver to yet is skipped with a log line, and the event still finishes', async () => {
    await deploy(s.client, 'to-sqs', { 'index.js': 'exports.handler = async () => "fine";' });
    await s.client.send(new PutFunctionEventInvokeConfigCommand({
      FunctionName: 'to-sqs', DestinationConfig: { OnSuccess: { Destination: 'arn:aws:sqs:us-east-1:000000000000:q' } },
    }));
    await sendEvent(s.client, 'to-sqs', {});
    await waitFor('an empty queue', async () => ((await status(s)).Functions.length === 0 ? true : undefined), 10_000);
  });
});

describe('EventBridge destinations', () => {
  it('the record is the detail of a "lambda" event on the bus, which its rules route on (AWS\'s shape, field by field)', async () => {
    const s = await startTestServer({ 'async-retry-base': '40' });
    const BUS = 'arn:aws:events:us-east-1:000000000000:event-bus/default';
    await deploy(s.client, 'bus-sink', SINK);
    await deploy(s.client, 'reports', { 'index.js': 'exports.handler = async (e) => { if (e.mode === "failure") throw new Error("intentional failure!"); return { hello: "world" }; };' });
    await s.client.send(new PutFunctionEventInvokeConfigCommand({
      FunctionName: 'reports', MaximumRetryAttempts: 0, DestinationConfig: { OnSuccess: { Destination: BUS }, OnFailure: { Destination: BUS } },
    }));
    const eb = new EventBridgeClient({ endpoint: s.url, region: 'us-east-1', credentials: s.platform.keys, maxAttempts: 1 });
    await eb.send(new PutRuleCommand({ Name: 'lambda-results', EventPattern: JSON.stringify({ source: ['lambda'] }) }));
    await eb.send(new PutTargetsCommand({ Rule: 'lambda-results', Targets: [{ Id: 'sink', Arn: `${ARN}:bus-sink` }] }));

    // The sink logs each event it gets: find the one whose record is for this request.
    const eventFor = (id: string) => waitFor(`the event of ${id}`, async () => {
      for (const line of await logLines(s, 'bus-sink', id)) {
        const ev = JSON.parse(line.slice(line.indexOf('RECORD ') + 7).trim());
        if (ev.detail?.requestContext?.requestId === id) return ev;
      }
      return undefined;
    });
    for (const [mode, outcome, condition] of [['success', 'Success', 'Success'], ['failure', 'Failure', 'RetriesExhausted']] as const) {
      const id = await sendEvent(s.client, 'reports', { mode });
      const ev = await eventFor(id);
      assert.deepEqual(Object.keys(ev).sort(), ['account', 'detail', 'detail-type', 'id', 'region', 'resources', 'source', 'time', 'version']);
      assert.equal(ev.version, '0');
      assert.match(ev.id, /^[0-9a-f-]{36}$/);
      assert.equal(ev['detail-type'], `Lambda Function Invocation Result - ${outcome}`);
      assert.equal(ev.source, 'lambda');
      assert.equal(ev.account, '000000000000');
      assert.equal(ev.region, 'us-east-1');
      assert.match(ev.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      assert.deepEqual(ev.resources, [BUS, `${ARN}:reports:$LATEST`]);
      assert.deepEqual(ev.detail.requestContext, { requestId: id, functionArn: `${ARN}:reports:$LATEST`, condition, approximateInvokeCount: 1 });
      assert.deepEqual(ev.detail.requestPayload, { mode });
      assert.equal(ev.detail.version, '1.0');
      if (mode === 'success') {
        assert.deepEqual(ev.detail.responseContext, { statusCode: 200, executedVersion: '$LATEST' });
        assert.deepEqual(ev.detail.responsePayload, { hello: 'world' });
      } else {
        assert.deepEqual(ev.detail.responseContext, { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' });
        assert.equal(ev.detail.responsePayload.errorMessage, 'intentional failure!');
      }
    }
  });
});

describe('event age', () => {
  it('an event whose next retry would come after MaximumEventAgeInSeconds ends with EventAgeExceeded', async () => {
    // A 100 s retry unit: the first retry would start 100 s after a failure, past a 60 s maximum age.
    const s = await startTestServer({ 'async-retry-base': '100000' });
    await deploy(s.client, 'sink', SINK);
    await deploy(s.client, 'old', { 'index.js': 'exports.handler = async () => { throw new Error("too slow to succeed"); };' });
    await s.client.send(new PutFunctionEventInvokeConfigCommand({
      FunctionName: 'old', MaximumEventAgeInSeconds: 60, DestinationConfig: { OnFailure: { Destination: `${ARN}:sink` } },
    }));
    const id = await sendEvent(s.client, 'old', { late: true });
    const rec = await recordFor(s, 'sink', id);
    assert.deepEqual(rec.requestContext, { requestId: id, functionArn: `${ARN}:old:$LATEST`, condition: 'EventAgeExceeded', approximateInvokeCount: 1 });
    assert.deepEqual(rec.requestPayload, { late: true });
    assert.deepEqual(rec.responseContext, { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' });
    assert.equal(rec.responsePayload.errorMessage, 'too slow to succeed');
  });
});

describe('durability', () => {
  it('events still queued when the platform stops all run after it starts again on the same data dir', async () => {
    const s = await startTestServer({ 'async-function-concurrency': '1' });
    await deploy(s.client, 'slow', { 'index.js': 'exports.handler = async (e) => { await new Promise((r) => setTimeout(r, 150)); console.log("RAN " + e.id); };' });
    const ids = Array.from({ length: 12 }, (_, i) => `ev-${i}`);
    await Promise.all(ids.map((id) => sendEvent(s.client, 'slow', { id })));
    const before = (await status(s)).Functions.find((f) => f.functionName === 'slow');
    assert.ok(before && before.queued >= 8, `expected most events still queued, got ${JSON.stringify(before)}`);
    await s.restart();
    await waitFor('every event to run after the restart', async () => {
      const ran = new Set((await logLines(s, 'slow', 'RAN ')).map((l) => /RAN (ev-\d+)/.exec(l)?.[1]));
      return ids.every((id) => ran.has(id)) ? true : undefined;
    }, 30_000);
    await waitFor('an empty queue', async () => ((await status(s)).Functions.length === 0 ? true : undefined), 5000);
  });
});

describe('fairness', () => {
  it('a flood of one function does not delay another function’s single event', async () => {
    const s = await startTestServer({ 'async-concurrency': '4', 'async-function-concurrency': '2' });
    await deploy(s.client, 'flood', { 'index.js': 'exports.handler = async () => { await new Promise((r) => setTimeout(r, 100)); };' });
    await deploy(s.client, 'lonely', { 'index.js': 'exports.handler = async () => { console.log("LONELY ran"); };' });
    // 200 events × 100 ms over 2 slots: 10 s of work queued ahead of the single event.
    const flood = Array.from({ length: 200 }, (_, i) => i);
    for (let i = 0; i < flood.length; i += 50) await Promise.all(flood.slice(i, i + 50).map((n) => sendEvent(s.client, 'flood', { n })));
    const t0 = Date.now();
    await sendEvent(s.client, 'lonely', {});
    await waitFor('the lonely event', async () => ((await logLines(s, 'lonely', 'LONELY ran')).length ? true : undefined), 10_000);
    const waited = Date.now() - t0;
    const flooded = (await status(s)).Functions.find((f) => f.functionName === 'flood');
    // Bound: a cold start plus one dispatch, far below the flood's 10 s (it is still mostly queued).
    assert.ok(waited < 3000, `the lonely event waited ${waited} ms`);
    assert.ok(flooded && flooded.queued > 100, `the flood should still be queued: ${JSON.stringify(flooded)}`);
    assert.ok(flooded.inFlight <= 2, `per-function cap: ${flooded.inFlight} in flight`);
  });
});

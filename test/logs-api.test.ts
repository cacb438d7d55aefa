// The CloudWatch Logs subset through a real server and the real SDK, against AWS's recorded
// behaviour (LocalStack tests/aws/services/logs, the aws.validated ones) and the API reference.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  CloudWatchLogsClient, DescribeLogGroupsCommand, DescribeLogStreamsCommand, FilterLogEventsCommand, GetLogEventsCommand, type FilterLogEventsCommandOutput,
} from '@aws-sdk/client-cloudwatch-logs';
import { openSqliteStore } from '../src/store/sqlite.js';
import { rejects } from './helpers/functions.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const G = '/aws/lambda/logs-api';
let s: TestServer;
let logs: CloudWatchLogsClient;

before(async () => {
  s = await startTestServer();
  logs = new CloudWatchLogsClient({ endpoint: s.url, region: 'us-east-1', credentials: s.platform.keys, maxAttempts: 1 });
  // Seeded through a second connection to the server's database: the invoke path is not under test.
  const store = openSqliteStore(join(s.dataDir, 'stratus.db'));
  try {
    store.appendLogs(Array.from({ length: 20 }, (_, i) => ({ group: G, stream: 'b-stream', timestamp: 1000 + i, message: `message ${i}` })));
    store.appendLogs([
      { group: G, stream: 'a-stream', timestamp: 5000, message: 'late' },
      { group: G, stream: 'c-stream', timestamp: 500, message: 'early' },
    ]);
  } finally {
    store.close();
  }
});

describe('GetLogEvents', () => {
  const get = (extra: Record<string, unknown> = {}) => logs.send(new GetLogEventsCommand({ logGroupName: G, logStreamName: 'b-stream', ...extra }));

  test('without startFromHead it returns the newest events; with it, the oldest', async () => {
    assert.deepEqual((await get({ limit: 3 })).events!.map((e) => e.message), ['message 17', 'message 18', 'message 19']);
    assert.deepEqual((await get({ limit: 3, startFromHead: true })).events!.map((e) => e.message), ['message 0', 'message 1', 'message 2']);
  });

  test('tokens page forward and backward, and the same token comes back at the end', async () => {
    const first = await get({ limit: 10, startFromHead: true });
    assert.match(first.nextForwardToken!, /^f\//);
    assert.match(first.nextBackwardToken!, /^b\//);
    const second = await get({ limit: 10, nextToken: first.nextForwardToken });
    assert.deepEqual(second.events!.map((e) => e.message), Array.from({ length: 10 }, (_, i) => `message ${10 + i}`));
    const end = await get({ limit: 10, nextToken: second.nextForwardToken });
    assert.deepEqual(end.events, []);
    assert.equal(end.nextForwardToken, second.nextForwardToken);
    const back = await get({ limit: 10, nextToken: second.nextBackwardToken });
    assert.deepEqual(back.events!.map((e) => e.message), Array.from({ length: 10 }, (_, i) => `message ${i}`));
    const start = await get({ limit: 10, nextToken: back.nextBackwardToken });
    assert.deepEqual(start.events, []);
    assert.equal(start.nextBackwardToken, back.nextBackwardToken);
  });

  test('an unknown group or stream is ResourceNotFoundException with AWS texts', async () => {
    const g = await rejects(() => logs.send(new GetLogEventsCommand({ logGroupName: '/aws/lambda/nope', logStreamName: 'x' })));
    assert.equal(g.name, 'ResourceNotFoundException');
    assert.equal(g.message, 'The specified log group does not exist.');
    assert.equal(g.$metadata.httpStatusCode, 400);
    const st = await rejects(() => get({ logStreamName: 'nope' }));
    assert.equal(st.name, 'ResourceNotFoundException');
    assert.equal(st.message, 'The specified log stream does not exist.');
  });

  test('an invalid token and an out-of-range limit are InvalidParameterException', async () => {
    const t = await rejects(() => get({ nextToken: 'invalid-token' }));
    assert.equal(t.name, 'InvalidParameterException');
    assert.equal(t.message, 'The specified nextToken is invalid.');
    const l = await rejects(() => get({ limit: 10001 }));
    assert.equal(l.name, 'InvalidParameterException');
    assert.equal(l.message, "1 validation error detected: Value '10001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 10000");
    const z = await rejects(() => get({ limit: 0 }));
    assert.equal(z.message, "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1");
  });
});

describe('FilterLogEvents', () => {
  test('an out-of-range limit and an invalid token are InvalidParameterException', async () => {
    const l = await rejects(() => logs.send(new FilterLogEventsCommand({ logGroupName: G, limit: 10001 })));
    assert.equal(l.name, 'InvalidParameterException');
    assert.equal(l.message, "1 validation error detected: Value '10001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 10000");
    const t = await rejects(() => logs.send(new FilterLogEventsCommand({ logGroupName: G, nextToken: 'invalid-token' })));
    assert.equal(t.name, 'InvalidParameterException');
    assert.equal(t.message, 'The specified nextToken is invalid.');
  });

  test('pages of `limit` events cover everything once', async () => {
    const one = await logs.send(new FilterLogEventsCommand({ logGroupName: G, logStreamNames: ['b-stream'], limit: 15 }));
    assert.equal(one.events!.length, 15);
    const two = await logs.send(new FilterLogEventsCommand({ logGroupName: G, logStreamNames: ['b-stream'], limit: 15, nextToken: one.nextToken }));
    assert.equal(one.events!.length + two.events!.length, 20);
    assert.equal(two.nextToken, undefined);
  });
});

describe('DescribeLogStreams', () => {
  const names = async (extra: Record<string, unknown> = {}) =>
    (await logs.send(new DescribeLogStreamsCommand({ logGroupName: G, ...extra }))).logStreams!.map((l) => l.logStreamName);

  test('ordered by name by default, by last event time on request, either way descending', async () => {
    assert.deepEqual(await names(), ['a-stream', 'b-stream', 'c-stream']);
    assert.deepEqual(await names({ descending: true }), ['c-stream', 'b-stream', 'a-stream']);
    assert.deepEqual(await names({ orderBy: 'LastEventTime' }), ['c-stream', 'b-stream', 'a-stream']);
    assert.deepEqual(await names({ orderBy: 'LastEventTime', descending: true }), ['a-stream', 'b-stream', 'c-stream']);
  });

  test('a prefix narrows, and cannot go with orderBy LastEventTime', async () => {
    assert.deepEqual(await names({ logStreamNamePrefix: 'b-' }), ['b-stream']);
    const e = await rejects(() => names({ logStreamNamePrefix: 'b-', orderBy: 'LastEventTime' }));
    assert.equal(e.name, 'InvalidParameterException');
    assert.equal(e.message, 'Cannot order by LastEventTime with a logStreamNamePrefix.');
  });

  test('limit pages with nextToken; fields as AWS sends them', async () => {
    const one = await logs.send(new DescribeLogStreamsCommand({ logGroupName: G, limit: 2 }));
    assert.deepEqual(one.logStreams!.map((l) => l.logStreamName), ['a-stream', 'b-stream']);
    const two = await logs.send(new DescribeLogStreamsCommand({ logGroupName: G, limit: 2, nextToken: one.nextToken }));
    assert.deepEqual(two.logStreams!.map((l) => l.logStreamName), ['c-stream']);
    assert.equal(two.nextToken, undefined);
    const b = one.logStreams![1]!;
    assert.equal(b.arn, `arn:aws:logs:us-east-1:${s.config.accountId}:log-group:${G}:log-stream:b-stream`);
    assert.equal(b.firstEventTimestamp, 1000);
    assert.equal(b.lastEventTimestamp, 1019);
    assert.equal(b.creationTime, 1000);
    const l = await rejects(() => logs.send(new DescribeLogStreamsCommand({ logGroupName: G, limit: 51 })));
    assert.equal(l.message, "1 validation error detected: Value '51' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 50");
  });

  test('an unknown group is ResourceNotFoundException', async () => {
    const e = await rejects(() => logs.send(new DescribeLogStreamsCommand({ logGroupName: '/aws/lambda/nope' })));
    assert.equal(e.name, 'ResourceNotFoundException');
    assert.equal(e.message, 'The specified log group does not exist.');
  });
});

describe('DescribeLogGroups', () => {
  test('both ARNs (arn with :*, logGroupArn without) and creationTime, as recorded', async () => {
    const out = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: G }));
    const arn = `arn:aws:logs:us-east-1:${s.config.accountId}:log-group:${G}`;
    assert.equal(out.logGroups!.length, 1);
    assert.deepEqual(out.logGroups![0], {
      logGroupName: G, arn: `${arn}:*`, logGroupArn: arn, creationTime: 500, logGroupClass: 'STANDARD', metricFilterCount: 0, storedBytes: 0,
    });
  });
});

describe('FilterLogEvents patterns and streams', () => {
  const P = '/aws/lambda/logs-patterns';
  before(() => {
    const store = openSqliteStore(join(s.dataDir, 'stratus.db'));
    try {
      const lines = [
        'hello', 'world', 'hello world', 'goodbye world', 'hello cruela', 'goodbye cruel world',
        '{"level":"error","latency":1200,"user":{"id":"u-42"},"ok":false}',
        '{"level":"info","latency":30,"user":{"id":"u-7"},"ok":true,"tags":["a","b"]}',
      ];
      store.appendLogs(lines.map((message, i) => ({ group: P, stream: i < 4 ? 'web-1' : 'worker-1', timestamp: 100 + i, message })));
    } finally {
      store.close();
    }
  });
  const grep = async (filterPattern: string, extra: Record<string, unknown> = {}) =>
    (await logs.send(new FilterLogEventsCommand({ logGroupName: P, filterPattern, ...extra }))).events!.map((e) => e.message);

  test('terms, phrases, ?any and -none (the API reference examples)', async () => {
    assert.deepEqual(await grep('goodbye world'), ['goodbye world', 'goodbye cruel world']);
    assert.deepEqual(await grep('"hello cruel"'), ['hello cruela']);
    assert.deepEqual(await grep('?goodbye ?cruela'), ['goodbye world', 'hello cruela', 'goodbye cruel world']);
    assert.deepEqual(await grep('world -goodbye'), ['world', 'hello world']);
    assert.deepEqual(await grep('-"hello" -{'), ['world', 'goodbye world', 'goodbye cruel world']);
  });

  test('JSON patterns select fields of JSON messages', async () => {
    const ids = async (p: string) => (await grep(p)).map((m) => JSON.parse(m!).user.id);
    assert.deepEqual(await ids('{ $.level = "error" }'), ['u-42']);
    assert.deepEqual(await ids('{ $.latency > 1000 || $.ok IS TRUE }'), ['u-42', 'u-7']);
    assert.deepEqual(await ids('{ ($.latency < 100) && $.user.id = "u-*" }'), ['u-7']);
    assert.deepEqual(await ids('{ $.level != "error" }'), ['u-7']);
    assert.deepEqual(await ids('{ $.tags[1] = "b" }'), ['u-7']);
    assert.deepEqual(await ids('{ $.tags NOT EXISTS }'), ['u-42']);
    const e = await rejects(() => grep('{ $.level = }'));
    assert.equal(e.name, 'InvalidParameterException');
  });

  test('logStreamNamePrefix narrows; with logStreamNames it is InvalidParameterException', async () => {
    assert.deepEqual(await grep('hello', { logStreamNamePrefix: 'worker' }), ['hello cruela']);
    assert.deepEqual(await grep('hello', { logStreamNamePrefix: 'nothing' }), []);
    const e = await rejects(() => grep('hello', { logStreamNamePrefix: 'web', logStreamNames: ['web-1'] }));
    assert.equal(e.name, 'InvalidParameterException');
  });

  test('a page short of matches still carries a token until every event is scanned', async () => {
    const every = async (filterPattern: string): Promise<string[]> => {
      const seen: string[] = [];
      let nextToken: string | undefined;
      do {
        const out: FilterLogEventsCommandOutput = await logs.send(new FilterLogEventsCommand({ logGroupName: P, filterPattern, limit: 1, nextToken }));
        seen.push(...out.events!.map((e) => e.message!));
        nextToken = out.nextToken;
      } while (nextToken);
      return seen;
    };
    // The first page scans 'hello' and 'hello world', neither a match: it used to end there.
    assert.deepEqual(await every('hello cruel'), ['hello cruela']);
    assert.deepEqual(await every('hello -world'), ['hello', 'hello cruela']);
  });
});

describe('logGroupIdentifier', () => {
  test('a name or the group ARN (with or without :*) works where logGroupName does; both at once is refused', async () => {
    const arn = `arn:aws:logs:us-east-1:${s.config.accountId}:log-group:${G}`;
    for (const id of [G, arn, `${arn}:*`]) {
      const got = await logs.send(new GetLogEventsCommand({ logGroupIdentifier: id, logStreamName: 'a-stream' }));
      assert.deepEqual(got.events!.map((e) => e.message), ['late']);
      const streams = await logs.send(new DescribeLogStreamsCommand({ logGroupIdentifier: id }));
      assert.equal(streams.logStreams!.length, 3);
      const found = await logs.send(new FilterLogEventsCommand({ logGroupIdentifier: id, filterPattern: 'early' }));
      assert.deepEqual(found.events!.map((e) => e.message), ['early']);
    }
    const e = await rejects(() => logs.send(new DescribeLogStreamsCommand({ logGroupName: G, logGroupIdentifier: G })));
    assert.equal(e.name, 'ValidationException');
    assert.equal(e.message, 'LogGroup name and LogGroup ARN are mutually exclusive parameters.');
    assert.equal(e.$metadata.httpStatusCode, 400);
  });
});

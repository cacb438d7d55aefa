/**
 * The async dispatcher's rules on a real SQLite queue, with the attempt itself played by a small
 * function (no server): turn order between functions, caps, backoff delays, throttles until the
 * event is too old (with a clock moved forward), resuming what the store holds.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { StratusError } from '../src/errors/catalog.js';
import type { InvocationResult } from '../src/environments/invocation.js';
import { AsyncQueue, type AsyncQueueDeps } from '../src/invoke/async-queue.js';
import { Destinations, type DestinationRecord } from '../src/invoke/destinations.js';
import type { EffectiveConfig } from '../src/invoke/event-config.js';
import { openAsyncStore, type AsyncStore, type QueuedEvent } from '../src/store/async-store.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import { tempDir } from './helpers/server.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function openQueueStore(): { store: AsyncStore; path: string } {
  const path = join(tempDir(), 'stratus.db');
  openSqliteStore(path).close(); // runs the migrations
  return { store: openAsyncStore(path), path };
}

const ok = (body = '"ok"'): InvocationResult => ({ body: Buffer.from(body), durationMs: 1, maxMemoryUsedMB: 1, log: '' });
const failed = (msg: string): InvocationResult => ({ ...ok(JSON.stringify({ errorType: 'Error', errorMessage: msg })), error: { type: 'Unhandled' } });

interface Harness {
  queue: AsyncQueue;
  store: AsyncStore;
  records: DestinationRecord[];
  attempts: { fn: string; id: string; at: number }[];
  logs: string[];
  send(fn: string, payload?: unknown): Promise<QueuedEvent>;
  clock: { offset: number; now(): number; monotonic(): number };
}

function harness(
  run: (ev: QueuedEvent, n: number) => Promise<InvocationResult>,
  opts: Partial<Pick<AsyncQueueDeps, 'concurrency' | 'functionConcurrency' | 'retryBaseMs'>> & { config?: Partial<EffectiveConfig>; store?: AsyncStore } = {},
): Harness {
  const store = opts.store ?? openQueueStore().store;
  const clock = { offset: 0, now: () => Date.now() + clock.offset, monotonic: () => performance.now() };
  const records: DestinationRecord[] = [];
  const attempts: Harness['attempts'] = [];
  const logs: string[] = [];
  const counts = new Map<string, number>();
  const queue = new AsyncQueue({
    store,
    clock,
    run: async (ev, payload) => {
      assert.ok(payload.length > 0);
      attempts.push({ fn: ev.functionName, id: JSON.parse(payload.toString()).id, at: clock.now() });
      const n = (counts.get(ev.requestId) ?? 0) + 1;
      counts.set(ev.requestId, n);
      return { version: '$LATEST', result: await run(ev, n) };
    },
    configFor: () => ({ maxRetries: 2, maxEventAgeS: 21_600, onSuccess: 'arn:aws:lambda:us-east-1:000000000000:function:dest', onFailure: 'arn:aws:lambda:us-east-1:000000000000:function:dest', ...opts.config }),
    deadLetterFor: () => undefined,
    reservedConcurrency: () => undefined,
    arn: (name, q) => `arn:aws:lambda:us-east-1:000000000000:function:${name}${q ? `:${q}` : ''}`,
    destinations: new Destinations({ lambda: { deliver: async (_arn, r) => void records.push(r) } }, {}, (l) => logs.push(l)),
    retryBaseMs: opts.retryBaseMs ?? 20,
    concurrency: opts.concurrency ?? 4,
    functionConcurrency: opts.functionConcurrency ?? 2,
    log: (l) => logs.push(l),
    logError: (e) => assert.fail(String(e)),
  });
  let seq = 0;
  return {
    queue, store, records, attempts, logs, clock,
    async send(fn, payload) {
      const e = await store.enqueue({ requestId: `req-${fn}-${seq}`, functionName: fn, payload: Buffer.from(JSON.stringify(payload ?? { id: `${fn}${seq++}` })), enqueuedAt: clock.now() });
      queue.submit(e);
      return e;
    },
  };
}

async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

describe('async dispatcher', () => {
  it('takes turns between functions: a queued flood does not run ahead of another function’s event', async () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const h = harness(async () => (await gate, ok()), { concurrency: 1, functionConcurrency: 1 });
    for (let i = 0; i < 5; i++) await h.send('A');
    await h.send('B');
    open();
    await until('all six', () => h.records.length === 6);
    // A0 was already running when the rest arrived and A had the next turn; B gets the one after, not the sixth.
    assert.deepEqual(h.attempts.map((a) => a.id), ['A0', 'A1', 'B5', 'A2', 'A3', 'A4']);
    h.queue.close();
    h.store.close();
  });

  it('holds a function to its own cap and the total to the global cap', async () => {
    let running = 0;
    let peak = 0;
    const perFn = new Map<string, number>();
    let peakFn = 0;
    const h = harness(async (ev) => {
      running++;
      perFn.set(ev.functionName, (perFn.get(ev.functionName) ?? 0) + 1);
      peak = Math.max(peak, running);
      peakFn = Math.max(peakFn, ...perFn.values());
      await sleep(10);
      running--;
      perFn.set(ev.functionName, perFn.get(ev.functionName)! - 1);
      return ok();
    }, { concurrency: 3, functionConcurrency: 2 });
    await Promise.all([...Array(10)].map((_, i) => h.send(i % 2 ? 'X' : 'Y')).concat([...Array(6)].map(() => h.send('Z'))));
    await until('all sixteen', () => h.records.length === 16);
    assert.equal(peak, 3);
    assert.equal(peakFn, 2);
    h.queue.close();
    h.store.close();
  });

  it('retries a function error after 1× then 2× the base, with the same request id, and reports three invocations', async () => {
    const h = harness(async (_ev, n) => (n < 3 ? failed(`fail ${n}`) : ok('{"done":true}')), { retryBaseMs: 30 });
    const e = await h.send('F', { id: 'f', k: 1 });
    await until('the record', () => h.records.length === 1);
    const [a1, a2, a3] = h.attempts;
    assert.ok(a2!.at - a1!.at >= 30, `first retry after ${a2!.at - a1!.at} ms`);
    assert.ok(a3!.at - a2!.at >= 60, `second retry after ${a3!.at - a2!.at} ms`);
    const r = h.records[0]!;
    assert.equal(r.requestContext.requestId, e.requestId);
    assert.equal(r.requestContext.condition, 'Success');
    assert.equal(r.requestContext.approximateInvokeCount, 3);
    assert.deepEqual(r.responsePayload, { done: true });
    assert.deepEqual(r.requestPayload, { id: 'f', k: 1 });
    await until('the store to empty', () => (h.store.flush(), h.store.all().length === 0));
    h.queue.close();
    h.store.close();
  });

  it('retries throttles until the event is too old, then EventAgeExceeded with the refusal’s status and no invocations', async () => {
    const h = harness(async () => {
      throw new StratusError('TooManyRequestsException', 'Rate Exceeded.', { Reason: 'ConcurrentInvocationLimitExceeded' });
    }, { retryBaseMs: 60, config: { maxEventAgeS: 60 } });
    await h.send('T');
    await until('a few throttled attempts', () => h.attempts.length >= 3);
    assert.equal(h.records.length, 0);
    h.clock.offset = 61_000; // the event is now older than its 60 s maximum age
    await until('the record', () => h.records.length === 1);
    const r = h.records[0]!;
    assert.equal(r.requestContext.condition, 'EventAgeExceeded');
    assert.equal(r.requestContext.approximateInvokeCount, 0);
    assert.deepEqual(r.responseContext, { statusCode: 429 });
    assert.equal(r.responsePayload, undefined);
    h.queue.close();
    h.store.close();
  });

  it('drops the events of a deleted function with a log line', async () => {
    const h = harness(async () => {
      throw new StratusError('ResourceNotFoundException', 'Function not found: arn:aws:lambda:us-east-1:000000000000:function:gone');
    });
    await h.send('gone');
    await until('the log line', () => h.logs.some((l) => /dropped request req-gone-0: Function not found/.test(l)));
    assert.equal(h.records.length, 0);
    h.queue.close();
    h.store.close();
  });

  it('resumes what the store holds, including events that were running when it stopped', async () => {
    const { store, path } = openQueueStore();
    const first = harness(() => new Promise(() => undefined), { store, concurrency: 1 }); // never finishes
    for (let i = 0; i < 4; i++) await first.send('R');
    first.queue.close();
    store.close();

    const again = openAsyncStore(path);
    const second = harness(async () => ok(), { store: again });
    assert.equal(second.queue.resume(), 4);
    await until('all four', () => second.records.length === 4);
    assert.deepEqual(second.attempts.map((a) => a.id).sort(), ['R0', 'R1', 'R2', 'R3']);
    second.queue.close();
    again.close();
  });
});

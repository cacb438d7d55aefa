/**
 * The asynchronous invocation dispatcher. Accepted events are already on disk (AsyncStore); this
 * runs them in the background, fairly, and decides what happens after each attempt:
 *
 * - Fairness: functions with ready events take turns (round-robin), each with at most
 *   `functionConcurrency` events running and `concurrency` over all, so a flood of one function
 *   leaves slots for every other function's events.
 * - Function errors (the function ran and failed, timed out or crashed) are retried up to
 *   MaximumRetryAttempts, after 1× then 2× the retry base (AWS: ~1 min, then ~2 min).
 * - Throttles and platform errors (the function did not run) are retried with backoff from 1/60
 *   of the base doubling up to 5× (AWS: 1 s … 5 min) until MaximumEventAgeInSeconds.
 * - An event whose age passes MaximumEventAgeInSeconds, or whose next attempt would start after
 *   that, ends with EventAgeExceeded.
 * - The outcome goes to the OnSuccess / OnFailure destination and, for failures, the function's
 *   dead-letter queue; only then is the event removed from the store (at-least-once).
 *
 * Attempts are not recorded as "running" on disk: after a restart every stored event is queued
 * again, so events that were running when the server stopped run again (at-least-once, as on AWS).
 */
import { StratusError } from '../errors/catalog.js';
import type { InvocationResult } from '../environments/invocation.js';
import type { Clock } from '../shared/clock.js';
import type { AsyncStore, QueuedEvent } from '../store/async-store.js';
import { destinationRecord, type Condition, type Destinations } from './destinations.js';
import { DueHeap, Fifo } from './queues.js';
import type { EffectiveConfig } from './event-config.js';

export interface AsyncQueueDeps {
  store: AsyncStore;
  clock: Clock;
  /** Run one attempt; throws StratusError when the platform refused it (throttle, state, not found). */
  run(ev: QueuedEvent, payload: Buffer): Promise<{ version: string; result: InvocationResult }>;
  configFor(name: string, qualifier: string | undefined): EffectiveConfig;
  /** The function's reserved concurrency, undefined when it has none (0 = turned off). */
  reservedConcurrency(name: string): number | undefined;
  /** The function's DeadLetterConfig.TargetArn, if any. */
  deadLetterFor(name: string, qualifier: string | undefined): string | undefined;
  arn(name: string, qualifier?: string): string;
  destinations: Destinations;
  retryBaseMs: number;
  concurrency: number;
  functionConcurrency: number;
  log(line: string): void;
  logError(err: unknown): void;
}

/** Per-function counts, for `stratus async status`. */
export interface QueueStatus {
  functionName: string;
  /** Waiting for a slot. */
  queued: number;
  /** Running now. */
  inFlight: number;
  /** Waiting for a retry's backoff to pass. */
  retrying: number;
  /** Age of the oldest event of this function, ms. */
  oldestAgeMs: number;
}

interface FunctionQueue {
  ready: Fifo<QueuedEvent>;
  inFlight: number;
  delayed: number;
  running: Set<QueuedEvent>;
}

export class AsyncQueue {
  private readonly fns = new Map<string, FunctionQueue>();
  /** Functions with ready events, in turn order. */
  private readonly turns = new Fifo<string>();
  private readonly inTurns = new Set<string>();
  private readonly delayed = new DueHeap();
  private timer?: NodeJS.Timeout;
  private timerAt = Infinity;
  private inFlight = 0;
  private closed = false;
  /** Since start: events accepted, and events finished (succeeded, given up or dropped). */
  private readonly totals = { accepted: 0, finished: 0 };

  constructor(private readonly deps: AsyncQueueDeps) {}

  /** Resume what the store holds (at start): events that were running when the server stopped run again. */
  resume(): number {
    const events = this.deps.store.all();
    for (const e of events) this.add(e);
    this.totals.accepted += events.length;
    this.pump();
    return events.length;
  }

  /** A newly accepted (already committed) event. */
  submit(e: QueuedEvent): void {
    if (this.closed) return;
    this.totals.accepted++;
    this.add(e);
    this.pump();
  }

  /** Events accepted and finished since this server started. */
  counts(): { accepted: number; finished: number } {
    return { ...this.totals };
  }

  status(): QueueStatus[] {
    const now = this.deps.clock.now();
    const out: QueueStatus[] = [];
    const oldest = new Map<string, number>();
    const note = (e: QueuedEvent) => oldest.set(e.functionName, Math.min(oldest.get(e.functionName) ?? Infinity, e.enqueuedAt));
    for (const q of this.fns.values()) {
      for (const e of q.ready) note(e);
      for (const e of q.running) note(e);
    }
    for (const e of this.delayed.items()) note(e);
    for (const [name, q] of this.fns) {
      if (!q.ready.length && !q.inFlight && !q.delayed) continue;
      out.push({ functionName: name, queued: q.ready.length, inFlight: q.inFlight, retrying: q.delayed, oldestAgeMs: now - (oldest.get(name) ?? now) });
    }
    return out.sort((a, b) => a.functionName.localeCompare(b.functionName));
  }

  /**
   * Stop starting attempts and ignore the outcome of running ones: the server is stopping, its
   * environments are about to be stopped, and whatever is unfinished stays in the store and runs
   * again after the next start (at-least-once).
   */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private queueOf(name: string): FunctionQueue {
    let q = this.fns.get(name);
    if (!q) this.fns.set(name, (q = { ready: new Fifo(), inFlight: 0, delayed: 0, running: new Set() }));
    return q;
  }

  private add(e: QueuedEvent): void {
    const q = this.queueOf(e.functionName);
    if (e.dueAt > this.deps.clock.now()) {
      q.delayed++;
      this.delayed.push(e);
      this.arm();
      return;
    }
    q.ready.push(e);
    if (!this.inTurns.has(e.functionName)) {
      this.inTurns.add(e.functionName);
      this.turns.push(e.functionName);
    }
  }

  /** One timer for the earliest retry. */
  private arm(): void {
    const next = this.delayed.peek();
    if (!next || this.closed) return;
    if (next.dueAt >= this.timerAt) return;
    clearTimeout(this.timer);
    this.timerAt = next.dueAt;
    this.timer = setTimeout(() => {
      this.timerAt = Infinity;
      const now = this.deps.clock.now();
      while (this.delayed.peek() && this.delayed.peek()!.dueAt <= now) {
        const e = this.delayed.pop()!;
        this.queueOf(e.functionName).delayed--;
        this.add(e);
      }
      this.arm();
      this.pump();
    }, Math.max(0, next.dueAt - this.deps.clock.now()));
  }

  /** Start attempts while there are free slots: one event per function per turn. */
  private pump(): void {
    while (!this.closed && this.inFlight < this.deps.concurrency && this.turns.length) {
      let started = false;
      for (let n = this.turns.length; n > 0 && this.inFlight < this.deps.concurrency; n--) {
        const name = this.turns.shift()!;
        const q = this.fns.get(name)!;
        if (!q.ready.length) {
          this.inTurns.delete(name);
          continue;
        }
        if (q.inFlight >= this.capOf(name)) {
          this.turns.push(name);
          continue;
        }
        this.start(q, q.ready.shift()!);
        started = true;
        if (q.ready.length) this.turns.push(name);
        else this.inTurns.delete(name);
      }
      if (!started) break;
    }
  }

  /**
   * A function's async slots: the configured cap, or its reserved concurrency when lower (more
   * attempts would only be throttled). At least one, so a function turned off (reserved 0) still
   * gets the attempt that finds out and sends its events to failure.
   */
  private capOf(name: string): number {
    const reserved = this.deps.reservedConcurrency(name);
    return Math.max(1, Math.min(this.deps.functionConcurrency, reserved ?? Infinity));
  }

  private start(q: FunctionQueue, e: QueuedEvent): void {
    q.inFlight++;
    q.running.add(e);
    this.inFlight++;
    void this.attempt(e)
      .catch((err) => this.deps.logError(err))
      .finally(() => {
        q.inFlight--;
        q.running.delete(e);
        this.inFlight--;
        if (!q.inFlight && !q.ready.length && !q.delayed) this.fns.delete(e.functionName);
        this.pump();
      });
  }

  private async attempt(e: QueuedEvent): Promise<void> {
    const cfg = this.deps.configFor(e.functionName, e.qualifier);
    const payload = this.deps.store.payload(e.id);
    if (!payload) return; // removed meanwhile (e.g. its function was deleted)
    if (this.deps.clock.now() - e.enqueuedAt > cfg.maxEventAgeS * 1000) return this.finish(e, 'EventAgeExceeded', cfg, payload);

    let out: { version: string; result: InvocationResult };
    try {
      out = await this.deps.run(e, payload);
    } catch (err) {
      if (this.closed) return;
      if (err instanceof StratusError && err.code === 'ResourceNotFoundException') {
        // The function (or the version/alias it was invoked with) is gone: nothing can run it.
        this.deps.log(`stratus: async: dropped request ${e.requestId}: ${err.message}`);
        this.deps.store.remove(e.id);
        this.totals.finished++;
        return;
      }
      if (!(err instanceof StratusError)) this.deps.logError(err);
      // Reserved concurrency 0 turns the function off: AWS sends its events to failure at once,
      // and the record has no responseContext, the refusal is not a response (recording
      // TestLambdaConcurrency::test_reserved_concurrency).
      if (err instanceof StratusError && err.code === 'TooManyRequestsException' && this.deps.reservedConcurrency(e.functionName) === 0)
        return this.finish(e, 'ZeroReservedConcurrency', cfg, payload);
      e.platformRetries++;
      e.lastResult = { statusCode: err instanceof StratusError ? err.status : 500 };
      const base = this.deps.retryBaseMs / 60;
      return this.retry(e, Math.min(base * 2 ** (e.platformRetries - 1), this.deps.retryBaseMs * 5), cfg, payload);
    }
    if (this.closed) return;
    e.invocations++;
    e.lastResult = {
      statusCode: 200,
      executedVersion: out.version,
      functionError: out.result.error?.type,
      payload: out.result.body.toString('utf8'),
    };
    if (!out.result.error) return this.finish(e, 'Success', cfg, payload);
    if (e.invocations <= cfg.maxRetries) return this.retry(e, this.deps.retryBaseMs * 2 ** (e.invocations - 1), cfg, payload);
    return this.finish(e, 'RetriesExhausted', cfg, payload);
  }

  private async retry(e: QueuedEvent, delayMs: number, cfg: EffectiveConfig, payload: Buffer): Promise<void> {
    const dueAt = this.deps.clock.now() + delayMs;
    // An event that would be too old by its next attempt ends now rather than waiting to expire.
    if (dueAt - e.enqueuedAt > cfg.maxEventAgeS * 1000) return this.finish(e, 'EventAgeExceeded', cfg, payload);
    e.dueAt = dueAt;
    this.deps.store.reschedule(e);
    this.add(e);
  }

  private async finish(e: QueuedEvent, condition: Condition, cfg: EffectiveConfig, payload: Buffer): Promise<void> {
    const destination = condition === 'Success' ? cfg.onSuccess : cfg.onFailure;
    if (condition !== 'Success') {
      const why = e.lastResult?.functionError ? `function error ${e.lastResult.functionError}` : e.lastResult ? `last status ${e.lastResult.statusCode}` : 'the function never ran';
      this.deps.log(`stratus: async: request ${e.requestId} to ${e.functionName} failed (${condition} after ${e.invocations} invocation(s), ${why})${destination ? `; record sent to ${destination}` : ''}`);
    }
    if (destination) {
      const record = destinationRecord({
        now: this.deps.clock.now(),
        requestId: e.requestId,
        functionArn: this.deps.arn(e.functionName, e.qualifier ?? '$LATEST'),
        condition,
        invocations: e.invocations,
        payload,
        last: e.lastResult,
      });
      await this.deps.destinations.send(destination, record);
    }
    if (condition !== 'Success') {
      const dlq = this.deps.deadLetterFor(e.functionName, e.qualifier);
      if (dlq) {
        const errorBody = e.lastResult?.payload ? safeJson(e.lastResult.payload) : undefined;
        await this.deps.destinations.deadLetter(dlq, payload, {
          RequestID: e.requestId,
          ErrorCode: String(e.lastResult?.statusCode ?? 200),
          ErrorMessage: String(errorBody?.errorMessage ?? condition).slice(0, 1024),
        });
      }
    }
    if (this.closed) return;
    this.deps.store.remove(e.id);
    this.totals.finished++;
  }
}

function safeJson(s: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(s) as unknown;
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

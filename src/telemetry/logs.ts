/**
 * Function log lines, stored durably in log groups and streams. Lines are batched and written off
 * the invoke path (one transaction per batch, at most every few milliseconds); followers are told
 * when new lines are stored.
 */
import type { Clock } from '../shared/clock.js';
import type { LogEvent, Store } from '../store/store.js';

const FLUSH_MS = 20;

export class LogSink {
  private batch: LogEvent[] = [];
  private timer?: NodeJS.Timeout;
  private readonly listeners = new Set<() => void>();
  private closed = false;

  constructor(private readonly store: Store, private readonly clock: Clock) {}

  append(group: string, stream: string, timestamp: number, message: string): void {
    if (this.closed) return;
    this.batch.push({ group, stream, timestamp, message });
    this.timer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  /** Write everything pending now (before queries, and at shutdown). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.batch.length === 0) return;
    const events = this.batch;
    this.batch = [];
    this.store.appendLogs(events);
    for (const l of this.listeners) l();
  }

  /** Write what is pending and accept no more (the store is about to close). */
  close(): void {
    this.flush();
    this.closed = true;
  }

  /** Call `fn` whenever lines are stored; returns the unsubscribe function. */
  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  now(): number {
    return this.clock.now();
  }
}

/**
 * Function log lines, stored durably in log groups and streams. Lines are batched and written off
 * the invoke path (one transaction per batch, at most every few milliseconds).
 */
import type { LogEvent, Store } from '../store/store.js';

const FLUSH_MS = 20;

export class LogSink {
  private batch: LogEvent[] = [];
  private timer?: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly store: Store) {}

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
  }

  /** Write what is pending and accept no more (the store is about to close). */
  close(): void {
    this.flush();
    this.closed = true;
  }
}

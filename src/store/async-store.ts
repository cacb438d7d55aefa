/**
 * The durable side of asynchronous invocation: queued events and event-invoke configs, in the
 * same SQLite file as the rest of the state (tables made by their migration in sqlite.ts) but on a
 * connection of its own with `synchronous = FULL`, so an accepted event survives an OS crash or
 * power loss too, not only a crash of the server process.
 *
 * Writes are group-committed: every enqueue, completion and reschedule asked for during one turn
 * of the event loop goes into one transaction (one fsync), and each enqueue's promise resolves
 * only after that commit. The 202 is sent after the promise resolves, so an acknowledged event is
 * on disk; many concurrent callers share one fsync, which is what keeps acceptance fast.
 */
import Database from 'better-sqlite3';

/** What the last attempt of an event answered; kept for the destination record. */
export interface LastResult {
  /** 200 when the function ran (even if it failed), else the HTTP status of the platform's refusal. */
  statusCode: number;
  executedVersion?: string;
  functionError?: string;
  /** The function's response or error body, as text. */
  payload?: string;
}

export interface QueuedEvent {
  id: number;
  requestId: string;
  functionName: string;
  /** The qualifier given at invoke time (version or alias), resolved when the event runs. */
  qualifier?: string;
  enqueuedAt: number;
  /** When the next attempt may start (epoch ms). */
  dueAt: number;
  /** How many times the function ran for this event (approximateInvokeCount). */
  invocations: number;
  /** Attempts refused by the platform (throttles, platform errors): they drive the backoff. */
  platformRetries: number;
  lastResult?: LastResult;
}

export interface NewEvent {
  requestId: string;
  functionName: string;
  qualifier?: string;
  payload: Buffer;
  enqueuedAt: number;
}

/** An event-invoke config as stored: the wire members Stratus acts on. */
export interface EventInvokeConfig {
  maximumRetryAttempts?: number;
  maximumEventAgeInSeconds?: number;
  onSuccess?: string;
  onFailure?: string;
}

export interface StoredEventInvokeConfig {
  functionName: string;
  qualifier: string;
  config: EventInvokeConfig;
  lastModified: number;
}

export interface AsyncStore {
  /** Store an event durably; resolves after the commit that holds it. */
  enqueue(e: NewEvent): Promise<QueuedEvent>;
  /** The stored payload of a queued event. */
  payload(id: number): Buffer | undefined;
  /** Every queued event (without payloads), oldest first: what a restart resumes. */
  all(): QueuedEvent[];
  /** Record a failed attempt and when to try again (committed with the next group). */
  reschedule(e: QueuedEvent): void;
  /** The event is finished (run, delivered or given up): forget it (committed with the next group). */
  remove(id: number): void;
  getConfig(functionName: string, qualifier: string): StoredEventInvokeConfig | undefined;
  putConfig(c: StoredEventInvokeConfig): void;
  deleteConfig(functionName: string, qualifier: string): boolean;
  listConfigs(functionName: string): StoredEventInvokeConfig[];
  /** Commit what is pending now. */
  flush(): void;
  close(): void;
}

interface Row {
  id: number;
  request_id: string;
  function_name: string;
  qualifier: string | null;
  enqueued_at: number;
  due_at: number;
  invocations: number;
  platform_retries: number;
  last_result: string | null;
}

const fromRow = (r: Row): QueuedEvent => ({
  id: r.id,
  requestId: r.request_id,
  functionName: r.function_name,
  qualifier: r.qualifier ?? undefined,
  enqueuedAt: r.enqueued_at,
  dueAt: r.due_at,
  invocations: r.invocations,
  platformRetries: r.platform_retries,
  lastResult: r.last_result ? (JSON.parse(r.last_result) as LastResult) : undefined,
});

/** Open the queue on the database at `path` (already migrated by openSqliteStore). */
export function openAsyncStore(path: string): AsyncStore {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  // FULL: the WAL is fsynced at every commit, so an acknowledged event survives power loss. The
  // cost is one fsync per group commit, shared by every event accepted in that turn.
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');

  const q = {
    insert: db.prepare(
      'INSERT INTO async_events (request_id, function_name, qualifier, payload, enqueued_at, due_at) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    payload: db.prepare<[number], { payload: Buffer }>('SELECT payload FROM async_events WHERE id = ?'),
    all: db.prepare<[], Row>(
      'SELECT id, request_id, function_name, qualifier, enqueued_at, due_at, invocations, platform_retries, last_result FROM async_events ORDER BY id',
    ),
    update: db.prepare('UPDATE async_events SET due_at = ?, invocations = ?, platform_retries = ?, last_result = ? WHERE id = ?'),
    remove: db.prepare('DELETE FROM async_events WHERE id = ?'),
    getConfig: db.prepare<[string, string], { config: string; last_modified: number }>(
      'SELECT config, last_modified FROM event_invoke_configs WHERE function_name = ? AND qualifier = ?',
    ),
    putConfig: db.prepare('INSERT OR REPLACE INTO event_invoke_configs (function_name, qualifier, config, last_modified) VALUES (?, ?, ?, ?)'),
    deleteConfig: db.prepare('DELETE FROM event_invoke_configs WHERE function_name = ? AND qualifier = ?'),
    listConfigs: db.prepare<[string], { qualifier: string; config: string; last_modified: number }>(
      'SELECT qualifier, config, last_modified FROM event_invoke_configs WHERE function_name = ? ORDER BY qualifier',
    ),
  };

  type Op = () => void;
  let ops: Op[] = [];
  let waiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  let scheduled = false;
  let closed = false;
  const commit = db.transaction((batch: Op[]) => {
    for (const op of batch) op();
  });

  function flush(): void {
    scheduled = false;
    if (ops.length === 0) return;
    const batch = ops;
    const w = waiters;
    ops = [];
    waiters = [];
    try {
      commit(batch);
    } catch (err) {
      for (const x of w) x.reject(err);
      return;
    }
    for (const x of w) x.resolve();
  }

  function add(op: Op): void {
    if (closed) return;
    ops.push(op);
    if (!scheduled) {
      scheduled = true;
      // setImmediate runs after the poll phase: every request that arrived in this turn joins the group.
      setImmediate(flush);
    }
  }

  return {
    enqueue(e) {
      if (closed) return Promise.reject(new Error('the async queue is closed'));
      return new Promise<QueuedEvent>((resolve, reject) => {
        let id = 0;
        add(() => {
          id = Number(q.insert.run(e.requestId, e.functionName, e.qualifier ?? null, e.payload, e.enqueuedAt, e.enqueuedAt).lastInsertRowid);
        });
        waiters.push({
          resolve: () =>
            resolve({
              id, requestId: e.requestId, functionName: e.functionName, qualifier: e.qualifier,
              enqueuedAt: e.enqueuedAt, dueAt: e.enqueuedAt, invocations: 0, platformRetries: 0,
            }),
          reject,
        });
      });
    },
    payload: (id) => q.payload.get(id)?.payload,
    all: () => q.all.all().map(fromRow),
    reschedule: (e) =>
      add(() => void q.update.run(e.dueAt, e.invocations, e.platformRetries, e.lastResult ? JSON.stringify(e.lastResult) : null, e.id)),
    remove: (id) => add(() => void q.remove.run(id)),
    getConfig(functionName, qualifier) {
      const r = q.getConfig.get(functionName, qualifier);
      return r && { functionName, qualifier, config: JSON.parse(r.config) as EventInvokeConfig, lastModified: r.last_modified };
    },
    putConfig: (c) => void q.putConfig.run(c.functionName, c.qualifier, JSON.stringify(c.config), c.lastModified),
    deleteConfig: (functionName, qualifier) => q.deleteConfig.run(functionName, qualifier).changes > 0,
    listConfigs: (functionName) =>
      q.listConfigs.all(functionName).map((r) => ({ functionName, qualifier: r.qualifier, config: JSON.parse(r.config) as EventInvokeConfig, lastModified: r.last_modified })),
    flush,
    close() {
      if (closed) return;
      flush();
      closed = true;
      db.close();
    },
  };
}

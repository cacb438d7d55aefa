/**
 * Asynchronous invocation, assembled: the durable store, the event-invoke configs, the
 * destinations and the dispatcher. The composition root builds it before the InvokeService
 * (which needs `accept`) and starts it once that service exists (the dispatcher runs events
 * through it, and a Lambda destination is an async invoke of another function).
 */
import type { Config } from '../config/config.js';
import type { FunctionService } from '../control/functions.js';
import type { Account } from '../shared/arn.js';
import type { Clock } from '../shared/clock.js';
import { openAsyncStore, type AsyncStore } from '../store/async-store.js';
import { AsyncQueue, type QueueStatus } from './async-queue.js';
import type { EventBridge } from '../events/bridge/index.js';
import { Destinations, eventBusDestination, lambdaDestination } from './destinations.js';
import { EventConfigService } from './event-config.js';
import type { InvokeService } from './invoke.js';

export interface AsyncDeps {
  dbPath: string;
  functions: FunctionService;
  clock: Clock;
  account: Account;
  config: Pick<Config, 'asyncRetryBaseMs' | 'asyncConcurrency' | 'asyncFunctionConcurrency'>;
  log: (line: string) => void;
  logError: (err: unknown) => void;
}

export interface AsyncInvocation {
  store: AsyncStore;
  configs: EventConfigService;
  /** Store an accepted event durably and hand it to the dispatcher. */
  accept(e: { requestId: string; functionName: string; qualifier?: string; payload: Buffer }): Promise<void>;
  /**
   * Start dispatching, resuming what the store holds; returns how many events were resumed.
   * Records go to functions through `invoke` and to event buses through `events`.
   */
  start(invoke: InvokeService, events: Pick<EventBridge, 'putEvents'>): number;
  status(): QueueStatus[];
  /** Events accepted and finished since start. */
  counts(): { accepted: number; finished: number };
  /** Stop starting attempts and ignore running ones (first step of shutdown). */
  stop(): void;
  /** Commit what is pending and close the store (after the environments are stopped). */
  close(): void;
}

export function createAsyncInvocation(deps: AsyncDeps): AsyncInvocation {
  const store = openAsyncStore(deps.dbPath);
  const configs = new EventConfigService({ functions: deps.functions, store, clock: deps.clock, account: deps.account });
  let queue: AsyncQueue | undefined;

  const deadLetterFor = (name: string, qualifier: string | undefined): string | undefined => {
    try {
      const dlc = deps.functions.get({ name, qualifier }).config.passthrough.DeadLetterConfig as { TargetArn?: unknown } | undefined;
      return typeof dlc?.TargetArn === 'string' && dlc.TargetArn ? dlc.TargetArn : undefined;
    } catch {
      return undefined;
    }
  };

  return {
    store,
    configs,
    async accept(e) {
      const queued = await store.enqueue({ ...e, enqueuedAt: deps.clock.now() });
      queue?.submit(queued);
    },
    start(invoke, events) {
      const destinations = new Destinations(
        { lambda: lambdaDestination((arn, payload) => invoke.invoke({ functionName: arn, type: 'Event', payload })), events: eventBusDestination(events) },
        // Dead-letter queues are SQS queues or SNS topics: none exist in Stratus yet.
        {},
        deps.log,
      );
      queue = new AsyncQueue({
        store,
        clock: deps.clock,
        run: (ev, payload) => invoke.runQueued(ev, payload),
        configFor: (name, qualifier) => configs.effective(name, qualifier),
        deadLetterFor,
        reservedConcurrency: (name) => {
          try {
            return deps.functions.get({ name }).reservedConcurrency;
          } catch {
            return undefined;
          }
        },
        arn: (name, qualifier) => deps.functions.arn(name, qualifier),
        destinations,
        retryBaseMs: deps.config.asyncRetryBaseMs,
        concurrency: deps.config.asyncConcurrency,
        functionConcurrency: deps.config.asyncFunctionConcurrency,
        log: deps.log,
        logError: deps.logError,
      });
      return queue.resume();
    },
    status: () => queue?.status() ?? [],
    counts: () => queue?.counts() ?? { accepted: 0, finished: 0 },
    stop: () => queue?.close(),
    close: () => store.close(),
  };
}

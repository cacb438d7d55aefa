/** EventBridge on one machine: the rule store, the default bus, the schedule runner and the API service, wired. */
import { eventsService } from '../../api/events/events.js';
import type { JsonService } from '../../api/aws-json.js';
import type { InvokeService } from '../../invoke/invoke.js';
import type { Account } from '../../shared/arn.js';
import type { Clock } from '../../shared/clock.js';
import { openRuleStore } from '../../store/rules-store.js';
import { EventBus, type EntryResult, type PutEventsEntry } from './bus.js';
import { invokeDeliverer, type Deliverer } from './deliver.js';
import { RuleService } from './rules.js';
import { Scheduler } from './scheduler.js';

export interface EventBridgeDeps {
  /** The SQLite file (its tables are made by the store's migrations, which must have run). */
  dbPath: string;
  clock: Clock;
  account: Account;
  invoke: Pick<InvokeService, 'invoke'>;
  log: (line: string) => void;
  logError: (err: unknown) => void;
}

export interface EventBridge {
  service: JsonService;
  /** PutEvents from inside the platform (an asynchronous invocation's EventBridge destination). */
  putEvents(entries: PutEventsEntry[]): EntryResult[];
  /** Start the schedules (after the listener is up: a due tick fires at once). */
  start(): void;
  close(): Promise<void>;
}

export function createEventBridge(d: EventBridgeDeps): EventBridge {
  const store = openRuleStore(d.dbPath);
  let scheduler: Scheduler | undefined;
  const rules = new RuleService({ store, clock: d.clock, account: d.account, onChange: () => scheduler?.run() });
  // Deliveries in flight are awaited at close, so none reaches the invoke path after it stops.
  const inflight = new Set<Promise<void>>();
  const direct = invokeDeliverer(d.invoke, () => d.clock.now(), d.log);
  const deliverer: Deliverer = {
    deliver(...args) {
      const p = direct.deliver(...args);
      inflight.add(p);
      void p.finally(() => inflight.delete(p)).catch(() => {});
      return p;
    },
  };
  scheduler = new Scheduler({ store, rules, clock: d.clock, account: d.account, deliverer, log: d.log, logError: d.logError });
  const bus = new EventBus({ store, rules, clock: d.clock, account: d.account, deliverer, logError: d.logError });
  return {
    service: eventsService(rules, bus, d.account.accountId),
    putEvents: (entries) => bus.putEvents(entries),
    start() {
      scheduler!.run();
    },
    async close() {
      scheduler!.stop();
      await Promise.allSettled([...inflight]);
      store.close();
    },
  };
}

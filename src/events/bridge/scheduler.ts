/**
 * The schedule runner: one wake-up for the earliest due tick across all scheduled rules.
 *
 * Each rule keeps a high-water mark (`firedUntil`) in the store. A tick is fired by first moving
 * the mark to it (a conditional update, so no tick can fire twice, even across restarts) and then
 * delivering AWS's Scheduled Event to the rule's targets. When more than one tick is overdue —
 * the server was stopped, the machine slept, the clock jumped — only the most recent one fires,
 * once, and the skipped ones are logged (docs/events.md).
 */
import { type Clock, wakeAt } from '../../shared/clock.js';
import { uuid } from '../../shared/ids.js';
import type { Account } from '../../shared/arn.js';
import type { RuleStore } from '../../store/rules-store.js';
import { eventTime, type Deliverer } from './deliver.js';
import { isEnabled, type StoredRule } from './model.js';
import type { RuleService } from './rules.js';
import { lastTickUpTo, nextTick } from './schedule.js';

export interface SchedulerDeps {
  store: RuleStore;
  rules: RuleService;
  clock: Clock;
  account: Account;
  deliverer: Deliverer;
  log: (line: string) => void;
  logError: (err: unknown) => void;
}

export class Scheduler {
  private cancel: (() => void) | undefined;
  private armedFor: number | undefined;
  private stopped = false;

  constructor(private readonly deps: SchedulerDeps) {}

  /** Fire what is due (at most the latest tick of each rule) and wait for the next one. */
  run(): void {
    if (this.stopped) return;
    const now = this.deps.clock.now();
    let earliest: number | undefined;
    for (const r of this.deps.store.all()) {
      if (!isEnabled(r.rule) || !r.rule.ScheduleExpression) continue;
      let s;
      try {
        s = this.deps.rules.schedule(r.rule.ScheduleExpression);
      } catch {
        continue; // validated at PutRule; a stored expression that no longer parses is skipped
      }
      const due = lastTickUpTo(s, r.firedUntil, r.anchor, now);
      if (due !== undefined) this.fire(r, due);
      const next = nextTick(s, Math.max(r.firedUntil, due ?? now, now), r.anchor);
      if (next !== undefined && (earliest === undefined || next < earliest)) earliest = next;
    }
    this.arm(earliest);
  }

  private arm(at: number | undefined): void {
    if (at === this.armedFor) return;
    this.cancel?.();
    this.cancel = undefined;
    this.armedFor = at;
    if (at !== undefined)
      this.cancel = wakeAt(this.deps.clock, at, () => {
        this.armedFor = undefined;
        try {
          this.run();
        } catch (err) {
          this.deps.logError(err);
        }
      });
  }

  private fire(r: StoredRule, tick: number): void {
    const { rule } = r;
    // Persist first: once the mark has moved, this tick is never delivered again.
    if (!this.deps.store.markFired(rule.EventBusName, rule.Name, r.firedUntil, tick)) return;
    const s = this.deps.rules.schedule(rule.ScheduleExpression!);
    const first = nextTick(s, r.firedUntil, r.anchor);
    if (first !== undefined && first < tick)
      this.deps.log(`stratus: events: rule ${rule.Name} missed its ticks from ${eventTime(first)} to before ${eventTime(tick)}; firing only the one at ${eventTime(tick)}`);
    const arn = this.deps.rules.arn(rule.EventBusName, rule.Name);
    const event = {
      version: '0',
      id: uuid(),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: this.deps.account.accountId,
      time: eventTime(tick),
      region: this.deps.account.region,
      resources: [arn],
      detail: {},
    };
    const targets = this.deps.store.targets(rule.EventBusName, rule.Name);
    this.deps.deliverer.deliver(rule.Name, arn, targets, event).catch(this.deps.logError);
  }

  /** Stop waking. */
  stop(): void {
    this.stopped = true;
    this.cancel?.();
  }
}

/**
 * The default event bus: PutEvents builds each entry into the event EventBridge delivers
 * ({version, id, detail-type, source, account, time, region, resources, detail}), matches it
 * against every enabled rule with an EventPattern, and hands it to the matching rules' targets.
 */
import { StratusError } from '../../errors/catalog.js';
import type { Account } from '../../shared/arn.js';
import type { Clock } from '../../shared/clock.js';
import { uuid } from '../../shared/ids.js';
import type { RuleStore } from '../../store/rules-store.js';
import { eventTime, type Deliverer } from './deliver.js';
import { DEFAULT_BUS, isEnabled } from './model.js';
import type { RuleService } from './rules.js';

/** AWS's PutEvents limit on the summed size of a request's entries (docs: "Calculating PutEvents event entry size"). */
export const MAX_ENTRIES_BYTES = 256 * 1024;

export interface PutEventsEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  Resources?: string[];
  /** Epoch ms. */
  Time?: number;
  EventBusName?: string;
}

export type EntryResult = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

export interface BusDeps {
  store: RuleStore;
  rules: RuleService;
  clock: Clock;
  account: Account;
  deliverer: Deliverer;
  logError: (err: unknown) => void;
}

const bytes = (s: string | undefined) => (s === undefined ? 0 : Buffer.byteLength(s, 'utf8'));

/** The size AWS counts for one entry: Time 14 bytes, then the UTF-8 of the text members. */
export function entrySize(e: PutEventsEntry): number {
  return (e.Time !== undefined ? 14 : 0) + bytes(e.Source) + bytes(e.DetailType) + bytes(e.Detail) + (e.Resources ?? []).reduce((n, r) => n + bytes(r), 0);
}

const entryError = (code: string, message: string): EntryResult => ({ ErrorCode: code, ErrorMessage: message });

export class EventBus {
  constructor(private readonly deps: BusDeps) {}

  putEvents(entries: PutEventsEntry[]): EntryResult[] {
    if (entries.reduce((n, e) => n + entrySize(e), 0) > MAX_ENTRIES_BYTES)
      throw new StratusError('ValidationException', 'Total size of the entries in the request is over the limit.');
    return entries.map((e) => this.putOne(e));
  }

  private putOne(e: PutEventsEntry): EntryResult {
    if (!e.Source) return entryError('InvalidArgument', 'Parameter Source is not valid. Reason: Source is a required argument.');
    if (!e.DetailType) return entryError('InvalidArgument', 'Parameter DetailType is not valid. Reason: DetailType is a required argument.');
    if (!e.Detail) return entryError('InvalidArgument', 'Parameter Detail is not valid. Reason: Detail is a required argument.');
    // Sources starting "aws." are AWS services' own; an account may not put events as one.
    if (e.Source.startsWith('aws.')) return entryError('NotAuthorizedForSourceException', 'Not authorized for the source.');
    let detail: unknown;
    try {
      detail = JSON.parse(e.Detail);
    } catch {
      return entryError('MalformedDetail', 'Detail is malformed.');
    }
    if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) return entryError('MalformedDetail', 'Detail is malformed.');
    const bus = this.existingBus(e.EventBusName);
    const event = {
      version: '0',
      id: uuid(),
      'detail-type': e.DetailType,
      source: e.Source,
      account: this.deps.account.accountId,
      time: eventTime(e.Time ?? this.deps.clock.now()),
      region: this.deps.account.region,
      resources: e.Resources ?? [],
      detail,
    };
    // AWS answers an entry for a bus that does not exist like any other (an EventId, not a
    // failed entry) and drops the event (recorded: test_put_events_nonexistent_event_bus).
    if (bus !== undefined) this.route(bus, event);
    return { EventId: event.id };
  }

  /** The bus an EventBusName names, or undefined when there is no such bus. */
  private existingBus(nameOrArn: string | undefined): string | undefined {
    try {
      return this.deps.rules.bus(nameOrArn);
    } catch (err) {
      if (err instanceof StratusError && err.code === 'ResourceNotFoundException') return undefined;
      throw err;
    }
  }

  /** Deliver an event to the targets of every enabled pattern rule on the bus that it matches. */
  private route(bus: string, event: Record<string, unknown>): void {
    for (const r of this.deps.store.all()) {
      const { rule } = r;
      if (rule.EventBusName !== bus || !isEnabled(rule) || !rule.EventPattern) continue;
      if (!this.deps.rules.pattern(rule.EventPattern).matches(event)) continue;
      const targets = this.deps.store.targets(bus, rule.Name);
      if (targets.length) this.deps.deliverer.deliver(rule.Name, this.deps.rules.arn(bus, rule.Name), targets, event).catch(this.deps.logError);
    }
  }
}

export { DEFAULT_BUS };

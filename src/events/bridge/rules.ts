/**
 * Rules and targets on the default event bus: the domain side of PutRule, DescribeRule,
 * ListRules, Enable/DisableRule, DeleteRule, PutTargets, RemoveTargets and ListTargetsByRule.
 * Wire constraints (lengths, name patterns) are checked by the API layer before it calls here.
 */
import { StratusError } from '../../errors/catalog.js';
import type { Account } from '../../shared/arn.js';
import type { Clock } from '../../shared/clock.js';
import type { RuleStore } from '../../store/rules-store.js';
import { DEFAULT_BUS, isEnabled, type Rule, type RuleState, type StoredRule, type Target } from './model.js';
import { compilePattern, type EventPattern } from './pattern.js';
import { floorMinute, parseSchedule, type Schedule } from './schedule.js';

/** AWS's limit of targets per rule. */
export const MAX_TARGETS_PER_RULE = 5;

export interface RuleServiceDeps {
  store: RuleStore;
  clock: Clock;
  account: Account;
  /** Called after any change that may move the next scheduled tick. */
  onChange: () => void;
}

export interface PutRuleInput {
  Name: string;
  EventBusName?: string;
  ScheduleExpression?: string;
  EventPattern?: string;
  State?: RuleState;
  Description?: string;
  RoleArn?: string;
}

export interface FailedTarget {
  TargetId: string;
  ErrorCode: string;
  ErrorMessage: string;
}

export const ruleNotFound = (name: string, bus: string) => new StratusError('ResourceNotFoundException', `Rule ${name} does not exist on EventBus ${bus}.`);

export class RuleService {
  private readonly patterns = new Map<string, EventPattern>();
  private readonly schedules = new Map<string, Schedule>();

  constructor(private readonly deps: RuleServiceDeps) {}

  arn(bus: string, name: string): string {
    const a = this.deps.account;
    return `arn:aws:events:${a.region}:${a.accountId}:rule/${bus === DEFAULT_BUS ? '' : `${bus}/`}${name}`;
  }

  busArn(bus: string): string {
    return `arn:aws:events:${this.deps.account.region}:${this.deps.account.accountId}:event-bus/${bus}`;
  }

  /** The bus an EventBusName names (a name or an ARN); only the default bus exists. */
  bus(nameOrArn: string | undefined): string {
    if (nameOrArn === undefined || nameOrArn === DEFAULT_BUS || nameOrArn === this.busArn(DEFAULT_BUS)) return DEFAULT_BUS;
    const name = nameOrArn.includes(':event-bus/') ? nameOrArn.slice(nameOrArn.indexOf(':event-bus/') + 11) : nameOrArn;
    throw new StratusError('ResourceNotFoundException', `Event bus ${name} does not exist.`);
  }

  /** The compiled pattern of a rule (cached by its text). */
  pattern(text: string): EventPattern {
    let p = this.patterns.get(text);
    if (!p) this.patterns.set(text, (p = compilePattern(text)));
    return p;
  }

  schedule(expr: string): Schedule {
    let s = this.schedules.get(expr);
    if (!s) this.schedules.set(expr, (s = parseSchedule(expr)));
    return s;
  }

  putRule(input: PutRuleInput): string {
    const bus = this.bus(input.EventBusName);
    if (!input.EventPattern && !input.ScheduleExpression)
      throw new StratusError('ValidationException', 'Parameter(s) EventPattern or ScheduleExpression must be specified.');
    if (input.ScheduleExpression) {
      if (bus !== DEFAULT_BUS) throw new StratusError('ValidationException', 'ScheduleExpression is supported only on the default event bus.');
      this.schedule(input.ScheduleExpression);
    }
    if (input.EventPattern) this.pattern(input.EventPattern);
    const now = this.deps.clock.now();
    const old = this.deps.store.get(bus, input.Name);
    const rule: Rule = {
      Name: input.Name,
      EventBusName: bus,
      State: input.State ?? 'ENABLED',
      ...(input.ScheduleExpression && { ScheduleExpression: input.ScheduleExpression }),
      ...(input.EventPattern && { EventPattern: input.EventPattern }),
      ...(input.Description !== undefined && { Description: input.Description }),
      ...(input.RoleArn !== undefined && { RoleArn: input.RoleArn }),
    };
    // A new or changed schedule (or a rule switched back on) starts counting from now; an
    // unchanged one keeps its grid and what has fired.
    const keep = old && old.rule.ScheduleExpression === rule.ScheduleExpression && !(!isEnabled(old.rule) && isEnabled(rule));
    this.deps.store.put({
      rule,
      createdAt: old?.createdAt ?? now,
      anchor: keep ? old.anchor : floorMinute(now),
      firedUntil: keep ? old.firedUntil : now,
    });
    this.deps.onChange();
    return this.arn(bus, input.Name);
  }

  get(bus: string, name: string): StoredRule {
    const r = this.deps.store.get(bus, name);
    if (!r) throw ruleNotFound(name, bus);
    return r;
  }

  list(bus: string, prefix: string, after: string, limit: number): StoredRule[] {
    return this.deps.store.list(bus, prefix, after, limit);
  }

  setState(bus: string, name: string, state: 'ENABLED' | 'DISABLED'): void {
    const r = this.get(bus, name);
    if (r.rule.State === state) return;
    // Enabling starts the schedule afresh from now: ticks while disabled never fire.
    const enabling = state === 'ENABLED' && !isEnabled(r.rule);
    this.deps.store.put({ ...r, rule: { ...r.rule, State: state }, firedUntil: enabling ? Math.max(r.firedUntil, this.deps.clock.now()) : r.firedUntil });
    this.deps.onChange();
  }

  delete(bus: string, name: string): void {
    // AWS answers success for a rule that does not exist.
    if (!this.deps.store.get(bus, name)) return;
    if (this.deps.store.targets(bus, name).length > 0) throw new StratusError('ValidationException', "Rule can't be deleted since it has targets.");
    this.deps.store.delete(bus, name);
    this.deps.onChange();
  }

  targets(bus: string, rule: string): Target[] {
    this.get(bus, rule);
    return this.deps.store.targets(bus, rule);
  }

  /** Store the targets that can be stored; the others come back as AWS's FailedEntries. */
  putTargets(bus: string, rule: string, targets: Target[]): FailedTarget[] {
    const existing = this.targets(bus, rule);
    const ids = new Set(existing.map((t) => t.Id));
    for (const t of targets) ids.add(t.Id);
    if (ids.size > MAX_TARGETS_PER_RULE)
      throw new StratusError('LimitExceededException', `The requested resource exceeds the maximum number allowed.`);
    const failed: FailedTarget[] = [];
    const ok: Target[] = [];
    for (const t of targets) {
      // Only Lambda functions are targets Stratus can deliver to.
      if (!/^arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:[a-zA-Z0-9-_.]+(:[a-zA-Z0-9-_$]+)?$/.test(t.Arn))
        failed.push({ TargetId: t.Id, ErrorCode: 'InvalidArgument', ErrorMessage: `Stratus delivers to Lambda function targets only; ${t.Arn} is not a function ARN.` });
      else ok.push(t);
    }
    this.deps.store.putTargets(bus, rule, ok);
    return failed;
  }

  removeTargets(bus: string, rule: string, ids: string[]): void {
    this.get(bus, rule);
    this.deps.store.removeTargets(bus, rule, ids);
  }
}

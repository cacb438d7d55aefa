/**
 * EventBridge (AWS JSON 1.1, `X-Amz-Target: AWSEvents.*`, signing name `events`): rules, targets,
 * PutEvents and TestEventPattern on the default bus, wire ⇄ domain. Member constraints and their
 * messages follow the EventBridge model ("N validation error(s) detected: …").
 */
import { StratusError, validationError, type Violation } from '../../errors/catalog.js';
import type { EventBus, PutEventsEntry } from '../../events/bridge/bus.js';
import { RULE_STATES, type Rule, type StoredRule, type Target } from '../../events/bridge/model.js';
import { compilePattern } from '../../events/bridge/pattern.js';
import type { RuleService } from '../../events/bridge/rules.js';
import { parsePath, undefinedPlaceholder } from '../../events/bridge/transform.js';
import type { JsonService } from '../aws-json.js';
import { decodeMarker, encodeMarker } from '../lambda/json.js';

const NAME = /^[.\-_A-Za-z0-9]+$/;
const BUS = /^(arn:aws[\w-]*:events:[a-z]+-[a-z]+-[\w-]+:[0-9]{12}:event-bus\/)?[/.\-_A-Za-z0-9]+$/;
const PAGE = 100;

type Body = Record<string, unknown>;

/** Collects model violations for one request, then throws them together as AWS does. */
class Check {
  readonly v: Violation[] = [];
  str(value: unknown, path: string, o: { required?: boolean; min?: number; max?: number; pattern?: RegExp; enum?: string[] }): string | undefined {
    if (value === undefined || value === null) {
      if (o.required) this.v.push({ value: null, path, constraint: 'Member must not be null' });
      return undefined;
    }
    if (typeof value !== 'string') throw new StratusError('ValidationException', `Parameter ${path} must be a string.`);
    if (o.min !== undefined && value.length < o.min) this.v.push({ value, path, constraint: `Member must have length greater than or equal to ${o.min}` });
    if (o.max !== undefined && value.length > o.max) this.v.push({ value, path, constraint: `Member must have length less than or equal to ${o.max}` });
    if (o.pattern && !o.pattern.test(value)) this.v.push({ value, path, constraint: `Member must satisfy regular expression pattern: ${o.pattern.source.replace(/^\^|\$$/g, '')}` });
    if (o.enum && !o.enum.includes(value)) this.v.push({ value, path, constraint: `Member must satisfy enum value set: [${o.enum.join(', ')}]` });
    return value;
  }
  done(): void {
    if (this.v.length) throw validationError(this.v);
  }
}

const ruleName = (c: Check, v: unknown, path = 'name') => c.str(v, path, { required: true, min: 1, max: 64, pattern: NAME })!;
const busName = (c: Check, v: unknown) => c.str(v, 'eventBusName', { min: 1, max: 1600, pattern: BUS });

function limit(c: Check, v: unknown): number {
  if (v === undefined || v === null) return PAGE;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 100)
    c.v.push({ value: v, path: 'limit', constraint: (v as number) < 1 ? 'Member must have value greater than or equal to 1' : 'Member must have value less than or equal to 100' });
  return Math.min(Number(v) || PAGE, PAGE);
}

/** A rule as DescribeRule and ListRules show it. */
function ruleShape(rules: RuleService, r: StoredRule, account: string): Record<string, unknown> {
  const { rule } = r;
  return {
    Name: rule.Name,
    Arn: rules.arn(rule.EventBusName, rule.Name),
    ...(rule.EventPattern !== undefined && { EventPattern: rule.EventPattern }),
    ...(rule.ScheduleExpression !== undefined && { ScheduleExpression: rule.ScheduleExpression }),
    State: rule.State,
    ...(rule.Description !== undefined && { Description: rule.Description }),
    ...(rule.RoleArn !== undefined && { RoleArn: rule.RoleArn }),
    EventBusName: rule.EventBusName,
    CreatedBy: account,
  };
}

/** Validate one PutTargets entry's members; index is 1-based as in AWS's paths. */
function checkTarget(c: Check, t: unknown, i: number): Target {
  const o = (t && typeof t === 'object' ? t : {}) as Body;
  const p = `targets.${i}.member`;
  const Id = c.str(o.Id, `${p}.id`, { required: true, min: 1, max: 64, pattern: NAME })!;
  const Arn = c.str(o.Arn, `${p}.arn`, { required: true, min: 1, max: 1600 })!;
  const Input = c.str(o.Input, `${p}.input`, { max: 8192 });
  const InputPath = c.str(o.InputPath, `${p}.inputPath`, { max: 256 });
  const RoleArn = c.str(o.RoleArn, `${p}.roleArn`, { min: 1, max: 1600 });
  let InputTransformer: Target['InputTransformer'];
  if (o.InputTransformer !== undefined && o.InputTransformer !== null) {
    const it = o.InputTransformer as Body;
    const InputTemplate = c.str(it.InputTemplate, `${p}.inputTransformer.inputTemplate`, { required: true, min: 1, max: 8192 })!;
    const map = (it.InputPathsMap ?? {}) as Record<string, unknown>;
    if (Object.keys(map).length > 100) c.v.push({ value: map, path: `${p}.inputTransformer.inputPathsMap`, constraint: 'Member must have length less than or equal to 100' });
    InputTransformer = { InputTemplate, ...(it.InputPathsMap !== undefined && { InputPathsMap: map as Record<string, string> }) };
  }
  return { Id, Arn, ...(Input !== undefined && { Input }), ...(InputPath !== undefined && { InputPath }), ...(InputTransformer && { InputTransformer }), ...(RoleArn !== undefined && { RoleArn }) };
}

/** Checks AWS makes on a target's input after the model constraints pass. */
function checkTargetInput(t: Target): void {
  const given = [t.Input, t.InputPath, t.InputTransformer].filter((x) => x !== undefined).length;
  if (given > 1) throw new StratusError('ValidationException', `Only one of Input, InputPath, or InputTransformer must be provided for target ${t.Id}.`);
  if (t.Input !== undefined) {
    try {
      JSON.parse(t.Input);
    } catch {
      throw new StratusError('ValidationException', `Parameter Input is not valid. Reason: Input for target ${t.Id} is not a valid JSON text.`);
    }
  }
  if (t.InputPath !== undefined && !parsePath(t.InputPath))
    throw new StratusError('ValidationException', `Parameter InputPath is not valid. Reason: ${t.InputPath} is not a valid JSONPath for target ${t.Id}.`);
  for (const [k, v] of Object.entries(t.InputTransformer?.InputPathsMap ?? {})) {
    if (!/^[A-Za-z0-9_-]+$/.test(k) || k.startsWith('aws.'))
      throw new StratusError('ValidationException', `Input transformer key ${k} is not valid for target ${t.Id}.`);
    if (typeof v !== 'string' || !parsePath(v))
      throw new StratusError('ValidationException', `Input transformer value ${String(v)} for key ${k} is not a valid JSONPath for target ${t.Id}.`);
  }
  const undefinedName = t.InputTransformer && undefinedPlaceholder(t.InputTransformer.InputTemplate, t.InputTransformer.InputPathsMap ?? {});
  if (undefinedName !== undefined) throw new StratusError('ValidationException', `InputTemplate for target ${t.Id} contains invalid placeholder ${undefinedName}.`);
}

export function eventsService(rules: RuleService, bus: EventBus, accountId: string): JsonService {
  const operations: Record<string, (b: Body) => unknown> = {
    PutRule(b) {
      const c = new Check();
      const Name = ruleName(c, b.Name);
      const ScheduleExpression = c.str(b.ScheduleExpression, 'scheduleExpression', { max: 256 });
      const EventPattern = c.str(b.EventPattern, 'eventPattern', { max: 4096 });
      const State = c.str(b.State, 'state', { enum: RULE_STATES }) as Rule['State'] | undefined;
      const Description = c.str(b.Description, 'description', { max: 512 });
      const RoleArn = c.str(b.RoleArn, 'roleArn', { min: 1, max: 1600 });
      const EventBusName = busName(c, b.EventBusName);
      c.done();
      return { RuleArn: rules.putRule({ Name, ScheduleExpression, EventPattern, State, Description, RoleArn, EventBusName }) };
    },
    DescribeRule(b) {
      const c = new Check();
      const name = ruleName(c, b.Name);
      const bn = busName(c, b.EventBusName);
      c.done();
      return ruleShape(rules, rules.get(rules.bus(bn), name), accountId);
    },
    ListRules(b) {
      const c = new Check();
      const prefix = c.str(b.NamePrefix, 'namePrefix', { min: 1, max: 64, pattern: NAME }) ?? '';
      const bn = busName(c, b.EventBusName);
      const n = limit(c, b.Limit);
      c.done();
      const after = decodeMarker(typeof b.NextToken === 'string' ? b.NextToken : null) ?? '';
      const page = rules.list(rules.bus(bn), prefix, after, n + 1);
      const shown = page.slice(0, n);
      return { Rules: shown.map((r) => ruleShape(rules, r, accountId)), ...(page.length > n && { NextToken: encodeMarker(shown[shown.length - 1]!.rule.Name) }) };
    },
    EnableRule: (b) => setState(b, 'ENABLED'),
    DisableRule: (b) => setState(b, 'DISABLED'),
    DeleteRule(b) {
      const c = new Check();
      const name = ruleName(c, b.Name);
      const bn = busName(c, b.EventBusName);
      c.done();
      rules.delete(rules.bus(bn), name);
      return {};
    },
    PutTargets(b) {
      const c = new Check();
      const rule = ruleName(c, b.Rule, 'rule');
      const bn = busName(c, b.EventBusName);
      const list = Array.isArray(b.Targets) ? b.Targets : undefined;
      if (!list) c.v.push({ value: null, path: 'targets', constraint: 'Member must not be null' });
      else if (list.length < 1 || list.length > 10)
        c.v.push({ value: list, path: 'targets', constraint: list.length < 1 ? 'Member must have length greater than or equal to 1' : 'Member must have length less than or equal to 10' });
      const targets = (list ?? []).map((t, i) => checkTarget(c, t, i + 1));
      c.done();
      const busn = rules.bus(bn);
      rules.get(busn, rule);
      targets.forEach(checkTargetInput);
      const failed = rules.putTargets(busn, rule, targets);
      return { FailedEntryCount: failed.length, FailedEntries: failed };
    },
    RemoveTargets(b) {
      const c = new Check();
      const rule = ruleName(c, b.Rule, 'rule');
      const bn = busName(c, b.EventBusName);
      const ids = Array.isArray(b.Ids) ? (b.Ids as unknown[]) : undefined;
      if (!ids) c.v.push({ value: null, path: 'ids', constraint: 'Member must not be null' });
      else if (ids.length < 1 || ids.length > 100)
        c.v.push({ value: ids, path: 'ids', constraint: ids.length < 1 ? 'Member must have length greater than or equal to 1' : 'Member must have length less than or equal to 100' });
      (ids ?? []).forEach((id, i) => c.str(id, `ids.${i + 1}.member`, { required: true, min: 1, max: 64, pattern: NAME }));
      c.done();
      rules.removeTargets(rules.bus(bn), rule, ids as string[]);
      return { FailedEntryCount: 0, FailedEntries: [] };
    },
    ListTargetsByRule(b) {
      const c = new Check();
      const rule = ruleName(c, b.Rule, 'rule');
      const bn = busName(c, b.EventBusName);
      const n = limit(c, b.Limit);
      c.done();
      const all = rules.targets(rules.bus(bn), rule);
      const start = Number(decodeMarker(typeof b.NextToken === 'string' ? b.NextToken : null) ?? 0) || 0;
      const shown = all.slice(start, start + n);
      return { Targets: shown, ...(start + n < all.length && { NextToken: encodeMarker(String(start + n)) }) };
    },
    PutEvents(b) {
      const list = Array.isArray(b.Entries) ? (b.Entries as Body[]) : undefined;
      const c = new Check();
      if (!list) c.v.push({ value: null, path: 'entries', constraint: 'Member must not be null' });
      else if (list.length < 1 || list.length > 10)
        c.v.push({ value: `[${list.map(() => 'PutEventsRequestEntry').join(', ')}]`, path: 'entries', constraint: list.length < 1 ? 'Member must have length greater than or equal to 1' : 'Member must have length less than or equal to 10' });
      c.done();
      const entries: PutEventsEntry[] = list!.map((e) => ({
        Source: typeof e.Source === 'string' ? e.Source : undefined,
        DetailType: typeof e.DetailType === 'string' ? e.DetailType : undefined,
        Detail: typeof e.Detail === 'string' ? e.Detail : undefined,
        Resources: Array.isArray(e.Resources) ? (e.Resources as string[]) : undefined,
        // JSON 1.1 timestamps are epoch seconds.
        Time: typeof e.Time === 'number' ? Math.round(e.Time * 1000) : undefined,
        EventBusName: typeof e.EventBusName === 'string' ? e.EventBusName : undefined,
      }));
      const results = bus.putEvents(entries);
      return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
    },
    TestEventPattern(b) {
      const c = new Check();
      const pattern = c.str(b.EventPattern, 'eventPattern', { required: true, max: 4096 })!;
      const event = c.str(b.Event, 'event', { required: true })!;
      c.done();
      let parsed: unknown;
      try {
        parsed = JSON.parse(event);
      } catch {
        throw new StratusError('ValidationException', 'Parameter Event is not valid.');
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new StratusError('ValidationException', 'Parameter Event is not valid.');
      // AWS gives no reason when envelope fields are missing (recorded: test_invalid_event_payload).
      if (!['id', 'account', 'source', 'time', 'region', 'detail-type'].every((k) => k in parsed)) throw new StratusError('ValidationException', 'Parameter Event is not valid.');
      return { Result: compilePattern(pattern).matches(parsed) };
    },
  };

  function setState(b: Body, state: 'ENABLED' | 'DISABLED') {
    const c = new Check();
    const name = ruleName(c, b.Name);
    const bn = busName(c, b.EventBusName);
    c.done();
    rules.setState(rules.bus(bn), name, state);
    return {};
  }

  return { prefix: 'AWSEvents', signingName: 'events', operations };
}

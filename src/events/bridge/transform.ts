/**
 * What a target receives: the event itself, or a target's Input (constant JSON), InputPath (a
 * part of the event) or InputTransformer (values picked by InputPathsMap, placed into
 * InputTemplate), as EventBridge builds them.
 */
import type { Target } from './model.js';

/** The context a template can name besides its own variables (AWS's reserved `aws.events.*`). */
export interface DeliveryContext {
  ruleArn: string;
  ruleName: string;
  ingestionTime: string;
}

/**
 * A JSONPath in the simple form EventBridge accepts for InputPath and InputPathsMap: `$`, then
 * `.name`, `['name']` or `[index]` steps. Returns the parsed steps, or undefined if not of that form.
 */
export function parsePath(path: string): (string | number)[] | undefined {
  if (!path.startsWith('$')) return undefined;
  const steps: (string | number)[] = [];
  const re = /\.([^.[\]]+)|\[(\d+)\]|\['((?:[^'\\]|\\.)*)'\]|\["((?:[^"\\]|\\.)*)"\]/y;
  re.lastIndex = 1;
  while (re.lastIndex < path.length) {
    const m = re.exec(path);
    if (!m) return undefined;
    steps.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : (m[3] ?? m[4])!));
  }
  return steps;
}

/** Follow a parsed path; undefined when a step is missing. */
export function select(value: unknown, steps: (string | number)[]): unknown {
  let v = value;
  for (const s of steps) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[s];
  }
  return v;
}

/**
 * The payload delivered to one target for one event, or undefined when AWS delivers nothing
 * (an InputTemplate that cannot be filled, see render).
 */
export function targetInput(t: Target, event: Record<string, unknown>, ctx: DeliveryContext): string | undefined {
  if (t.Input !== undefined) return t.Input;
  if (t.InputPath !== undefined) {
    const v = select(event, parsePath(t.InputPath) ?? []);
    return v === undefined ? 'null' : JSON.stringify(v);
  }
  if (t.InputTransformer) return render(t.InputTransformer.InputTemplate, t.InputTransformer.InputPathsMap ?? {}, event, ctx);
  return JSON.stringify(event);
}

/** The variables EventBridge defines for every template (its reserved `aws.events.*` names). */
export const PREDEFINED = ['aws.events.rule-arn', 'aws.events.rule-name', 'aws.events.event.ingestion-time', 'aws.events.event', 'aws.events.event.json'];

/**
 * The first `<name>` in a template that neither InputPathsMap nor EventBridge defines, if any:
 * AWS refuses such a template at PutTargets. A placeholder is `<` and `>` around text without
 * blanks; a `<` that does not start one is literal text.
 */
export function undefinedPlaceholder(template: string, paths: Record<string, unknown>): string | undefined {
  for (const [, name] of template.matchAll(/<([^<>\s]+)>/g)) if (!Object.hasOwn(paths, name!) && !PREDEFINED.includes(name!)) return name;
  return undefined;
}

/**
 * A JSON template is one that starts with `{` or `[`; anything else (`"instance <id> is up"`,
 * several quoted lines) is a string template. AWS treats the two differently when a value is an
 * object or an array (see render).
 */
export const isJsonTemplate = (template: string): boolean => /^\s*[{[]/.test(template);

/**
 * Fill `<name>` placeholders. Inside a JSON string literal a value is written as text (a string
 * as itself, a number, boolean or null as its JSON, escaped for the string); outside one it is
 * written as JSON. A path that selects nothing gives "" outside quotes (as AWS delivered it) and an empty text inside
 * them. An object or array inside quotes is where the two kinds of template differ, as AWS
 * delivers them: a string template writes it without any quotes (`[ACTIVE,INACTIVE]`,
 * `{acc_id:0a7,sf_id:baz}`), a JSON template cannot hold it and nothing is delivered (undefined).
 */
export function render(template: string, paths: Record<string, string>, event: Record<string, unknown>, ctx: DeliveryContext): string | undefined {
  const values = new Map<string, unknown>();
  for (const [k, p] of Object.entries(paths)) values.set(k, select(event, parsePath(p) ?? []));
  values.set('aws.events.rule-arn', ctx.ruleArn);
  values.set('aws.events.rule-name', ctx.ruleName);
  values.set('aws.events.event.ingestion-time', ctx.ingestionTime);
  values.set('aws.events.event', envelope(event));
  values.set('aws.events.event.json', event);
  const json = isJsonTemplate(template);

  let out = '';
  let inString = false;
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if (c === '<') {
      const end = template.indexOf('>', i);
      const name = end > i ? template.slice(i + 1, end) : '';
      if (values.has(name)) {
        const v = values.get(name);
        if (!inString) out += v === undefined ? '""' : JSON.stringify(v);
        else if (isStructured(v) && json) return undefined;
        else out += escapeInString(v === undefined ? '' : typeof v === 'string' ? v : isStructured(v) ? unquoted(v) : JSON.stringify(v));
        i = end;
        continue;
      }
    }
    if (c === '"' && !escaped(template, i)) inString = !inString;
    out += c;
  }
  return out;
}

/**
 * `<aws.events.event>`: the event without `detail`, `detail-type` spelled `detailType`, in the
 * key order AWS delivers it (recorded: id, account, detailType, time, source, region, resources,
 * version). Only `<aws.events.event.json>` is the whole event.
 */
function envelope(e: Record<string, unknown>): Record<string, unknown> {
  return { id: e.id, account: e.account, detailType: e['detail-type'], time: e.time, source: e.source, region: e.region, resources: e.resources, version: e.version };
}

const isStructured = (v: unknown): v is object => typeof v === 'object' && v !== null;

/** Text made safe inside a JSON string literal. */
const escapeInString = (text: string): string => JSON.stringify(text).slice(1, -1);

/** An object or array as AWS writes it into a string template: its JSON with no quotes at all. */
function unquoted(v: unknown): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return `[${v.map(unquoted).join(',')}]`;
  if (isStructured(v)) return `{${Object.entries(v).map(([k, x]) => `${k}:${unquoted(x)}`).join(',')}}`;
  return JSON.stringify(v);
}

function escaped(s: string, i: number): boolean {
  let n = 0;
  while (i - 1 - n >= 0 && s[i - 1 - n] === '\\') n++;
  return n % 2 === 1;
}

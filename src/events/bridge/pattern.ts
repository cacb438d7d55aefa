/**
 * EventBridge event patterns: validate at PutRule (AWS's InvalidEventPatternException reasons,
 * taken from the texts of AWS's own matching library, event-ruler) and match events with AWS's
 * semantics: every field named must match (AND), values in a list are alternatives (OR), an event
 * array matches when any of its elements does, and `$or` forks the pattern.
 *
 * Matchers: exact strings, numbers, true/false/null; prefix, suffix (each optionally
 * {equals-ignore-case}); anything-but (a value, a list, {prefix}, {suffix}, {equals-ignore-case},
 * {wildcard}, each of the four with a string or a list of strings); numeric ranges; exists
 * true/false; wildcard; equals-ignore-case; cidr (cidr.ts).
 */
import { StratusError } from '../../errors/catalog.js';
import { cidr, InvalidCidr } from './cidr.js';
import { splitName, undot } from './dotted.js';

type Leaf = (v: unknown) => boolean;
interface Field {
  name: string;
  /** A nested object pattern, or a list of leaf matchers (alternatives). */
  nested?: Node;
  leaves?: { test: Leaf; exists?: boolean }[];
}
interface Node {
  fields: Field[];
  ors: Node[][];
}

export interface EventPattern {
  matches(event: unknown): boolean;
}

class Invalid extends Error {}

const invalid = (reason: string): never => {
  throw new Invalid(reason);
};

/** Parse and validate an EventPattern; throws InvalidEventPatternException with AWS's reason. */
export function compilePattern(text: string): EventPattern {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw invalidPattern(`Invalid JSON: ${(err as Error).message}`);
  }
  try {
    if (!isObject(parsed)) invalid('Filter is not an object');
    const root = compileObject(parsed as Record<string, unknown>);
    return { matches: (event) => matchNode(root, undotted(event)) };
  } catch (err) {
    if (err instanceof Invalid) throw invalidPattern(err.message);
    throw err;
  }
}

export const invalidPattern = (reason: string): StratusError =>
  new StratusError('InvalidEventPatternException', `Event pattern is not valid. Reason: ${reason}`);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function compileObject(o: Record<string, unknown>, inOr = false): Node {
  const node: Node = { fields: [], ors: [] };
  const keys = Object.keys(o);
  if (keys.length === 0) invalid('Empty objects are not allowed');
  for (const name of keys) {
    const v = o[name];
    if (name === '$or') {
      if (!Array.isArray(v)) invalid('It must be an Array followed with $or.');
      const branches = (v as unknown[]).map((b) => (isObject(b) ? compileObject(b, true) : invalid('Only JSON object is allowed in array of $or relationship.')));
      if (branches.length < 2) invalid('There must have at least 2 Objects in $or relationship.');
      node.ors.push(branches);
    } else node.fields.push(compileField(name, v, inOr));
  }
  return node;
}

/** One field of a pattern; a dotted name ("state.status") is the nesting it spells (dotted.ts). */
function compileField(name: string, v: unknown, inOr: boolean): Field {
  if (!isObject(v) && !Array.isArray(v)) invalid(`"${name}" must be an object or an array`);
  const [first, ...rest] = splitName(name) as [string, ...string[]];
  if (rest.length) return { name: first, nested: { fields: [compileField(rest.join('.'), v, inOr)], ors: [] } };
  return isObject(v) ? { name, nested: compileObject(v, inOr) } : { name, leaves: compileList(v as unknown[]) };
}

function compileList(list: unknown[]): { test: Leaf; exists?: boolean }[] {
  if (list.length === 0) invalid('Empty arrays are not allowed');
  return list.map((item) => {
    if (typeof item === 'string') return { test: (v: unknown) => v === item };
    if (typeof item === 'number') return { test: (v: unknown) => typeof v === 'number' && v === item };
    if (item === null || typeof item === 'boolean') return { test: (v: unknown) => v === item };
    if (Array.isArray(item)) return invalid('Match value must be String, number, true, false, or null');
    return compileMatcher(item as Record<string, unknown>);
  });
}

const str = (v: unknown): v is string => typeof v === 'string';
const lower = (s: string) => s.toLowerCase();

/** A `{ "prefix": ... }`-style object inside a value list. */
function compileMatcher(m: Record<string, unknown>): { test: Leaf; exists?: boolean } {
  const keys = Object.keys(m);
  if (keys.length === 0) invalid('Match expression name not found');
  const type = keys[0]!;
  const value = m[type];
  const single = () => keys.length === 1 || invalid(type === 'numeric' || type === 'anything-but' ? 'Too many elements in numeric expression' : 'Only one key allowed in match expression');
  switch (type) {
    case 'prefix':
    case 'suffix': {
      single();
      const ends = type === 'prefix' ? (s: string, p: string) => s.startsWith(p) : (s: string, p: string) => s.endsWith(p);
      if (str(value)) return { test: (v) => str(v) && ends(v, value) };
      // {"prefix": {"equals-ignore-case": "..."}}
      if (isObject(value) && Object.keys(value).length === 1 && str(value['equals-ignore-case'])) {
        const p = lower(value['equals-ignore-case']);
        return { test: (v) => str(v) && ends(lower(v), p) };
      }
      return invalid(`${type} match pattern must be a string`);
    }
    case 'equals-ignore-case': {
      single();
      if (!str(value)) invalid('equals-ignore-case match pattern must be a string');
      const want = lower(value as string);
      return { test: (v) => str(v) && lower(v) === want };
    }
    case 'wildcard': {
      single();
      if (!str(value)) invalid('wildcard match pattern must be a string');
      const re = wildcard(value as string);
      return { test: (v) => str(v) && re.test(v) };
    }
    case 'exists': {
      single();
      if (typeof value !== 'boolean') invalid('exists match pattern must be either true or false.');
      return { test: () => true, exists: value as boolean };
    }
    case 'numeric': {
      if (!Array.isArray(value)) invalid('Value of numeric must be an array.');
      single();
      return { test: numeric(value as unknown[]) };
    }
    case 'anything-but': {
      single();
      const not = anythingBut(value);
      return { test: (v) => !not(v) };
    }
    case 'cidr': {
      single();
      // event-ruler's text for a cidr that is not a string does say "prefix".
      if (!str(value)) invalid('prefix match pattern must be a string');
      try {
        return { test: cidr(value as string) };
      } catch (err) {
        if (err instanceof InvalidCidr) invalid(err.message);
        throw err;
      }
    }
    default:
      return invalid(`Unrecognized match type ${type}`);
  }
}

/** The operators anything-but can apply to a set of strings, and event-ruler's reason for a non-string in one. */
const ANYTHING_BUT_OPS: Record<string, string> = {
  'equals-ignore-case': 'Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.',
  prefix: 'prefix/suffix match pattern must be a string',
  suffix: 'prefix/suffix match pattern must be a string',
  wildcard: 'wildcard match pattern must be a string',
};

/**
 * What anything-but excludes, as a predicate. Its value is a value or a list of values, or an
 * object `{op: a string or a list of strings}`; a list excludes what any of its members would
 * match. As in event-ruler, the type of what follows is checked before its members.
 */
function anythingBut(value: unknown): Leaf {
  let op: string | undefined;
  let arg = value;
  if (isObject(value)) {
    const keys = Object.keys(value);
    if (keys.length === 0) invalid('Anything-But expression name not found');
    if (keys.length > 1) invalid('Only one key allowed in match expression');
    op = keys[0]!;
    if (!Object.hasOwn(ANYTHING_BUT_OPS, op)) invalid(`Unsupported anything-but pattern: ${op}`);
    arg = value[op];
  }
  if (!Array.isArray(arg) && !str(arg) && typeof arg !== 'number') invalid('Value of anything-but must be an array or single string/number value.');
  if (op === undefined) return excludedValues(arg as string | number | unknown[]);
  const list = Array.isArray(arg) ? arg : [arg];
  const tests = list.map((x) => excludedBy(op!, str(x) ? x : invalid(ANYTHING_BUT_OPS[op!]!)));
  // Only a string can be excluded: null, numbers and booleans match no prefix, suffix or wildcard.
  return (v) => str(v) && tests.some((t) => t(v));
}

/** anything-but of a value or a list (all strings or all numbers). */
function excludedValues(arg: string | number | unknown[]): Leaf {
  if (!Array.isArray(arg)) return (v) => v === arg;
  if (arg.some((x) => !str(x) && typeof x !== 'number')) invalid('Inside anything but list, start|null|boolean is not supported.');
  if (arg.length === 0 || !(arg.every(str) || arg.every((x) => typeof x === 'number')))
    invalid('Inside anything but list, either all values are number or string, mixed type is not supported');
  const set = new Set<unknown>(arg);
  return (v) => set.has(v);
}

/** The strings one member of an anything-but {op: …} excludes. */
function excludedBy(op: string, text: string): (v: string) => boolean {
  switch (op) {
    case 'prefix':
    case 'suffix':
      if (text === '') invalid('Null prefix/suffix not allowed');
      return op === 'prefix' ? (v) => v.startsWith(text) : (v) => v.endsWith(text);
    case 'equals-ignore-case': {
      const want = lower(text);
      return (v) => lower(v) === want;
    }
    default: {
      const re = wildcard(text);
      return (v) => re.test(v);
    }
  }
}

const OPS: Record<string, (a: number, b: number) => boolean> = {
  '=': (a, b) => a === b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

/** ["=", 5] | [">"/">=", a] | ["<"/"<=", b] | [">"/">=", a, "<"/"<=", b] */
function numeric(terms: unknown[]): Leaf {
  const [op, val, op2, val2, ...rest] = terms;
  if (!str(op)) return invalid(`Invalid member in numeric match: ${JSON.stringify(op)}`);
  if (!OPS[op]) return invalid(`Unrecognized numeric range operator: ${op}`);
  if (typeof val !== 'number') return invalid(`Value of ${op === '=' ? 'equals' : op} must be numeric`);
  const checks: [string, number][] = [[op, val]];
  if (op2 !== undefined) {
    if (op === '=' || op === '<' || op === '<=') invalid('Too many elements in numeric expression');
    if (!str(op2)) return invalid(`Bad value in numeric range: ${JSON.stringify(op2)}`);
    if (op2 !== '<' && op2 !== '<=') invalid(`Bad numeric range operator: ${op2}`);
    if (typeof val2 !== 'number') invalid(`Value of ${op2} must be numeric`);
    if (rest.length) invalid('Too many terms in numeric range expression');
    checks.push([op2, val2 as number]);
  }
  return (v) => typeof v === 'number' && checks.every(([o, n]) => OPS[o]!(v, n));
}

/** `*` matches any run of characters; `\*` is a literal star; two stars in a row are refused. */
function wildcard(p: string): RegExp {
  let re = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '\\' && (p[i + 1] === '*' || p[i + 1] === '\\')) re += escape(p[++i]!);
    else if (c === '*') {
      if (p[i + 1] === '*') invalid(`Consecutive wildcard characters at pos ${i + 1}`);
      re += '.*';
    } else re += escape(c);
  }
  return new RegExp(`^${re}$`, 's');
}

const escape = (c: string) => c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

// ---- matching ----

// An event is matched against every rule on the bus: rewrite its dotted keys once, not per rule.
const undottedEvents = new WeakMap<object, unknown>();
function undotted(event: unknown): unknown {
  if (!isObject(event)) return undot(event);
  let u = undottedEvents.get(event);
  if (u === undefined) undottedEvents.set(event, (u = undot(event)));
  return u;
}

function matchNode(node: Node, value: unknown): boolean {
  // An array of objects matches when one element matches the whole sub-pattern (fields from
  // different elements never combine).
  if (Array.isArray(value)) return value.some((e) => matchNode(node, e));
  const obj = isObject(value) ? value : undefined;
  for (const f of node.fields) {
    const v = obj?.[f.name];
    if (f.nested) {
      if (!matchNode(f.nested, v)) return false;
      continue;
    }
    const leaves = leafValues(v);
    if (!f.leaves!.some((m) => (m.exists === undefined ? leaves.some(m.test) : m.exists === leaves.length > 0))) return false;
  }
  return node.ors.every((branches) => branches.some((b) => matchNode(b, obj)));
}

/** The leaf values at a field: none when absent or an object (exists works on leaves only). */
function leafValues(v: unknown): unknown[] {
  if (v === undefined || isObject(v)) return [];
  if (Array.isArray(v)) return v.flatMap(leafValues);
  return [v];
}

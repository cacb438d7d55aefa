/**
 * The part of CloudWatch Logs' filter-pattern language Stratus supports, as the FilterLogEvents
 * reference describes it: terms (`ERROR Exception`: every one must appear, case-sensitively),
 * quoted phrases, `?term` (any one of them), `-term` (none of them), and JSON patterns
 * `{ $.a.b = "x*" && ($.n > 5 || $.ok IS TRUE) }` over messages that are JSON objects.
 * Not supported: space-delimited `[a, b]` patterns and `%regex%`.
 */
import { StratusError } from '../../errors/catalog.js';

export interface CompiledPattern {
  match(message: string): boolean;
  /** A text every matching message contains, so the store can narrow before we match. */
  required?: string;
}

/** Compile a FilterLogEvents filterPattern; an absent or blank one matches every event. */
export function compileFilterPattern(pattern: unknown): CompiledPattern {
  if (typeof pattern !== 'string' || pattern.trim() === '') return { match: () => true };
  const p = pattern.trim();
  return p.startsWith('{') ? jsonPattern(p) : termPattern(p);
}

function termPattern(p: string): CompiledPattern {
  const all: string[] = [], any: string[] = [], none: string[] = [];
  for (const m of p.matchAll(/([?-])?(?:"([^"]*)"|(\S+))/g)) {
    const term = m[2] ?? m[3]!;
    if (!term) continue;
    (m[1] === '?' ? any : m[1] === '-' ? none : all).push(term);
  }
  return {
    required: all[0],
    match: (msg) => all.every((t) => msg.includes(t)) && !none.some((t) => msg.includes(t)) && (any.length === 0 || any.some((t) => msg.includes(t))),
  };
}

// ---- JSON patterns ----

type Cond = (doc: unknown) => boolean;

const invalid = () => new StratusError('InvalidParameterException', 'Invalid filter pattern');

const TOKEN = /\s*(&&|\|\||\(|\)|!=|<=|>=|=|<|>|\$[^\s()&|=!<>]*|"(?:[^"\\]|\\.)*"|[^\s()&|=!<>"]+)/y;

function tokenize(body: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < body.length) {
    if (/^\s*$/.test(body.slice(TOKEN.lastIndex))) break;
    const m = TOKEN.exec(body);
    if (!m) throw invalid();
    out.push(m[1]!);
  }
  return out;
}

function jsonPattern(p: string): CompiledPattern {
  if (!p.endsWith('}')) throw invalid();
  const toks = tokenize(p.slice(1, -1));
  let i = 0;
  const peek = () => toks[i];
  const take = () => {
    if (i >= toks.length) throw invalid();
    return toks[i++]!;
  };
  // `&&` binds tighter than `||`; parentheses group.
  const expr = (): Cond => {
    const parts = [conj()];
    while (peek() === '||') (i++, parts.push(conj()));
    return (d) => parts.some((c) => c(d));
  };
  const conj = (): Cond => {
    const parts = [prim()];
    while (peek() === '&&') (i++, parts.push(prim()));
    return (d) => parts.every((c) => c(d));
  };
  const prim = (): Cond => {
    if (peek() === '(') {
      i++;
      const c = expr();
      if (take() !== ')') throw invalid();
      return c;
    }
    return condition(take(), take);
  };
  const cond = expr();
  if (i !== toks.length) throw invalid();
  return {
    match(msg) {
      let doc: unknown;
      try {
        doc = JSON.parse(msg);
      } catch {
        return false;
      }
      return typeof doc === 'object' && doc !== null && cond(doc);
    },
  };
}

function condition(sel: string, take: () => string): Cond {
  const get = selector(sel);
  const op = take().toUpperCase();
  if (op === 'IS') {
    const want = ({ TRUE: true, FALSE: false, NULL: null } as Record<string, boolean | null>)[take().toUpperCase()];
    if (want === undefined) throw invalid();
    return (d) => get(d) === want;
  }
  if (op === 'NOT') {
    if (take().toUpperCase() !== 'EXISTS') throw invalid();
    return (d) => get(d) === undefined;
  }
  const raw = take();
  const quoted = raw.startsWith('"');
  const text = quoted ? (JSON.parse(raw) as string) : raw;
  const n = quoted ? NaN : Number(text);
  if (op === '=' || op === '!=') {
    const eq = Number.isFinite(n) ? (v: unknown) => v === n : wildcard(text);
    // A missing field matches neither `=` nor `!=`.
    return op === '=' ? (d) => eq(get(d)) : (d) => get(d) !== undefined && !eq(get(d));
  }
  if (!Number.isFinite(n)) throw invalid();
  const cmp = { '<': (a: number) => a < n, '>': (a: number) => a > n, '<=': (a: number) => a <= n, '>=': (a: number) => a >= n }[op];
  if (!cmp) throw invalid();
  return (d) => {
    const v = get(d);
    return typeof v === 'number' && cmp(v);
  };
}

/** `$.a.b[0]` → a reader; undefined when any step is missing. */
function selector(sel: string): (doc: unknown) => unknown {
  if (!sel.startsWith('$')) throw invalid();
  const steps: (string | number)[] = [];
  for (const m of sel.slice(1).matchAll(/\.([^.[\]]+)|\[(\d+)\]|(.)/g)) {
    if (m[3] !== undefined) throw invalid();
    steps.push(m[1] ?? Number(m[2]));
  }
  return (doc) => steps.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k as string] : undefined), doc);
}

/** String equality where `*` in the pattern matches any run of characters. */
function wildcard(text: string): (v: unknown) => boolean {
  const re = new RegExp(`^${text.split('*').map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 's');
  return (v) => typeof v === 'string' && re.test(v);
}

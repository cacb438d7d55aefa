/**
 * Dotted names. AWS matches on the paths of fields, with the names along a path joined by dots,
 * so a name that contains a dot means the same as the nesting it spells: a pattern
 * `{"detail": {"state": {"status": ["running"]}}}` matches `"detail": {"state.status": "running"}`
 * and `{"detail": {"state.status": ["running"]}}` matches `"detail": {"state": {"status": "running"}}`
 * (EventBridge user guide, "Considerations when creating event patterns"). The pattern side is
 * split at compile time (pattern.ts); the event side is rewritten here before matching.
 */

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
// Objects built here have no prototype, so an event key "__proto__" is a key like any other.
const emptyObject = (): Json => Object.create(null) as Json;

/** The names a dotted name stands for ("state.status" → state, status); a name with an empty part stays whole. */
export function splitName(name: string): string[] {
  const parts = name.split('.');
  return parts.length > 1 && parts.every((p) => p !== '') ? parts : [name];
}

/**
 * The value with every dotted key written as the nesting it names, or the same value when it has
 * none. Two keys that land on the same path ({"a": 1, "a.b": 2}) both stay: their values are
 * merged (objects key by key, anything else into a list, which matches when any member does).
 */
export function undot(v: unknown): unknown {
  if (Array.isArray(v)) {
    const out = v.map(undot);
    return out.some((x, i) => x !== v[i]) ? out : v;
  }
  if (!isObject(v)) return v;
  let changed = false;
  const out = emptyObject();
  for (const [key, value] of Object.entries(v)) {
    const inner = undot(value);
    const path = splitName(key);
    if (inner !== value || path.length > 1) changed = true;
    const [first, ...rest] = path as [string, ...string[]];
    const nested = rest.reduceRight<unknown>((acc, name) => ({ [name]: acc }), inner);
    out[first] = Object.hasOwn(out, first) ? merge(out[first], nested) : nested;
  }
  return changed ? out : v;
}

function merge(a: unknown, b: unknown): unknown {
  if (isObject(a) && isObject(b)) {
    const out = Object.assign(emptyObject(), a);
    for (const [k, v] of Object.entries(b)) out[k] = Object.hasOwn(out, k) ? merge(out[k], v) : v;
    return out;
  }
  return [...(Array.isArray(a) ? a : [a]), ...(Array.isArray(b) ? b : [b])];
}

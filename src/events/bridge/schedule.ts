/**
 * EventBridge schedule expressions: `rate(N unit)` and AWS's six-field `cron(...)`.
 *
 * Cron matching is croner's (a maintained, dependency-free library that already knows `L`, `W`,
 * `#`, `?`, names, a year field and Quartz-style weekdays 1–7 = SUN–SAT). This module is the thin
 * layer that makes it AWS's dialect: exactly six fields (minute hour day-of-month month
 * day-of-week year, no seconds), exactly one of the two day fields `?`, AWS's per-field characters
 * (no `/` in day-of-week, `#` alone in its field), years 1970–2199, `L` alone in day-of-week
 * meaning Saturday, always UTC. Anything AWS refuses is refused here with AWS's one message.
 */
import { Cron } from 'croner';
import { StratusError } from '../../errors/catalog.js';

export type Schedule =
  | { kind: 'rate'; everyMs: number }
  | { kind: 'cron'; cron: Cron };

const MINUTE = 60_000;
const UNIT_MS: Record<string, number> = { minute: MINUTE, hour: 60 * MINUTE, day: 24 * 60 * MINUTE };

/** AWS's answer to any malformed expression (PutRule, ValidationException 400). */
export const invalidSchedule = (): StratusError => new StratusError('ValidationException', 'Parameter ScheduleExpression is not valid.');

// Characters AWS allows per field (EventBridge user guide, "Cron expressions"); names are letters.
const FIELD_CHARS = [
  /^[0-9,\-*/]+$/, // minutes
  /^[0-9,\-*/]+$/, // hours
  /^[0-9,\-*?/LW]+$/, // day-of-month
  /^[0-9A-Za-z,\-*/]+$/, // month (JAN-DEC)
  /^[0-9A-Za-z,\-*?L#]+$/, // day-of-week (SUN-SAT)
  /^[0-9,\-*/]+$/, // year
];
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** Parse and validate a ScheduleExpression; throws AWS's ValidationException when it is not valid. */
export function parseSchedule(expr: string): Schedule {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expr);
  if (rate) {
    const n = Number(rate[1]);
    const unit = rate[2]!;
    // AWS: a value of 1 takes the singular unit, anything larger the plural ("rate(1 minutes)" and
    // "rate(5 minute)" are both refused).
    if (n < 1 || (n === 1) !== !unit.endsWith('s')) throw invalidSchedule();
    return { kind: 'rate', everyMs: n * UNIT_MS[unit.replace(/s$/, '')]! };
  }
  const cron = /^cron\((.*)\)$/.exec(expr);
  if (!cron) throw invalidSchedule();
  const fields = cron[1]!.trim().split(/\s+/);
  if (fields.length !== 6) throw invalidSchedule();
  const [, , dom, month, dow, year] = fields as [string, string, string, string, string, string];
  fields.forEach((f, i) => {
    if (!FIELD_CHARS[i]!.test(f)) throw invalidSchedule();
  });
  // One of day-of-month and day-of-week must be '?', and only one.
  if ((dom === '?') === (dow === '?')) throw invalidSchedule();
  if (dom.includes('?') && dom !== '?') throw invalidSchedule();
  if (dow.includes('?') && dow !== '?') throw invalidSchedule();
  if (!namesOk(month, MONTHS) || !namesOk(dow.replace(/L/g, ''), DAYS)) throw invalidSchedule();
  // AWS: "3#1,6#3" is two expressions, and '#' allows only one.
  if (dow.includes('#') && (dow.includes(',') || dow.split('#').length !== 2)) throw invalidSchedule();
  if (!fields.every((f, i) => numbersOk(f, RANGES[i]!))) throw invalidSchedule();
  // Quartz reads a bare 'L' in day-of-week as the last day of the week, Saturday.
  const dowFixed = dow === 'L' ? '7' : dow;
  const [minutes, hours, days, months, weekdays] = [fields[0], fields[1], dom, month, dowFixed].map((f, i) => unwrapRanges(f!, i));
  try {
    const c = new Cron(['0', minutes, hours, days, months, weekdays, year].join(' '), {
      timezone: 'UTC',
      mode: '7-part',
      alternativeWeekdays: true,
      sloppyRanges: true, // AWS writes steps as 0/15 as well as */15
      paused: true,
    });
    return { kind: 'cron', cron: c };
  } catch {
    throw invalidSchedule();
  }
}

/**
 * Rewrite the ranges of a field that wrap past its end (hours `20-2`, days `FRI-MON`, months
 * `11-2`) as the list of values they stand for, since croner refuses a range whose start is after
 * its end. AWS accepts them (its own docs give `cron(0/30 20-2 ? * MON-FRI *)`) and, as Quartz
 * does, counts a step on across the wrap: hours `20-2/2` are 20, 22, 0 and 2. Fields are indexed
 * as in RANGES; the year field never wraps.
 */
export function unwrapRanges(field: string, index: number): string {
  const names = index === 3 ? MONTHS : index === 4 ? DAYS : [];
  const value = (token: string) => (/^\d+$/.test(token) ? Number(token) : names.indexOf(token.toUpperCase()) + 1);
  return field
    .split(',')
    .map((part) => {
      const m = /^([0-9]+|[A-Za-z]{3})-([0-9]+|[A-Za-z]{3})(?:\/([0-9]+))?$/.exec(part);
      if (!m) return part;
      const [start, end, step] = [value(m[1]!), value(m[2]!), Number(m[3] ?? 1)];
      if (start <= end) return part;
      const [min, max] = RANGES[index]!;
      const size = max - min + 1;
      const out: number[] = [];
      for (let v = start; v <= end + size; v += step) out.push(((v - min) % size) + min);
      return out.join(',');
    })
    .join(',');
}

function namesOk(field: string, names: string[]): boolean {
  for (const word of field.match(/[A-Za-z]+/g) ?? []) if (!names.includes(word.toUpperCase())) return false;
  return true;
}

// Value ranges per field (AWS's table); a step may not exceed the field's largest value either
// (AWS refuses cron(*/60 * * * ? *)).
const RANGES: [number, number][] = [[0, 59], [0, 23], [1, 31], [1, 12], [1, 7], [1970, 2199]];

function numbersOk(field: string, [min, max]: [number, number]): boolean {
  for (const part of field.split(',')) {
    const [base, step, extra] = part.split('/');
    if (extra !== undefined) return false;
    if (step !== undefined && (!/^\d+$/.test(step) || Number(step) < 1 || Number(step) > max)) return false;
    const [value, nth] = base!.split('#');
    if (nth !== undefined && !/^[1-5]$/.test(nth)) return false;
    for (const n of value!.match(/\d+/g) ?? []) if (Number(n) < min || Number(n) > max) return false;
  }
  return true;
}

/** Truncate to the whole minute: schedules fire on minute boundaries (AWS's precision). */
export const floorMinute = (ms: number): number => Math.floor(ms / MINUTE) * MINUTE;

/**
 * The first tick strictly after `after`. Rate ticks sit on a grid that starts at `anchor` (the
 * minute the schedule was set) and never include the anchor itself; cron ticks are the
 * expression's matches. undefined when the expression never fires again (a past year).
 */
export function nextTick(s: Schedule, after: number, anchor: number): number | undefined {
  if (s.kind === 'rate') {
    const k = Math.max(1, Math.floor((after - anchor) / s.everyMs) + 1);
    return anchor + k * s.everyMs;
  }
  return s.cron.nextRun(new Date(after))?.getTime();
}

/** The last tick at or before `at` and strictly after `after`, if there is one (for missed ticks). */
export function lastTickUpTo(s: Schedule, after: number, anchor: number, at: number): number | undefined {
  if (s.kind === 'rate') {
    const k = Math.floor((at - anchor) / s.everyMs);
    const t = anchor + k * s.everyMs;
    return k >= 1 && t > after ? t : undefined;
  }
  const prev = s.cron.previousRuns(1, new Date(at + 1))[0]?.getTime();
  return prev !== undefined && prev > after && prev <= at ? prev : undefined;
}

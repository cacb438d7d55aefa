/** Schedule expressions: AWS's validity rules and next-fire tables for rate and cron (UTC). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lastTickUpTo, nextTick, parseSchedule, unwrapRanges } from '../src/events/bridge/schedule.js';

const T = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString().replace('.000Z', 'Z'));

/** The next `n` ticks after `from`. */
function ticks(expr: string, from: string, n: number, anchor = T(from)): string[] {
  const s = parseSchedule(expr);
  const out: string[] = [];
  let t = T(from);
  for (let i = 0; i < n; i++) {
    t = nextTick(s, t, anchor)!;
    out.push(iso(t)!);
  }
  return out;
}

describe('rate expressions', () => {
  it('accepts AWS singular/plural units and ticks on a grid from the minute the rule was set', () => {
    assert.deepEqual(ticks('rate(1 minute)', '2026-03-01T10:00:00Z', 3), ['2026-03-01T10:01:00Z', '2026-03-01T10:02:00Z', '2026-03-01T10:03:00Z']);
    assert.deepEqual(ticks('rate(5 minutes)', '2026-03-01T10:00:00Z', 2), ['2026-03-01T10:05:00Z', '2026-03-01T10:10:00Z']);
    assert.deepEqual(ticks('rate(1 hour)', '2026-03-01T10:00:00Z', 2), ['2026-03-01T11:00:00Z', '2026-03-01T12:00:00Z']);
    assert.deepEqual(ticks('rate(2 hours)', '2026-03-01T10:00:00Z', 2), ['2026-03-01T12:00:00Z', '2026-03-01T14:00:00Z']);
    assert.deepEqual(ticks('rate(1 day)', '2026-03-01T10:00:00Z', 2), ['2026-03-02T10:00:00Z', '2026-03-03T10:00:00Z']);
    assert.deepEqual(ticks('rate(3 days)', '2026-03-01T10:00:00Z', 1), ['2026-03-04T10:00:00Z']);
    // Created mid-minute: the grid starts at the minute, the first tick is one period later.
    const s = parseSchedule('rate(1 minute)');
    assert.equal(iso(nextTick(s, T('2026-03-01T10:00:42Z'), T('2026-03-01T10:00:00Z'))), '2026-03-01T10:01:00Z');
  });

  for (const bad of ['rate(1 minutes)', 'rate(5 minute)', 'rate(0 minutes)', 'rate(1 hours)', 'rate(2 day)', 'rate(-1 minutes)', 'rate(1.5 hours)', 'rate(5 seconds)', 'rate(5minutes)', 'rate(5 weeks)', 'rate()', 'every 5 minutes'])
    it(`refuses ${bad} with AWS's message`, () => assert.throws(() => parseSchedule(bad), { name: 'ValidationException', message: 'Parameter ScheduleExpression is not valid.' }));
});

describe('cron expressions', () => {
  const from = '2026-01-15T10:07:00Z'; // a Thursday
  const table: [string, string[]][] = [
    ['cron(0 10 * * ? *)', ['2026-01-16T10:00:00Z', '2026-01-17T10:00:00Z']],
    ['cron(15 12 * * ? *)', ['2026-01-15T12:15:00Z', '2026-01-16T12:15:00Z']],
    ['cron(0 18 ? * MON-FRI *)', ['2026-01-15T18:00:00Z', '2026-01-16T18:00:00Z', '2026-01-19T18:00:00Z']],
    ['cron(0 8 1 * ? *)', ['2026-02-01T08:00:00Z', '2026-03-01T08:00:00Z']],
    ['cron(0/15 * * * ? *)', ['2026-01-15T10:15:00Z', '2026-01-15T10:30:00Z']],
    ['cron(*/20 * * * ? *)', ['2026-01-15T10:20:00Z', '2026-01-15T10:40:00Z']],
    ['cron(0/10 * ? * MON-FRI *)', ['2026-01-15T10:10:00Z', '2026-01-15T10:20:00Z']],
    ['cron(0/5 8-17 ? * MON-FRI *)', ['2026-01-15T10:10:00Z', '2026-01-15T10:15:00Z']],
    ['cron(1,31 3 * * ? *)', ['2026-01-16T03:01:00Z', '2026-01-16T03:31:00Z']],
    // Day-of-week is 1-7 = SUN-SAT.
    ['cron(0 9 ? * 1 *)', ['2026-01-18T09:00:00Z', '2026-01-25T09:00:00Z']],
    ['cron(0 9 ? * 7 *)', ['2026-01-17T09:00:00Z', '2026-01-24T09:00:00Z']],
    ['cron(0 9 ? * SUN,SAT *)', ['2026-01-17T09:00:00Z', '2026-01-18T09:00:00Z']],
    // L: last day of the month; in day-of-week, Saturday; nL: the last such weekday of the month.
    ['cron(0 0 L * ? *)', ['2026-01-31T00:00:00Z', '2026-02-28T00:00:00Z', '2026-03-31T00:00:00Z']],
    ['cron(0 0 ? * L *)', ['2026-01-17T00:00:00Z', '2026-01-24T00:00:00Z']],
    ['cron(0 0 ? * 6L *)', ['2026-01-30T00:00:00Z', '2026-02-27T00:00:00Z']],
    // W: the weekday nearest the day, never leaving the month (Feb 15 2026 is a Sunday, Aug 1 a Saturday).
    ['cron(0 8 15W * ? *)', ['2026-02-16T08:00:00Z', '2026-03-16T08:00:00Z', '2026-04-15T08:00:00Z']],
    ['cron(0 8 1W 8 ? *)', ['2026-08-03T08:00:00Z', '2027-08-02T08:00:00Z']],
    ['cron(0 8 31W 5 ? *)', ['2026-05-29T08:00:00Z', '2027-05-31T08:00:00Z']],
    // #: the nth weekday of the month (3#2 = second Tuesday).
    ['cron(0 8 ? * 3#2 *)', ['2026-02-10T08:00:00Z', '2026-03-10T08:00:00Z']],
    ['cron(0 12 ? * MON#5 *)', ['2026-03-30T12:00:00Z', '2026-06-29T12:00:00Z']],
    // Names, lists and the year field.
    ['cron(0 0 1 JAN,JUL ? 2027-2028)', ['2027-01-01T00:00:00Z', '2027-07-01T00:00:00Z', '2028-01-01T00:00:00Z', '2028-07-01T00:00:00Z']],
    ['cron(30 6 ? JUN * 2030)', ['2030-06-01T06:30:00Z', '2030-06-02T06:30:00Z']],
    // Ranges that wrap past the end of their field (AWS's docs give the first one).
    ['cron(0 20-2/2 * * ? *)', ['2026-01-15T20:00:00Z', '2026-01-15T22:00:00Z', '2026-01-16T00:00:00Z', '2026-01-16T02:00:00Z', '2026-01-16T20:00:00Z']],
    ['cron(50-10/7 * * * ? *)', ['2026-01-15T10:50:00Z', '2026-01-15T10:57:00Z', '2026-01-15T11:04:00Z', '2026-01-15T11:50:00Z']],
    ['cron(0 0 30-2 * ? *)', ['2026-01-30T00:00:00Z', '2026-01-31T00:00:00Z', '2026-02-01T00:00:00Z', '2026-02-02T00:00:00Z', '2026-03-01T00:00:00Z']],
    ['cron(0 12 1 11-2 ? *)', ['2026-02-01T12:00:00Z', '2026-11-01T12:00:00Z', '2026-12-01T12:00:00Z', '2027-01-01T12:00:00Z', '2027-02-01T12:00:00Z']],
    ['cron(0 12 1 NOV-FEB ? *)', ['2026-02-01T12:00:00Z', '2026-11-01T12:00:00Z']],
    ['cron(0 12 ? * FRI-MON *)', ['2026-01-16T12:00:00Z', '2026-01-17T12:00:00Z', '2026-01-18T12:00:00Z', '2026-01-19T12:00:00Z', '2026-01-23T12:00:00Z']],
    ['cron(0 12 ? * 6-2 *)', ['2026-01-16T12:00:00Z', '2026-01-17T12:00:00Z', '2026-01-18T12:00:00Z', '2026-01-19T12:00:00Z', '2026-01-23T12:00:00Z']],
  ];
  for (const [expr, want] of table)
    it(`${expr} fires at ${want.join(', ')}`, () => assert.deepEqual(ticks(expr, from, want.length), want));

  it('cron(0/30 20-2 ? * MON-FRI *): every 30 minutes from 20:00 to 02:30 on weekdays, so Monday 00:00-02:30 and not Saturday', () => {
    assert.deepEqual(ticks('cron(0/30 20-2 ? * MON-FRI *)', '2026-01-16T23:45:00Z', 8), [
      '2026-01-19T00:00:00Z', '2026-01-19T00:30:00Z', '2026-01-19T01:00:00Z', '2026-01-19T01:30:00Z',
      '2026-01-19T02:00:00Z', '2026-01-19T02:30:00Z', '2026-01-19T20:00:00Z', '2026-01-19T20:30:00Z',
    ]);
  });

  it('writes a wrapping range as the values it stands for, counting a step on across the wrap', () => {
    assert.equal(unwrapRanges('20-2', 1), '20,21,22,23,0,1,2');
    assert.equal(unwrapRanges('20-2/2', 1), '20,22,0,2');
    assert.equal(unwrapRanges('5,22-1', 1), '5,22,23,0,1');
    assert.equal(unwrapRanges('FRI-MON', 4), '6,7,1,2');
    assert.equal(unwrapRanges('nov-feb', 3), '11,12,1,2');
    assert.equal(unwrapRanges('29-2', 2), '29,30,31,1,2');
    assert.equal(unwrapRanges('8-17', 1), '8-17', 'a range that does not wrap is left to croner');
    assert.equal(unwrapRanges('MON-FRI', 4), 'MON-FRI');
  });

  it('never fires again after its last year', () => {
    assert.equal(nextTick(parseSchedule('cron(0 0 1 1 ? 2026)'), T('2026-01-15T00:00:00Z'), 0), undefined);
  });

  it('finds the latest tick at or before a time (missed ticks)', () => {
    const s = parseSchedule('cron(0/15 * * * ? *)');
    assert.equal(iso(lastTickUpTo(s, T('2026-01-15T10:00:00Z'), 0, T('2026-01-15T11:07:00Z'))), '2026-01-15T11:00:00Z');
    assert.equal(iso(lastTickUpTo(s, T('2026-01-15T10:00:00Z'), 0, T('2026-01-15T10:15:00Z'))), '2026-01-15T10:15:00Z');
    assert.equal(lastTickUpTo(s, T('2026-01-15T10:15:00Z'), 0, T('2026-01-15T10:20:00Z')), undefined);
    const r = parseSchedule('rate(10 minutes)');
    assert.equal(iso(lastTickUpTo(r, T('2026-01-15T10:00:00Z'), T('2026-01-15T10:00:00Z'), T('2026-01-15T10:47:00Z'))), '2026-01-15T10:40:00Z');
    assert.equal(lastTickUpTo(r, T('2026-01-15T10:00:00Z'), T('2026-01-15T10:00:00Z'), T('2026-01-15T10:09:59Z')), undefined);
  });

  const bad = [
    'cron(0 10 * * *)', // five fields
    'cron(0 0 10 * * ? *)', // seven fields
    'cron(0 10 * * * *)', // both day fields given
    'cron(0 10 ? * ? *)', // both '?'
    'cron(*/60 * * * ? *)',
    'cron(60 * * * ? *)',
    'cron(0 24 * * ? *)',
    'cron(0 0 0 * ? *)',
    'cron(0 0 32 * ? *)',
    'cron(0 0 ? 13 * *)',
    'cron(0 0 ? * 0 *)', // day-of-week starts at 1
    'cron(0 0 ? * 8 *)',
    'cron(15 12 ? * -1 *)',
    'cron(0 0 1 * ? 1969)',
    'cron(0 0 1 * ? 2200)',
    'cron(0 0 ? * 3#1,6#3 *)', // only one '#' expression
    'cron(0 0 ? * 3#6 *)',
    'cron(0 0 ? * MON/2 *)', // no '/' in day-of-week
    'cron(0 0 ? FOO * *)',
    'cron(0 0 ? * FOO *)',
    'cron(0 0 L ? * *)'.replace('L ?', '? L'), // L in month
    'cron(0/5, 9-18, ?, *, MON-FRI, *)',
    'cron(0 ? * * ? *)', // '?' in hours
    'cron()',
  ];
  for (const b of bad)
    it(`refuses ${b}`, () => assert.throws(() => parseSchedule(b), { name: 'ValidationException', message: 'Parameter ScheduleExpression is not valid.' }));
});

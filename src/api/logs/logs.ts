/**
 * A CloudWatch Logs subset (AWS JSON 1.1, `X-Amz-Target: Logs_20140328.*`) over the stored
 * function logs, so `@aws-sdk/client-cloudwatch-logs` and `aws logs` read them unchanged:
 * FilterLogEvents, GetLogEvents, DescribeLogStreams, DescribeLogGroups.
 * filterPattern: the subset in filter-pattern.ts.
 */
import { StratusError, logGroupMissing, logGroupNameAndIdentifier, logStreamMissing, logsLimitInvalid, logsOrderByTimeWithPrefix, logsStreamNamesWithPrefix, logsTokenInvalid } from '../../errors/catalog.js';
import { compileFilterPattern } from './filter-pattern.js';
import type { JsonService } from '../aws-json.js';
import type { Account } from '../../shared/arn.js';
import type { Store, StoredLogEvent } from '../../store/store.js';
import type { LogSink } from '../../telemetry/logs.js';

const PAGE = 10_000;
/** DescribeLogStreams and DescribeLogGroups return up to 50 items by default, and at most 50. */
const DESCRIBE_PAGE = 50;

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/** `limit` as AWS validates it (1..max, recorded texts), or `max` when absent. */
function pageLimit(v: unknown, max = PAGE): number {
  const n = num(v);
  if (n === undefined) return max;
  if (n < 1) throw logsLimitInvalid(n, 'greater than or equal to 1');
  if (n > max) throw logsLimitInvalid(n, `less than or equal to ${max}`);
  return n;
}

/** A FilterLogEvents or Describe* token: digits we handed out; anything else is refused as AWS does. */
function numberToken(t: unknown): number | undefined {
  if (t === undefined) return undefined;
  if (typeof t !== 'string' || !/^\d+$/.test(t)) throw logsTokenInvalid();
  return Number(t);
}

/** One page of a Describe* list; the token is the offset of the next item. */
function describePage<T>(items: T[], b: Record<string, unknown>): { page: T[]; nextToken?: string } {
  const limit = pageLimit(b.limit, DESCRIBE_PAGE);
  const from = numberToken(b.nextToken) ?? 0;
  const page = items.slice(from, from + limit);
  return from + limit < items.length ? { page, nextToken: String(from + limit) } : { page };
}

/** A GetLogEvents token: `f/<id>` reads forward after an event, `b/<id>` backward before one. */
function parseStreamToken(t: unknown): { dir: 'f' | 'b'; id: number } | undefined {
  if (t === undefined) return undefined;
  const m = typeof t === 'string' ? /^([fb])\/(\d+)$/.exec(t) : null;
  if (!m) throw logsTokenInvalid();
  return { dir: m[1] as 'f' | 'b', id: Number(m[2]) };
}

export function logsService(store: Store, sink: LogSink, account: Account): JsonService {
  const groupArn = (g: string) => `arn:aws:logs:${account.region}:${account.accountId}:log-group:${g}`;
  /**
   * The log group a request names: logGroupName, or logGroupIdentifier (a name or this account's
   * group ARN, with or without `:*`), which `aws logs tail` and the SDKs may send instead.
   */
  const requireGroup = (b: Record<string, unknown>): string => {
    if (b.logGroupName !== undefined && b.logGroupIdentifier !== undefined) throw logGroupNameAndIdentifier();
    const g = b.logGroupName ?? b.logGroupIdentifier;
    if (typeof g !== 'string' || !g) throw new StratusError('InvalidParameterException', 'logGroupName is required.');
    const ours = groupArn('');
    return g.startsWith(ours) ? g.slice(ours.length).replace(/:\*$/, '') : g;
  };

  /** The streams FilterLogEvents reads: the names given, those under a prefix, or all (undefined). */
  const filterStreams = (group: string, b: Record<string, unknown>): string[] | undefined => {
    const names = Array.isArray(b.logStreamNames) ? (b.logStreamNames as string[]) : undefined;
    const prefix = typeof b.logStreamNamePrefix === 'string' ? b.logStreamNamePrefix : undefined;
    if (names && prefix !== undefined) throw logsStreamNamesWithPrefix();
    if (prefix === undefined) return names?.length ? names : undefined;
    return store.logStreams(group).map((s) => s.stream).filter((s) => s.startsWith(prefix));
  };

  const ops: Record<string, (b: Record<string, unknown>) => unknown> = {
    FilterLogEvents(b) {
      const group = requireGroup(b);
      const limit = pageLimit(b.limit);
      const pattern = compileFilterPattern(b.filterPattern);
      const afterId = numberToken(b.nextToken);
      const streams = filterStreams(group, b);
      if (streams?.length === 0) return { events: [], searchedLogStreams: [] };
      // The pattern's required text narrows in SQL; the rest is matched here.
      const rows = store.queryLogs({ group, streams, since: num(b.startTime), until: num(b.endTime), afterId, contains: pattern.required, limit: limit + 1 });
      const matched = rows.filter((r) => pattern.match(r.message));
      const page = matched.slice(0, limit);
      const out: Record<string, unknown> = { events: page.map(event), searchedLogStreams: [] };
      // More matches than fit: resume after the last one sent. Fewer, but more rows unscanned:
      // resume after the last row scanned (AWS too may answer a short or empty page with a token).
      if (matched.length > limit) out.nextToken = String(page[page.length - 1]!.id);
      else if (rows.length > limit) out.nextToken = String(rows[rows.length - 1]!.id);
      return out;
    },
    GetLogEvents(b) {
      const group = requireGroup(b);
      if (typeof b.logStreamName !== 'string') throw new StratusError('InvalidParameterException', 'logStreamName is required.');
      const stream = b.logStreamName;
      const limit = pageLimit(b.limit);
      const token = parseStreamToken(b.nextToken);
      // Without a token AWS starts at the newest events unless startFromHead is true.
      const dir = token?.dir ?? (b.startFromHead === true ? 'f' : 'b');
      const q = { group, streams: [stream], since: num(b.startTime), until: num(b.endTime), limit };
      const rows = dir === 'f'
        ? store.queryLogs({ ...q, afterId: token?.id })
        : store.queryLogs({ ...q, beforeId: token?.id, newestFirst: true }).reverse();
      // Whether the group and stream exist is only asked when a first read finds nothing: listing
      // a group's streams reads all its rows (~160 ms for 300,000 lines), too much for every poll
      // of a tail, and a stream a token came from existed (Stratus never deletes one).
      if (rows.length === 0 && !token) {
        const streams = store.logStreams(group);
        if (streams.length === 0) throw logGroupMissing();
        if (!streams.some((s) => s.stream === stream)) throw logStreamMissing();
      }
      return {
        events: rows.map((r) => ({ timestamp: r.timestamp, message: r.message, ingestionTime: r.timestamp })),
        ...streamTokens(rows, token),
      };
    },
    DescribeLogStreams(b) {
      const group = requireGroup(b);
      const prefix = typeof b.logStreamNamePrefix === 'string' ? b.logStreamNamePrefix : '';
      const byTime = b.orderBy === 'LastEventTime';
      // The API reference: ordering by event time excludes a prefix.
      if (byTime && prefix) throw logsOrderByTimeWithPrefix();
      const all = store.logStreams(group);
      if (all.length === 0) throw logGroupMissing();
      // AWS's default order is LogStreamName, ascending.
      const sorted = all.filter((s) => s.stream.startsWith(prefix))
        .sort((x, y) => (byTime ? x.last - y.last : 0) || (x.stream < y.stream ? -1 : x.stream > y.stream ? 1 : 0));
      if (b.descending === true) sorted.reverse();
      const { page, nextToken } = describePage(sorted, b);
      return {
        logStreams: page.map((s) => ({
          logStreamName: s.stream, creationTime: s.first, firstEventTimestamp: s.first, lastEventTimestamp: s.last,
          lastIngestionTime: s.last, arn: `${groupArn(group)}:log-stream:${s.stream}`, storedBytes: 0,
        })),
        ...(nextToken && { nextToken }),
      };
    },
    DescribeLogGroups(b) {
      const prefix = typeof b.logGroupNamePrefix === 'string' ? b.logGroupNamePrefix : '';
      const { page, nextToken } = describePage(store.logGroups().filter((g) => g.group.startsWith(prefix)), b);
      return {
        // AWS sends both ARNs: `arn` ends in `:*`, `logGroupArn` does not (recorded).
        logGroups: page.map((g) => ({
          logGroupName: g.group, creationTime: g.first, arn: `${groupArn(g.group)}:*`, logGroupArn: groupArn(g.group),
          logGroupClass: 'STANDARD', metricFilterCount: 0, storedBytes: 0,
        })),
        ...(nextToken && { nextToken }),
      };
    },
  };

  // A read that follows an invoke sees everything logged so far.
  return { prefix: 'Logs_20140328', signingName: 'logs', operations: ops, before: () => sink.flush() };
}

const event = (r: StoredLogEvent) => ({ logStreamName: r.stream, timestamp: r.timestamp, message: r.message, ingestionTime: r.timestamp, eventId: String(r.id) });

/**
 * The next tokens of a GetLogEvents page. At the end of the stream AWS hands back the token it
 * was given, so `aws logs tail`-style pollers keep asking from the same place.
 */
function streamTokens(rows: StoredLogEvent[], token?: { dir: 'f' | 'b'; id: number }) {
  if (rows.length > 0) return { nextForwardToken: `f/${rows[rows.length - 1]!.id}`, nextBackwardToken: `b/${rows[0]!.id}` };
  if (token?.dir === 'f') return { nextForwardToken: `f/${token.id}`, nextBackwardToken: `b/${token.id + 1}` };
  if (token?.dir === 'b') return { nextForwardToken: `f/${Math.max(token.id - 1, 0)}`, nextBackwardToken: `b/${token.id}` };
  return { nextForwardToken: 'f/0', nextBackwardToken: 'b/0' };
}

/**
 * A CloudWatch Logs subset (AWS JSON 1.1, `X-Amz-Target: Logs_20140328.*`) over the stored
 * function logs, so `@aws-sdk/client-cloudwatch-logs` and `aws logs` read them unchanged:
 * FilterLogEvents, GetLogEvents, DescribeLogStreams, DescribeLogGroups.
 * filterPattern supports plain terms and quoted phrases (every term must appear), not the full
 * CloudWatch pattern language.
 */
import { StratusError } from '../../errors/catalog.js';
import type { JsonService } from '../aws-json.js';
import type { Account } from '../../shared/arn.js';
import type { Store, StoredLogEvent } from '../../store/store.js';
import type { LogSink } from '../../telemetry/logs.js';

const PAGE = 10_000;

function terms(pattern: unknown): string[] {
  if (typeof pattern !== 'string' || pattern.trim() === '') return [];
  return [...pattern.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!).filter(Boolean);
}

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

export function logsService(store: Store, sink: LogSink, account: Account): JsonService {
  const groupArn = (g: string) => `arn:aws:logs:${account.region}:${account.accountId}:log-group:${g}`;
  const requireGroup = (g: unknown): string => {
    if (typeof g !== 'string' || !g) throw new StratusError('InvalidParameterException', 'logGroupName is required.');
    return g;
  };

  const ops: Record<string, (b: Record<string, unknown>) => unknown> = {
    FilterLogEvents(b) {
      const group = requireGroup(b.logGroupName);
      const limit = Math.min(num(b.limit) ?? PAGE, PAGE);
      const want = terms(b.filterPattern);
      const afterId = typeof b.nextToken === 'string' ? Number(b.nextToken) : undefined;
      // The first term narrows in SQL; the rest are checked here.
      const rows = store.queryLogs({
        group,
        streams: Array.isArray(b.logStreamNames) ? (b.logStreamNames as string[]) : undefined,
        since: num(b.startTime),
        until: num(b.endTime),
        afterId,
        contains: want[0],
        limit: limit + 1,
      });
      const matched = rows.filter((r) => want.every((t) => r.message.includes(t)));
      const page = matched.slice(0, limit);
      const out: Record<string, unknown> = { events: page.map(event), searchedLogStreams: [] };
      if (matched.length > limit) out.nextToken = String(page[page.length - 1]!.id);
      return out;
    },
    GetLogEvents(b) {
      const group = requireGroup(b.logGroupName);
      if (typeof b.logStreamName !== 'string') throw new StratusError('InvalidParameterException', 'logStreamName is required.');
      const afterId = typeof b.nextToken === 'string' ? Number(b.nextToken.replace(/^f\//, '')) : undefined;
      const rows = store.queryLogs({ group, streams: [b.logStreamName], since: num(b.startTime), until: num(b.endTime), afterId, limit: Math.min(num(b.limit) ?? PAGE, PAGE) });
      const last = rows.length ? rows[rows.length - 1]!.id : afterId ?? 0;
      return {
        events: rows.map((r) => ({ timestamp: r.timestamp, message: r.message, ingestionTime: r.timestamp })),
        nextForwardToken: `f/${last}`,
        nextBackwardToken: `b/${rows[0]?.id ?? 0}`,
      };
    },
    DescribeLogStreams(b) {
      const group = requireGroup(b.logGroupName);
      const streams = store.logStreams(group);
      if (streams.length === 0) throw new StratusError('ResourceNotFoundException', 'The specified log group does not exist.');
      return {
        logStreams: streams.map((s) => ({
          logStreamName: s.stream, creationTime: s.first, firstEventTimestamp: s.first, lastEventTimestamp: s.last,
          lastIngestionTime: s.last, arn: `${groupArn(group)}:log-stream:${s.stream}`, storedBytes: 0,
        })),
      };
    },
    DescribeLogGroups(b) {
      const prefix = typeof b.logGroupNamePrefix === 'string' ? b.logGroupNamePrefix : '';
      return {
        logGroups: store.logGroups().filter((g) => g.startsWith(prefix)).map((g) => ({ logGroupName: g, arn: `${groupArn(g)}:*`, storedBytes: 0 })),
      };
    },
  };

  // A read that follows an invoke sees everything logged so far.
  return { prefix: 'Logs_20140328', signingName: 'logs', operations: ops, before: () => sink.flush() };
}

const event = (r: StoredLogEvent) => ({ logStreamName: r.stream, timestamp: r.timestamp, message: r.message, ingestionTime: r.timestamp, eventId: String(r.id) });

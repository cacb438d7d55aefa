/** `stratus logs <function> [--follow] [--since 10m] [--filter TEXT]`, read through the CloudWatch Logs API. */
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { parseArgs } from 'node:util';
import { loadClientConfig } from '../config/client.js';
import { CLIENT_OPTIONS, lambdaClient } from './client.js';
import { CliError } from './output.js';

const HELP = `Usage: stratus logs <function> [--since 10m] [--filter TEXT] [--follow] [--json]

--since takes s, m, h or d (default 1h). --filter keeps lines containing every word given (CloudWatch syntax: "a phrase", ?any, -none, { $.json = ... }).
--follow keeps printing new lines until Ctrl-C.`;

export function parseSince(s: string, now: number): number {
  const m = /^(\d+)([smhd])$/.exec(s);
  if (!m) throw new CliError(`--since '${s}' is not a duration`, 'use a number and a unit: 30s, 10m, 2h, 1d');
  return now - Number(m[1]) * { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

export async function logsCommand(args: string[], env: Record<string, string | undefined>): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { ...CLIENT_OPTIONS, since: { type: 'string' }, filter: { type: 'string' }, follow: { type: 'boolean', short: 'f' } },
    allowPositionals: true,
  });
  if (values.help) return (console.log(HELP), 0);
  const name = positionals[0];
  if (!name) throw new CliError('logs needs a function name', 'usage: stratus logs <function>', 'run `stratus logs --help`');
  const cfg = loadClientConfig(values, env);
  const fn = await lambdaClient(cfg).send(new GetFunctionConfigurationCommand({ FunctionName: name }));
  const logGroupName = fn.LoggingConfig?.LogGroup ?? `/aws/lambda/${name}`;
  const logs = new CloudWatchLogsClient({ endpoint: cfg.endpoint, region: cfg.region, credentials: { accessKeyId: cfg.accessKeyId, secretAccessKey: cfg.secretAccessKey }, maxAttempts: 1 });
  const startTime = parseSince(values.since ?? '1h', Date.now());
  let nextToken: string | undefined;
  let stop = false;
  process.once('SIGINT', () => (stop = true));
  do {
    const page = await logs.send(new FilterLogEventsCommand({ logGroupName, startTime, filterPattern: values.filter, nextToken }));
    for (const e of page.events ?? []) {
      if (cfg.json) console.log(JSON.stringify({ timestamp: e.timestamp, stream: e.logStreamName, message: e.message }));
      else console.log(e.message);
    }
    // Resume after the last event seen (the token is the last event's position).
    const last = page.events?.[page.events.length - 1];
    if (page.nextToken) nextToken = page.nextToken;
    else if (last?.eventId) nextToken = last.eventId;
    if (!page.nextToken && values.follow) await new Promise((r) => setTimeout(r, 500));
    if (!page.nextToken && !values.follow) break;
  } while (!stop);
  return 0;
}

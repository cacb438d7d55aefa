/**
 * `stratus async-config put|update|get|delete|list <function>`: retries, event age and
 * destinations of asynchronous invocations (the EventInvokeConfig API).
 * `stratus async status`: the async queue, per function.
 */
import {
  DeleteFunctionEventInvokeConfigCommand, GetFunctionEventInvokeConfigCommand, ListFunctionEventInvokeConfigsCommand,
  PutFunctionEventInvokeConfigCommand, UpdateFunctionEventInvokeConfigCommand, type FunctionEventInvokeConfig,
} from '@aws-sdk/client-lambda';
import { parseArgs } from 'node:util';
import { ASYNC_STATUS_PATH, type AsyncStatus } from '../api/stratus/async.js';
import { loadClientConfig } from '../config/client.js';
import { CLIENT_OPTIONS, lambdaClient } from './client.js';
import { CliError, details, printer, subcommandHelp, table } from './output.js';
import { stratusGet } from './stratus-api.js';

const CONFIG_HELP = `Usage:
  stratus async-config put <function> [settings]      replace the config (unset settings return to defaults)
  stratus async-config update <function> [settings]   change only the settings given
  stratus async-config get <function>
  stratus async-config delete <function>
  stratus async-config list <function>                 the configs of $LATEST, versions and aliases

Settings: --max-retries 0-2 (default 2)   --max-age SECONDS 60-21600 (default 21600)
          --on-success ARN   --on-failure ARN   (a Lambda function ARN; '' clears it with update)
Options:  --qualifier VERSION|ALIAS (default $LATEST)  --endpoint URL  --region R  --data-dir D  --json`;

const STATUS_HELP = `Usage: stratus async status [--json]

Shows the asynchronous invocation queue per function: events waiting for a slot (queued),
running now (in flight), waiting out a retry backoff (retrying), and the oldest event's age.`;

const int = (name: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new CliError(`--${name} needs a whole number`, `got '${v}'`, `e.g. --${name} ${name === 'max-age' ? '3600' : '1'}`);
  return n;
};

function describeConfig(c: FunctionEventInvokeConfig): string {
  return details([
    ['Function', c.FunctionArn],
    ['Max retries', c.MaximumRetryAttempts ?? '2 (default)'],
    ['Max event age', `${c.MaximumEventAgeInSeconds ?? 21600} s${c.MaximumEventAgeInSeconds === undefined ? ' (default)' : ''}`],
    ['On success', c.DestinationConfig?.OnSuccess?.Destination ?? '-'],
    ['On failure', c.DestinationConfig?.OnFailure?.Destination ?? '-'],
    ['Last modified', c.LastModified?.toISOString()],
  ]);
}

export async function asyncConfigCommand(args: string[], env: Record<string, string | undefined>): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    options: {
      ...CLIENT_OPTIONS, qualifier: { type: 'string' }, 'max-retries': { type: 'string' }, 'max-age': { type: 'string' },
      'on-success': { type: 'string' }, 'on-failure': { type: 'string' },
    },
    allowPositionals: true,
  });
  const helped = subcommandHelp(CONFIG_HELP, sub, values.help);
  if (helped !== undefined) return helped;
  const name = positionals[0];
  if (!name) throw new CliError(`async-config ${sub} needs a function name`, `usage: stratus async-config ${sub} <function>`, 'run `stratus async-config --help`');
  const cfg = loadClientConfig(values, env);
  const client = lambdaClient(cfg);
  const print = printer(cfg.json);
  const target = { FunctionName: name, Qualifier: values.qualifier };

  switch (sub) {
    case 'put':
    case 'update': {
      const destination = (d: string | undefined) => (d === undefined ? undefined : { Destination: d });
      const onSuccess = destination(values['on-success']);
      const onFailure = destination(values['on-failure']);
      const input = {
        ...target,
        MaximumRetryAttempts: int('max-retries', values['max-retries']),
        MaximumEventAgeInSeconds: int('max-age', values['max-age']),
        DestinationConfig: onSuccess || onFailure ? { OnSuccess: onSuccess, OnFailure: onFailure } : undefined,
      };
      const out = await client.send(sub === 'put' ? new PutFunctionEventInvokeConfigCommand(input) : new UpdateFunctionEventInvokeConfigCommand(input));
      const { $metadata: _, ...shape } = out;
      print(`✔ async config ${sub === 'put' ? 'set' : 'updated'}\n${describeConfig(out)}`, shape);
      return 0;
    }
    case 'get': {
      const { $metadata: _, ...out } = await client.send(new GetFunctionEventInvokeConfigCommand(target));
      print(describeConfig(out), out);
      return 0;
    }
    case 'delete':
      await client.send(new DeleteFunctionEventInvokeConfigCommand(target));
      print(`✔ async config of ${name}${values.qualifier ? `:${values.qualifier}` : ''} deleted (defaults apply: 2 retries, 6 h)`, { deleted: true });
      return 0;
    case 'list': {
      const out = await client.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: name }));
      const items = out.FunctionEventInvokeConfigs ?? [];
      print(
        items.length
          ? table(['FUNCTION', 'RETRIES', 'MAX AGE', 'ON SUCCESS', 'ON FAILURE'], items.map((c) => [
              c.FunctionArn ?? '', c.MaximumRetryAttempts ?? '2*', c.MaximumEventAgeInSeconds ?? '21600*',
              c.DestinationConfig?.OnSuccess?.Destination ?? '-', c.DestinationConfig?.OnFailure?.Destination ?? '-',
            ])) + '\n(* default)'
          : `${name} has no async configs (defaults apply: 2 retries, 6 h)`,
        items,
      );
      return 0;
    }
    default:
      throw new CliError(`unknown subcommand 'async-config ${sub}'`, 'use put, update, get, delete or list', 'run `stratus async-config --help`');
  }
}

export async function asyncCommand(args: string[], env: Record<string, string | undefined>): Promise<number> {
  const [sub, ...rest] = args;
  const { values } = parseArgs({ args: rest, options: CLIENT_OPTIONS, allowPositionals: false });
  const helped = subcommandHelp(STATUS_HELP, sub, values.help);
  if (helped !== undefined) return helped;
  if (sub !== 'status') throw new CliError(`unknown subcommand 'async ${sub}'`, 'the async command has one subcommand: status', 'run `stratus async status`');
  const cfg = loadClientConfig(values, env);
  const status = await stratusGet<AsyncStatus>(cfg, ASYNC_STATUS_PATH);
  const functions = status.Functions;
  if (cfg.json) {
    console.log(JSON.stringify(status, null, 2));
    return 0;
  }
  if (!functions.length) {
    console.log('The async queue is empty.');
    return 0;
  }
  const sum = (k: 'queued' | 'inFlight' | 'retrying') => functions.reduce((n, f) => n + f[k], 0);
  console.log(
    table(
      ['FUNCTION', 'QUEUED', 'IN FLIGHT', 'RETRYING', 'OLDEST'],
      [...functions.map((f) => [f.functionName, f.queued, f.inFlight, f.retrying, age(f.oldestAgeMs)]), ['total', sum('queued'), sum('inFlight'), sum('retrying'), '']],
    ),
  );
  return 0;
}

function age(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

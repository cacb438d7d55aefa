/** `stratus concurrency`, `stratus provisioned` and `stratus top` (live concurrency per function). */
import {
  DeleteFunctionConcurrencyCommand, DeleteProvisionedConcurrencyConfigCommand, GetFunctionConcurrencyCommand,
  GetProvisionedConcurrencyConfigCommand, ListProvisionedConcurrencyConfigsCommand, PutFunctionConcurrencyCommand,
  PutProvisionedConcurrencyConfigCommand,
} from '@aws-sdk/client-lambda';
import { parseArgs } from 'node:util';
import { loadClientConfig } from '../config/client.js';
import type { VersionCounters } from '../telemetry/metrics.js';
import { CLIENT_OPTIONS, lambdaClient } from './client.js';
import { CliError, details, printer, stripMeta, subcommandHelp, table } from './output.js';
import { stratusGet } from './stratus-api.js';

const CONCURRENCY_HELP = `Usage:
  stratus concurrency set <function> <N>     reserve N executions (0 turns the function off)
  stratus concurrency get <function>
  stratus concurrency delete <function>      back to the account's shared pool`;

const PROVISIONED_HELP = `Usage:
  stratus provisioned set <function> --qualifier VERSION|ALIAS <N>   keep N environments initialised
  stratus provisioned get <function> --qualifier VERSION|ALIAS
  stratus provisioned list <function>
  stratus provisioned delete <function> --qualifier VERSION|ALIAS`;

const TOP_HELP = `Usage: stratus top [--interval 1s] [--once] [--json]

Live concurrency per function version: invocations running now, environments (busy, idle,
starting, provisioned), invocations and errors per second since the last refresh.`;

function count(v: string | undefined, what: string): number {
  const n = Number(v);
  if (v === undefined || !Number.isInteger(n) || n < 0) throw new CliError(`${what} needs a whole number`, `got '${v ?? ''}'`);
  return n;
}

export async function concurrencyCommand(args: string[], env: Record<string, string | undefined>): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({ args: rest, options: CLIENT_OPTIONS, allowPositionals: true });
  const helped = subcommandHelp(CONCURRENCY_HELP, sub, values.help);
  if (helped !== undefined) return helped;
  const cfg = loadClientConfig(values, env);
  const client = lambdaClient(cfg);
  const fn = positionals[0];
  if (!fn) throw new CliError(`concurrency ${sub} needs a function name`, `usage: stratus concurrency ${sub} <function>`);
  const print = printer(cfg.json);
  switch (sub) {
    case 'set': {
      const out = await client.send(new PutFunctionConcurrencyCommand({ FunctionName: fn, ReservedConcurrentExecutions: count(positionals[1], 'concurrency set') }));
      print(`✔ ${fn}: ${out.ReservedConcurrentExecutions} executions reserved${out.ReservedConcurrentExecutions === 0 ? ' (turned off: every invocation is throttled)' : ''}`, stripMeta(out));
      return 0;
    }
    case 'get': {
      const out = await client.send(new GetFunctionConcurrencyCommand({ FunctionName: fn }));
      print(out.ReservedConcurrentExecutions === undefined ? `${fn}: no reservation (shares the account's unreserved pool)` : `${fn}: ${out.ReservedConcurrentExecutions} executions reserved`, stripMeta(out));
      return 0;
    }
    case 'delete': {
      await client.send(new DeleteFunctionConcurrencyCommand({ FunctionName: fn }));
      print(`✔ ${fn}: reservation removed`, { deleted: fn });
      return 0;
    }
    default:
      throw new CliError(`unknown subcommand 'concurrency ${sub}'`, 'expected set, get or delete', 'run `stratus concurrency --help`');
  }
}

export async function provisionedCommand(args: string[], env: Record<string, string | undefined>): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({ args: rest, options: { ...CLIENT_OPTIONS, qualifier: { type: 'string' } }, allowPositionals: true });
  const helped = subcommandHelp(PROVISIONED_HELP, sub, values.help);
  if (helped !== undefined) return helped;
  const cfg = loadClientConfig(values, env);
  const client = lambdaClient(cfg);
  const fn = positionals[0];
  if (!fn) throw new CliError(`provisioned ${sub} needs a function name`, `usage: stratus provisioned ${sub} <function> --qualifier Q`);
  const q = () => {
    if (!values.qualifier) throw new CliError(`provisioned ${sub} needs --qualifier`, 'provisioned concurrency applies to a published version or an alias');
    return values.qualifier;
  };
  const print = printer(cfg.json);
  switch (sub) {
    case 'set': {
      const out = await client.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: fn, Qualifier: q(), ProvisionedConcurrentExecutions: count(positionals[1], 'provisioned set') }));
      print(`✔ ${fn}:${values.qualifier}: ${out.RequestedProvisionedConcurrentExecutions} environments requested (${out.Status}); \`stratus provisioned get\` shows when they are READY`, stripMeta(out));
      return 0;
    }
    case 'get': {
      const out = await client.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: fn, Qualifier: q() }));
      print(details([['Status', out.Status], ['Reason', out.StatusReason], ['Requested', out.RequestedProvisionedConcurrentExecutions], ['Available', out.AvailableProvisionedConcurrentExecutions], ['Modified', out.LastModified]]), stripMeta(out));
      return 0;
    }
    case 'list': {
      const out = await client.send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: fn }));
      const items = out.ProvisionedConcurrencyConfigs ?? [];
      if (cfg.json) print('', items);
      else if (items.length === 0) console.log(`No provisioned concurrency on ${fn}.`);
      else console.log(table(['QUALIFIER', 'STATUS', 'REQUESTED', 'AVAILABLE'], items.map((c) => [c.FunctionArn!.split(':').pop()!, c.Status ?? '', c.RequestedProvisionedConcurrentExecutions ?? 0, c.AvailableProvisionedConcurrentExecutions ?? 0])));
      return 0;
    }
    case 'delete': {
      await client.send(new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: fn, Qualifier: q() }));
      print(`✔ ${fn}:${values.qualifier}: provisioned concurrency removed`, { deleted: `${fn}:${values.qualifier}` });
      return 0;
    }
    default:
      throw new CliError(`unknown subcommand 'provisioned ${sub}'`, 'expected set, get, list or delete', 'run `stratus provisioned --help`');
  }
}

interface Snapshot {
  Versions: VersionCounters[];
  Environments: { functionName: string; version: string; busy: number; idle: number; starting: number; provisioned: number; memoryMB: number }[];
  MemoryBudgetMB: number;
}

export async function topCommand(args: string[], env: Record<string, string | undefined>): Promise<number> {
  const { values } = parseArgs({ args, options: { ...CLIENT_OPTIONS, interval: { type: 'string' }, once: { type: 'boolean' } } });
  if (values.help) return (console.log(TOP_HELP), 0);
  const cfg = loadClientConfig(values, env);
  const intervalMs = Math.max(200, Number((values.interval ?? '1').replace(/s$/, '')) * 1000 || 1000);
  let previous: Snapshot | undefined;
  let at = Date.now();
  for (;;) {
    const snap = await stratusGet<Snapshot>(cfg, '/_stratus/metrics');
    const now = Date.now();
    if (cfg.json) console.log(JSON.stringify(snap));
    else {
      const rows = render(snap, previous, (now - at) / 1000);
      const memory = snap.Environments.reduce((sum, e) => sum + e.memoryMB, 0);
      const text = `stratus top — ${new Date(now).toISOString().slice(11, 19)} UTC — environments hold ${memory} of ${snap.MemoryBudgetMB} MB\n\n` +
        (rows.length ? table(['FUNCTION', 'VERSION', 'RUNNING', 'BUSY', 'IDLE', 'STARTING', 'PROVISIONED', 'INVOKES/S', 'ERRORS/S'], rows) : 'No invocations or environments yet.');
      if (process.stdout.isTTY && !values.once) process.stdout.write(`\x1b[H\x1b[2J${text}\n`);
      else console.log(text);
    }
    if (values.once) return 0;
    previous = snap;
    at = now;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

function render(snap: Snapshot, previous: Snapshot | undefined, seconds: number): (string | number)[][] {
  const keys = new Map<string, { fn: string; version: string }>();
  for (const v of snap.Versions) keys.set(`${v.functionName}\0${v.version}`, { fn: v.functionName, version: v.version });
  for (const e of snap.Environments) keys.set(`${e.functionName}\0${e.version}`, { fn: e.functionName, version: e.version });
  return [...keys.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([key, { fn, version }]) => {
    const v = snap.Versions.find((x) => `${x.functionName}\0${x.version}` === key);
    const p = previous?.Versions.find((x) => `${x.functionName}\0${x.version}` === key);
    const e = snap.Environments.find((x) => `${x.functionName}\0${x.version}` === key);
    const rate = (n: number | undefined, before: number | undefined) => (previous && seconds > 0 ? ((n ?? 0) - (before ?? 0)) / seconds : 0).toFixed(1);
    return [fn, version, v?.inFlight ?? 0, e?.busy ?? 0, e?.idle ?? 0, e?.starting ?? 0, e?.provisioned ?? 0, rate(v?.invocations, p?.invocations), rate(v?.errors, p?.errors)];
  });
}

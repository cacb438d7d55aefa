/**
 * `stratus deploy`: publish new code as a version and move an alias to it, at once or in canary
 * steps, watching the new version's error rate and moving the alias back on its own when errors
 * rise. `stratus rollback`: move the alias back at once. Everything goes through the Lambda API
 * (UpdateFunctionCode with Publish, CreateAlias/UpdateAlias with RevisionId so a concurrent change
 * stops the deploy) plus Stratus's per-version counters (`/_stratus/metrics`).
 */
import {
  CreateAliasCommand, GetAliasCommand, GetFunctionCommand, LambdaClient, ResourceNotFoundException, TagResourceCommand,
  UpdateAliasCommand, UpdateFunctionCodeCommand, waitUntilFunctionActiveV2, type AliasConfiguration,
} from '@aws-sdk/client-lambda';
import { parseArgs } from 'node:util';
import { loadClientConfig, type ClientConfig } from '../config/client.js';
import { CLIENT_OPTIONS, lambdaClient } from './client.js';
import { CliError } from './output.js';
import { versionCounters } from './stratus-api.js';
import { describeRouting } from './versions.js';
import { codeZip } from './zipdir.js';

const DEPLOY_HELP = `Usage: stratus deploy <function> --code DIR|ZIP --alias NAME
                      [--canary 10%,50%,100%] [--interval 30s] [--max-error-rate 5%] [--description TEXT]

Uploads the code, publishes it as a new version and points the alias at it. With --canary the
alias sends each listed share of its invocations to the new version in turn, waiting --interval
after each step (default 30s with --canary); if the new version's error rate goes above
--max-error-rate (default 5%), the alias goes back to the previous version and the command exits 1.
Without --canary the alias moves at once (then --interval, if given, still watches the new version).`;

const ROLLBACK_HELP = `Usage: stratus rollback <function> --alias NAME [--to VERSION]

Moves the alias back at once: a canary in progress is stopped (all traffic to the previous version);
otherwise the alias goes back to the version it had before the last \`stratus deploy\` (or --to).`;

/** The function tag where deploy records the version an alias had before it moved. */
const previousTag = (alias: string) => `stratus:previous-version:${alias}`;

interface Step {
  percent: number;
  invocations: number;
  errors: number;
}

export async function deployCommand(args: string[], env: Record<string, string | undefined>): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      ...CLIENT_OPTIONS, code: { type: 'string' }, alias: { type: 'string' }, canary: { type: 'string' }, interval: { type: 'string' },
      'max-error-rate': { type: 'string' }, description: { type: 'string' },
    },
    allowPositionals: true,
  });
  if (values.help) return (console.log(DEPLOY_HELP), 0);
  const fn = positionals[0];
  if (!fn) throw new CliError('deploy needs a function name', 'usage: stratus deploy <function> --code DIR --alias NAME', 'run `stratus deploy --help`');
  if (!values.code) throw new CliError('deploy needs the code', 'no --code given', 'pass --code with a folder or a .zip');
  if (!values.alias) throw new CliError('deploy needs an alias', 'no --alias given', 'pass --alias, e.g. --alias live');
  const steps = values.canary ? parsePercents(values.canary) : [100];
  const intervalMs = values.interval !== undefined ? parseDuration(values.interval) : values.canary ? 30_000 : 0;
  const maxErrorRate = values['max-error-rate'] !== undefined ? parsePercent(values['max-error-rate'], '--max-error-rate') / 100 : 0.05;
  const cfg = loadClientConfig(values, env);
  const client = lambdaClient(cfg);
  const out = new Progress(cfg.json);
  const alias = values.alias;

  const fnArn = await functionArn(client, fn);
  const zip = await codeZip(values.code);
  const published = await client.send(new UpdateFunctionCodeCommand({ FunctionName: fn, ZipFile: zip, Publish: true }));
  const next = published.Version!;
  await waitUntilFunctionActiveV2({ client, maxWaitTime: 60 }, { FunctionName: fn, Qualifier: next });
  out.line(`✔ published ${fn} version ${next} (sha256 ${published.CodeSha256})`);

  const current = await getAlias(client, fn, alias);
  if (!current) {
    await client.send(new CreateAliasCommand({ FunctionName: fn, Name: alias, FunctionVersion: next, Description: values.description }));
    out.line(`✔ ${fn}:${alias} → version ${next} (new alias)`);
    return out.done({ function: fn, alias, from: null, to: next, result: 'promoted', steps: [] }, 0);
  }
  const previous = current.FunctionVersion!;
  if (previous === next && !current.RoutingConfig?.AdditionalVersionWeights) {
    out.line(`✔ ${fn}:${alias} already runs version ${next}: the code and configuration did not change`);
    return out.done({ function: fn, alias, from: previous, to: next, result: 'unchanged', steps: [] }, 0);
  }

  const base = await counters(cfg, fn, next);
  let revision = current.RevisionId;
  const done: Step[] = [];
  const move = async (version: string, weight?: number): Promise<AliasConfiguration> => {
    const moved = await client.send(
      new UpdateAliasCommand({
        FunctionName: fn, Name: alias, FunctionVersion: version, RevisionId: revision,
        RoutingConfig: { AdditionalVersionWeights: weight === undefined ? {} : { [next]: weight } },
      }),
    ).catch((err: Error) => {
      if (err.name === 'PreconditionFailedException')
        throw new CliError('deploy stopped', `${fn}:${alias} was changed by someone else while deploying (a rollback?)`, `check it with \`stratus aliases get ${fn} ${alias}\``);
      throw err;
    });
    revision = moved.RevisionId;
    return moved;
  };

  for (const percent of steps) {
    const moved = percent >= 100 ? await move(next) : await move(previous, percent / 100);
    if (percent >= 100) await tag(client, fnArn, previousTag(alias), previous);
    out.line(`→ ${fn}:${alias} → ${describeRouting(moved)}`);
    const seen = await watch(cfg, fn, next, base, intervalMs, maxErrorRate, out);
    done.push({ percent, ...seen });
    if (seen.failed) {
      await move(previous);
      await tag(client, fnArn, previousTag(alias), next);
      out.line(
        `✘ version ${next} failed ${seen.errors} of ${seen.invocations} invocations (${rate(seen.errors, seen.invocations)}, limit ${(maxErrorRate * 100).toFixed(1)}%): ` +
          `${fn}:${alias} is back on version ${previous}`,
      );
      out.line(`  → see what failed with \`stratus logs ${fn} --since 10m\``);
      return out.done({ function: fn, alias, from: previous, to: next, result: 'rolled-back', steps: done }, 1);
    }
  }
  out.line(`✔ ${fn}:${alias} → version ${next} (was ${previous}); \`stratus rollback ${fn} --alias ${alias}\` moves it back`);
  return out.done({ function: fn, alias, from: previous, to: next, result: 'promoted', steps: done }, 0);
}

export async function rollbackCommand(args: string[], env: Record<string, string | undefined>): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { ...CLIENT_OPTIONS, alias: { type: 'string' }, to: { type: 'string' } }, allowPositionals: true });
  if (values.help) return (console.log(ROLLBACK_HELP), 0);
  const fn = positionals[0];
  if (!fn || !values.alias) throw new CliError('rollback needs a function and an alias', 'usage: stratus rollback <function> --alias NAME', 'run `stratus rollback --help`');
  const cfg = loadClientConfig(values, env);
  const client = lambdaClient(cfg);
  const out = new Progress(cfg.json);
  const alias = values.alias;
  const current = await getAlias(client, fn, alias);
  if (!current) throw new CliError(`no alias ${fn}:${alias}`, 'there is nothing to roll back', `list the aliases with \`stratus aliases list ${fn}\``);
  const from = current.FunctionVersion!;
  const canary = Object.keys(current.RoutingConfig?.AdditionalVersionWeights ?? {})[0];
  const fnArn = await functionArn(client, fn);
  let to = values.to;
  if (!to && canary) to = from;
  if (!to) {
    const tags = (await client.send(new GetFunctionCommand({ FunctionName: fn }))).Tags ?? {};
    to = tags[previousTag(alias)];
  }
  if (!to)
    throw new CliError(`no earlier version recorded for ${fn}:${alias}`, 'the alias was never moved by `stratus deploy`', 'name the version: `stratus rollback <function> --alias NAME --to VERSION`');
  const moved = await client.send(new UpdateAliasCommand({ FunctionName: fn, Name: alias, FunctionVersion: to, RevisionId: current.RevisionId, RoutingConfig: { AdditionalVersionWeights: {} } }));
  if (to !== from) await tag(client, fnArn, previousTag(alias), from);
  out.line(canary && to === from ? `✔ canary of version ${canary} stopped: ${fn}:${alias} → version ${to}` : `✔ ${fn}:${alias} → version ${to} (was ${from})`);
  return out.done({ function: fn, alias, from: canary && to === from ? canary : from, to: moved.FunctionVersion, result: 'rolled-back' }, 0);
}

/** Watch the new version for `ms`: the errors and invocations it had since the deploy began. */
async function watch(
  cfg: ClientConfig, fn: string, version: string, base: { invocations: number; errors: number }, ms: number, maxRate: number, out: Progress,
): Promise<{ invocations: number; errors: number; failed: boolean }> {
  const end = Date.now() + ms;
  let seen = { invocations: 0, errors: 0, failed: false };
  for (;;) {
    const now = await counters(cfg, fn, version);
    const invocations = now.invocations - base.invocations;
    const errors = now.errors - base.errors;
    seen = { invocations, errors, failed: invocations > 0 && errors / invocations > maxRate };
    const left = Math.max(0, end - Date.now());
    if (ms > 0) out.status(`  watching version ${version}: ${invocations} invocations, ${errors} errors (${rate(errors, invocations)})${left ? `, ${Math.ceil(left / 1000)}s left` : ''}`);
    if (seen.failed || left === 0) break;
    await new Promise((r) => setTimeout(r, Math.min(500, left)));
  }
  out.endStatus();
  return seen;
}

async function counters(cfg: ClientConfig, fn: string, version: string): Promise<{ invocations: number; errors: number }> {
  const c = (await versionCounters(cfg, fn)).find((v) => v.version === version);
  return { invocations: c?.invocations ?? 0, errors: c?.errors ?? 0 };
}

async function functionArn(client: LambdaClient, fn: string): Promise<string> {
  try {
    return (await client.send(new GetFunctionCommand({ FunctionName: fn }))).Configuration!.FunctionArn!;
  } catch (err) {
    if (err instanceof ResourceNotFoundException)
      throw new CliError(`no function ${fn}`, 'deploy publishes new code for an existing function', `create it first: \`stratus functions create ${fn} --code DIR --runtime nodejs20.x --handler index.handler\``);
    throw err;
  }
}

async function getAlias(client: LambdaClient, fn: string, alias: string): Promise<AliasConfiguration | undefined> {
  try {
    return await client.send(new GetAliasCommand({ FunctionName: fn, Name: alias }));
  } catch (err) {
    if (err instanceof ResourceNotFoundException) return undefined;
    throw err;
  }
}

const tag = (client: LambdaClient, arn: string, key: string, value: string) => client.send(new TagResourceCommand({ Resource: arn, Tags: { [key]: value } }));

const rate = (errors: number, invocations: number) => (invocations ? `${((errors / invocations) * 100).toFixed(1)}%` : '–');

function parsePercent(v: string, flag: string): number {
  const n = Number(v.trim().replace(/%$/, ''));
  if (!Number.isFinite(n) || n < 0 || n > 100) throw new CliError(`${flag} takes a percentage`, `got '${v}'`, 'for example 10%');
  return n;
}

function parsePercents(v: string): number[] {
  const steps = v.split(',').map((p) => parsePercent(p, '--canary'));
  if (steps.some((p, i) => p <= 0 || (i > 0 && p <= steps[i - 1]!)))
    throw new CliError('--canary takes rising percentages', `got '${v}'`, 'for example --canary 10%,50%,100%');
  if (steps[steps.length - 1] !== 100) steps.push(100);
  return steps;
}

function parseDuration(v: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(v.trim());
  if (!m) throw new CliError('--interval takes a duration', `got '${v}'`, 'for example 30s, 2m or 500ms');
  const n = Number(m[1]);
  return m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : n * 1000;
}

/** Lines for people (a live status line on a terminal), or one JSON summary with --json. */
class Progress {
  private live = false;
  constructor(private readonly json: boolean) {}

  line(text: string): void {
    if (this.json) return;
    this.endStatus();
    console.log(text);
  }

  status(text: string): void {
    if (this.json) return;
    if (process.stdout.isTTY) {
      process.stdout.write(`\r\x1b[K${text}`);
      this.live = true;
    } else this.last = text;
  }

  /** On a terminal the status line stays as it last was; elsewhere its final state is printed once. */
  endStatus(): void {
    if (this.live) process.stdout.write('\n');
    else if (this.last) console.log(this.last);
    this.live = false;
    this.last = undefined;
  }

  private last: string | undefined;

  done(summary: unknown, code: number): number {
    if (this.json) console.log(JSON.stringify(summary, null, 2));
    return code;
  }
}

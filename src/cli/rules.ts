/** `stratus rules …` (EventBridge rules and their targets) and `stratus events put`, through @aws-sdk/client-eventbridge. */
import {
  DeleteRuleCommand, DescribeRuleCommand, DisableRuleCommand, EnableRuleCommand, EventBridgeClient, ListTargetsByRuleCommand,
  ListRulesCommand, PutEventsCommand, PutRuleCommand, PutTargetsCommand, RemoveTargetsCommand, type Rule,
} from '@aws-sdk/client-eventbridge';
import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { parseArgs } from 'node:util';
import { loadClientConfig, type ClientConfig } from '../config/client.js';
import { CLIENT_OPTIONS, lambdaClient } from './client.js';
import { CliError, details, printer, stripMeta, subcommandHelp, table } from './output.js';

const RULES_HELP = `Usage:
  stratus rules put <name> --schedule "rate(5 minutes)" | --pattern JSON [--description TEXT] [--disabled]
  stratus rules targets add <rule> --function NAME[:ALIAS] [--id ID] [--input JSON]
  stratus rules targets list <rule>
  stratus rules targets remove <rule> <id>...
  stratus rules list [--prefix P]
  stratus rules get|enable|disable|delete <name>

Schedules: rate(1 minute), rate(N minutes|hours|days), or cron(min hour day-of-month month day-of-week year)
in UTC, e.g. cron(0 9 ? * MON-FRI *). Patterns are EventBridge event patterns, e.g. '{"source":["shop"]}'.
Client options: --endpoint URL  --region R  --data-dir D  --json`;

const EVENTS_HELP = `Usage:
  stratus events put --source S --detail-type T [--detail JSON] [--resource ARN]...

Puts one event on the default bus; rules whose pattern matches it deliver it to their targets.
Client options: --endpoint URL  --region R  --data-dir D  --json`;

export function eventsClient(c: ClientConfig): EventBridgeClient {
  return new EventBridgeClient({ endpoint: c.endpoint, region: c.region, credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey }, maxAttempts: 1 });
}

const OPTIONS = {
  ...CLIENT_OPTIONS,
  schedule: { type: 'string' },
  pattern: { type: 'string' },
  description: { type: 'string' },
  disabled: { type: 'boolean' },
  function: { type: 'string' },
  id: { type: 'string' },
  input: { type: 'string' },
  prefix: { type: 'string' },
} as const;

function checkJson(flag: string, text: string | undefined): void {
  if (text === undefined) return;
  try {
    JSON.parse(text);
  } catch (err) {
    throw new CliError(`--${flag} is not JSON`, (err as Error).message, `quote it for your shell, e.g. --${flag} '{"key":"value"}'`);
  }
}

export async function rulesCommand(args: string[], env: Record<string, string | undefined>): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({ args: rest, options: OPTIONS, allowPositionals: true });
  const helped = subcommandHelp(RULES_HELP, sub, values.help);
  if (helped !== undefined) return helped;
  const cfg = loadClientConfig(values, env);
  const eb = eventsClient(cfg);
  const print = printer(cfg.json);
  const name = positionals[0];
  const need = (what: string) => {
    if (!name) throw new CliError(`rules ${what} needs a rule name`, `usage: stratus rules ${what} <name>`, 'run `stratus rules --help`');
    return name;
  };
  switch (sub) {
    case 'put': {
      const n = need('put');
      if (!values.schedule && !values.pattern) throw new CliError('rules put needs --schedule or --pattern', 'a rule runs on a schedule, on matching events, or both', 'e.g. --schedule "rate(5 minutes)" or --pattern \'{"source":["shop"]}\'');
      checkJson('pattern', values.pattern);
      const out = await eb.send(new PutRuleCommand({ Name: n, ScheduleExpression: values.schedule, EventPattern: values.pattern, Description: values.description, State: values.disabled ? 'DISABLED' : 'ENABLED' }));
      print(`✔ rule ${n} ${values.disabled ? 'saved (disabled)' : 'saved'}\n  ${out.RuleArn}${values.schedule ? `\n  next: add a target with \`stratus rules targets add ${n} --function NAME\`` : ''}`, stripMeta(out));
      return 0;
    }
    case 'targets':
      return targetsCommand(eb, cfg, positionals, values, print);
    case 'list': {
      const all: Rule[] = [];
      let token: string | undefined;
      do {
        const page = await eb.send(new ListRulesCommand({ NamePrefix: values.prefix, NextToken: token }));
        all.push(...(page.Rules ?? []));
        token = page.NextToken;
      } while (token);
      if (cfg.json) print('', all);
      else console.log(all.length ? table(['NAME', 'STATE', 'SCHEDULE / PATTERN', 'DESCRIPTION'], all.map((r) => [r.Name!, r.State ?? '', r.ScheduleExpression ?? r.EventPattern ?? '', r.Description ?? ''])) : 'no rules');
      return 0;
    }
    case 'get': {
      const out = await eb.send(new DescribeRuleCommand({ Name: need('get') }));
      const targets = await eb.send(new ListTargetsByRuleCommand({ Rule: out.Name! }));
      print(
        details([
          ['name', out.Name], ['arn', out.Arn], ['state', out.State], ['schedule', out.ScheduleExpression], ['pattern', out.EventPattern], ['description', out.Description],
          ['targets', (targets.Targets ?? []).map((t) => `${t.Id} → ${t.Arn}`).join(', ') || '(none)'],
        ]),
        { ...stripMeta(out), Targets: targets.Targets ?? [] },
      );
      return 0;
    }
    case 'enable':
    case 'disable': {
      const n = need(sub);
      await eb.send(sub === 'enable' ? new EnableRuleCommand({ Name: n }) : new DisableRuleCommand({ Name: n }));
      print(`✔ rule ${n} ${sub}d`, { Name: n, State: sub === 'enable' ? 'ENABLED' : 'DISABLED' });
      return 0;
    }
    case 'delete': {
      const n = need('delete');
      try {
        await eb.send(new DeleteRuleCommand({ Name: n }));
      } catch (err) {
        if ((err as Error).name === 'ValidationException' && /has targets/.test((err as Error).message))
          throw new CliError(`could not delete rule ${n}`, (err as Error).message, `remove its targets first: \`stratus rules targets list ${n}\`, then \`stratus rules targets remove ${n} ID…\``);
        throw err;
      }
      print(`✔ deleted rule ${n}`, { deleted: n });
      return 0;
    }
    default:
      throw new CliError(`unknown subcommand 'rules ${sub}'`, 'expected put, targets, list, get, enable, disable or delete', 'run `stratus rules --help`');
  }
}

async function targetsCommand(
  eb: EventBridgeClient, cfg: ClientConfig, positionals: string[], values: Record<string, string | boolean | undefined>, print: (h: string, m: unknown) => void,
): Promise<number> {
  const [action, rule, ...ids] = positionals;
  if (!action || !rule) throw new CliError('rules targets needs an action and a rule', 'usage: stratus rules targets add|list|remove <rule> …', 'run `stratus rules --help`');
  switch (action) {
    case 'add': {
      const fn = values.function as string | undefined;
      if (!fn) throw new CliError('rules targets add needs --function', 'the function (name, name:alias or ARN) the rule invokes', 'e.g. stratus rules targets add nightly --function cleanup');
      const input = values.input as string | undefined;
      checkJson('input', input);
      // Targets are ARNs; a name is resolved to the function's ARN (with its qualifier).
      const [base, qualifier] = fn.startsWith('arn:') ? [fn, undefined] : fn.split(':');
      const conf = fn.startsWith('arn:') ? undefined : await lambdaClient(cfg).send(new GetFunctionConfigurationCommand({ FunctionName: base!, Qualifier: qualifier }));
      // GetFunctionConfiguration answers the ARN AWS would: qualified when a qualifier was asked for.
      const arn = conf?.FunctionArn ?? fn;
      const id = (values.id as string | undefined) ?? (base!.startsWith('arn:') ? base!.split(':').pop()! : base!);
      const out = await eb.send(new PutTargetsCommand({ Rule: rule, Targets: [{ Id: id, Arn: arn, Input: input }] }));
      if (out.FailedEntryCount) throw new CliError(`could not add target ${id}`, `${out.FailedEntries![0]!.ErrorCode}: ${out.FailedEntries![0]!.ErrorMessage}`);
      print(`✔ rule ${rule} → ${arn} (target ${id})`, { Rule: rule, Id: id, Arn: arn, ...(input && { Input: input }) });
      return 0;
    }
    case 'list': {
      const out = await eb.send(new ListTargetsByRuleCommand({ Rule: rule }));
      const ts = out.Targets ?? [];
      if (cfg.json) print('', ts);
      else console.log(ts.length ? table(['ID', 'ARN', 'INPUT'], ts.map((t) => [t.Id!, t.Arn!, t.Input ?? t.InputPath ?? (t.InputTransformer ? 'InputTransformer' : '(the event)')])) : 'no targets');
      return 0;
    }
    case 'remove': {
      if (!ids.length) throw new CliError('rules targets remove needs target ids', `usage: stratus rules targets remove ${rule} ID…`, `list them with \`stratus rules targets list ${rule}\``);
      await eb.send(new RemoveTargetsCommand({ Rule: rule, Ids: ids }));
      print(`✔ removed ${ids.join(', ')} from rule ${rule}`, { Rule: rule, Removed: ids });
      return 0;
    }
    default:
      throw new CliError(`unknown action 'rules targets ${action}'`, 'expected add, list or remove', 'run `stratus rules --help`');
  }
}

export async function eventsCommand(args: string[], env: Record<string, string | undefined>): Promise<number> {
  const [sub, ...rest] = args;
  const { values } = parseArgs({
    args: rest,
    options: { ...CLIENT_OPTIONS, source: { type: 'string' }, 'detail-type': { type: 'string' }, detail: { type: 'string' }, resource: { type: 'string', multiple: true } },
    allowPositionals: false,
  });
  const helped = subcommandHelp(EVENTS_HELP, sub, values.help);
  if (helped !== undefined) return helped;
  if (sub !== 'put') throw new CliError(`unknown subcommand 'events ${sub}'`, 'expected put', 'run `stratus events --help`');
  if (!values.source || !values['detail-type']) throw new CliError('events put needs --source and --detail-type', 'every event names where it comes from and what kind it is', 'e.g. stratus events put --source shop --detail-type OrderPlaced --detail \'{"id":1}\'');
  const detail = values.detail ?? '{}';
  checkJson('detail', detail);
  const cfg = loadClientConfig(values, env);
  const out = await eventsClient(cfg).send(new PutEventsCommand({ Entries: [{ Source: values.source, DetailType: values['detail-type'], Detail: detail, Resources: values.resource }] }));
  const e = out.Entries?.[0];
  if (out.FailedEntryCount || !e?.EventId) throw new CliError('the event was refused', `${e?.ErrorCode}: ${e?.ErrorMessage}`, 'fix the value named above and run the command again');
  console.log(cfg.json ? JSON.stringify(stripMeta(out), null, 2) : `✔ event ${e.EventId} put on the default bus`);
  return 0;
}

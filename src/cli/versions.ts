/** `stratus versions publish|list|delete` and `stratus aliases create|get|list|update|delete`. */
import {
  CreateAliasCommand, DeleteAliasCommand, DeleteFunctionCommand, GetAliasCommand, paginateListAliases,
  paginateListVersionsByFunction, PublishVersionCommand, UpdateAliasCommand, type AliasConfiguration, type FunctionConfiguration,
} from '@aws-sdk/client-lambda';
import { parseArgs } from 'node:util';
import { loadClientConfig } from '../config/client.js';
import { CLIENT_OPTIONS, lambdaClient } from './client.js';
import { CliError, details, printer, stripMeta, subcommandHelp, table } from './output.js';

const VERSIONS_HELP = `Usage:
  stratus versions publish <function> [--description TEXT]
  stratus versions list <function>
  stratus versions delete <function> <version>

Client options: --endpoint URL  --region R  --data-dir D  --json`;

const ALIASES_HELP = `Usage:
  stratus aliases create <function> <alias> --version N [--weight N2=0.1] [--description TEXT]
  stratus aliases update <function> <alias> [--version N] [--weight N2=0.1 | --no-weight] [--description TEXT]
  stratus aliases get <function> <alias>
  stratus aliases list <function> [--version N]
  stratus aliases delete <function> <alias>

--weight V=W sends the share W (0–1) of the alias's invocations to version V, the rest to --version.
Client options: --endpoint URL  --region R  --data-dir D  --json`;

export async function versionsCommand(args: string[], env: Record<string, string | undefined>): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({ args: rest, options: { ...CLIENT_OPTIONS, description: { type: 'string' } }, allowPositionals: true });
  const helped = subcommandHelp(VERSIONS_HELP, sub, values.help);
  if (helped !== undefined) return helped;
  const cfg = loadClientConfig(values, env);
  const client = lambdaClient(cfg);
  const fn = positionals[0];
  if (!fn) throw new CliError(`versions ${sub} needs a function name`, `usage: stratus versions ${sub} <function>`, 'run `stratus versions --help`');
  const print = printer(cfg.json);
  switch (sub) {
    case 'publish': {
      const out = await client.send(new PublishVersionCommand({ FunctionName: fn, Description: values.description }));
      print(`✔ ${fn} version ${out.Version} (sha256 ${out.CodeSha256})`, stripMeta(out));
      return 0;
    }
    case 'list': {
      const all: FunctionConfiguration[] = [];
      for await (const page of paginateListVersionsByFunction({ client }, { FunctionName: fn })) all.push(...(page.Versions ?? []));
      if (cfg.json) print('', all);
      else console.log(table(['VERSION', 'CODE SHA256', 'MEMORY', 'LAST MODIFIED', 'DESCRIPTION'], all.map((v) => [v.Version!, v.CodeSha256 ?? '', `${v.MemorySize} MB`, v.LastModified ?? '', v.Description ?? ''])));
      return 0;
    }
    case 'delete': {
      const version = positionals[1];
      if (!version) throw new CliError('versions delete needs a version', 'usage: stratus versions delete <function> <version>');
      await client.send(new DeleteFunctionCommand({ FunctionName: fn, Qualifier: version }));
      print(`✔ deleted ${fn} version ${version}`, { deleted: `${fn}:${version}` });
      return 0;
    }
    default:
      throw new CliError(`unknown subcommand 'versions ${sub}'`, 'expected publish, list or delete', 'run `stratus versions --help`');
  }
}

export async function aliasesCommand(args: string[], env: Record<string, string | undefined>): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    options: { ...CLIENT_OPTIONS, version: { type: 'string' }, weight: { type: 'string' }, 'no-weight': { type: 'boolean' }, description: { type: 'string' } },
    allowPositionals: true,
  });
  const helped = subcommandHelp(ALIASES_HELP, sub, values.help);
  if (helped !== undefined) return helped;
  const cfg = loadClientConfig(values, env);
  const client = lambdaClient(cfg);
  const [fn, alias] = positionals;
  if (!fn) throw new CliError(`aliases ${sub} needs a function name`, `usage: stratus aliases ${sub} <function> <alias>`, 'run `stratus aliases --help`');
  const needAlias = () => {
    if (!alias) throw new CliError(`aliases ${sub} needs an alias name`, `usage: stratus aliases ${sub} <function> <alias>`);
    return alias;
  };
  const print = printer(cfg.json);
  const routing = values['no-weight'] ? { AdditionalVersionWeights: {} } : values.weight ? parseWeight(values.weight) : undefined;
  switch (sub) {
    case 'create': {
      if (!values.version) throw new CliError('aliases create needs a version', 'no --version given', 'pass --version with a published version number or $LATEST');
      const out = await client.send(new CreateAliasCommand({ FunctionName: fn, Name: needAlias(), FunctionVersion: values.version, Description: values.description, RoutingConfig: routing }));
      print(`✔ ${out.AliasArn} → ${describeRouting(out)}`, stripMeta(out));
      return 0;
    }
    case 'update': {
      const out = await client.send(new UpdateAliasCommand({ FunctionName: fn, Name: needAlias(), FunctionVersion: values.version, Description: values.description, RoutingConfig: routing }));
      print(`✔ ${out.AliasArn} → ${describeRouting(out)}`, stripMeta(out));
      return 0;
    }
    case 'get': {
      const out = await client.send(new GetAliasCommand({ FunctionName: fn, Name: needAlias() }));
      print(details([['Alias', out.Name], ['ARN', out.AliasArn], ['Routes', describeRouting(out)], ['Description', out.Description], ['Revision', out.RevisionId]]), stripMeta(out));
      return 0;
    }
    case 'list': {
      const all: AliasConfiguration[] = [];
      for await (const page of paginateListAliases({ client }, { FunctionName: fn, FunctionVersion: values.version })) all.push(...(page.Aliases ?? []));
      if (cfg.json) print('', all);
      else if (all.length === 0) console.log(`No aliases on ${fn}. Create one with \`stratus aliases create ${fn} live --version 1\`.`);
      else console.log(table(['ALIAS', 'ROUTES', 'DESCRIPTION'], all.map((a) => [a.Name!, describeRouting(a), a.Description ?? ''])));
      return 0;
    }
    case 'delete': {
      await client.send(new DeleteAliasCommand({ FunctionName: fn, Name: needAlias() }));
      print(`✔ deleted alias ${fn}:${alias}`, { deleted: `${fn}:${alias}` });
      return 0;
    }
    default:
      throw new CliError(`unknown subcommand 'aliases ${sub}'`, 'expected create, update, get, list or delete', 'run `stratus aliases --help`');
  }
}

/** `version 3` or `version 3 (90%) + version 4 (10%)`. */
export function describeRouting(a: AliasConfiguration): string {
  const extra = Object.entries(a.RoutingConfig?.AdditionalVersionWeights ?? {})[0];
  if (!extra) return `version ${a.FunctionVersion}`;
  const pct = (w: number) => `${Math.round(w * 1000) / 10}%`;
  return `version ${a.FunctionVersion} (${pct(1 - extra[1])}) + version ${extra[0]} (${pct(extra[1])})`;
}

function parseWeight(v: string): { AdditionalVersionWeights: Record<string, number> } {
  const m = /^(\d+)=([0-9.]+)$/.exec(v);
  if (!m) throw new CliError('--weight takes VERSION=WEIGHT', `got '${v}'`, 'for example --weight 4=0.1 sends 10% to version 4');
  return { AdditionalVersionWeights: { [m[1]!]: Number(m[2]) } };
}

/** `stratus functions create|update-code|update-config|get|list|delete`. */
import {
  CreateFunctionCommand, DeleteFunctionCommand, GetFunctionCommand, paginateListFunctions,
  UpdateFunctionCodeCommand, UpdateFunctionConfigurationCommand, type FunctionConfiguration,
} from '@aws-sdk/client-lambda';
import { parseArgs } from 'node:util';
import { loadClientConfig } from '../config/client.js';
import { CLIENT_OPTIONS, lambdaClient } from './client.js';
import { CliError, details, printer, stripMeta, subcommandHelp, table } from './output.js';
import { codeZip } from './zipdir.js';

const CONFIG_OPTIONS = {
  runtime: { type: 'string' },
  handler: { type: 'string' },
  role: { type: 'string' },
  description: { type: 'string' },
  memory: { type: 'string' },
  timeout: { type: 'string' },
  'ephemeral-storage': { type: 'string' },
  env: { type: 'string', multiple: true },
  'log-format': { type: 'string' },
  layer: { type: 'string', multiple: true },
} as const;

const HELP = `Usage:
  stratus functions create <name> --code DIR|ZIP --runtime ID --handler H [config options]
  stratus functions update-code <name> --code DIR|ZIP
  stratus functions update-config <name> [config options]
  stratus functions get <name>
  stratus functions list
  stratus functions delete <name>

Config options: --runtime ID  --handler H  --role ARN  --description TEXT  --memory MB
                --timeout SECONDS  --ephemeral-storage MB  --env KEY=VALUE (repeatable)  --log-format Text|JSON
                --layer LAYER_VERSION_ARN (repeatable, in order; update-config --layer none removes them all)
Client options: --endpoint URL  --region R  --data-dir D  --json`;

const DEFAULT_ROLE = (account = '000000000000') => `arn:aws:iam::${account}:role/stratus-function`;

export async function functionsCommand(args: string[], env: Record<string, string | undefined>): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    options: { ...CLIENT_OPTIONS, ...CONFIG_OPTIONS, code: { type: 'string' } },
    allowPositionals: true,
  });
  const helped = subcommandHelp(HELP, sub, values.help);
  if (helped !== undefined) return helped;
  const cfg = loadClientConfig(values, env);
  const client = lambdaClient(cfg);
  const name = positionals[0];
  const needName = () => {
    if (!name) throw new CliError(`functions ${sub} needs a function name`, `usage: stratus functions ${sub} <name>`, 'run `stratus functions --help`');
    return name;
  };
  const print = printer(cfg.json);

  switch (sub) {
    case 'create': {
      const fn = needName();
      if (!values.code) throw new CliError('functions create needs the code', 'no --code given', 'pass --code with a folder or a .zip');
      const out = await client.send(
        new CreateFunctionCommand({
          FunctionName: fn,
          Role: values.role ?? DEFAULT_ROLE(),
          Code: { ZipFile: await codeZip(values.code) },
          ...configInput(values),
        }),
      );
      print(`✔ created ${out.FunctionName} (${out.Runtime}, ${out.CodeSize} bytes, sha256 ${out.CodeSha256})`, stripMeta(out));
      return 0;
    }
    case 'update-code': {
      const fn = needName();
      if (!values.code) throw new CliError('functions update-code needs the code', 'no --code given', 'pass --code with a folder or a .zip');
      const out = await client.send(new UpdateFunctionCodeCommand({ FunctionName: fn, ZipFile: await codeZip(values.code) }));
      print(`✔ updated the code of ${out.FunctionName} (${out.CodeSize} bytes, sha256 ${out.CodeSha256})`, stripMeta(out));
      return 0;
    }
    case 'update-config': {
      const fn = needName();
      const input = configInput(values);
      if (Object.keys(input).length === 0 && !values.role)
        throw new CliError('nothing to update', 'no configuration option given', 'pass at least one of --memory, --timeout, --env, --handler, --layer, …');
      const out = await client.send(new UpdateFunctionConfigurationCommand({ FunctionName: fn, ...input, ...(values.role ? { Role: values.role } : {}) }));
      print(`✔ updated the configuration of ${out.FunctionName}`, stripMeta(out));
      return 0;
    }
    case 'get': {
      const out = await client.send(new GetFunctionCommand({ FunctionName: needName() }));
      const c = out.Configuration!;
      print(
        details([
          ['Name', c.FunctionName], ['ARN', c.FunctionArn], ['Runtime', c.Runtime], ['Handler', c.Handler],
          ['Memory', `${c.MemorySize} MB`], ['Timeout', `${c.Timeout} s`], ['Ephemeral', `${c.EphemeralStorage?.Size} MB`],
          ['State', `${c.State}${c.LastUpdateStatus ? ` / ${c.LastUpdateStatus}` : ''}`], ['Code', `${c.CodeSize} bytes, sha256 ${c.CodeSha256}`],
          ['Modified', c.LastModified], ['Description', c.Description], ['Environment', c.Environment?.Variables],
          ['Layers', c.Layers?.map((l) => l.Arn).join(', ')],
          ['Tags', out.Tags], ['Download', out.Code?.Location],
        ]),
        stripMeta(out),
      );
      return 0;
    }
    case 'list': {
      const all: FunctionConfiguration[] = [];
      for await (const page of paginateListFunctions({ client }, {})) all.push(...(page.Functions ?? []));
      if (cfg.json) print('', all);
      else if (all.length === 0) console.log('No functions yet. Create one with `stratus functions create <name> --code DIR --runtime nodejs20.x --handler index.handler`.');
      else console.log(table(['NAME', 'RUNTIME', 'MEMORY', 'TIMEOUT', 'CODE SIZE', 'LAST MODIFIED'], all.map((f) => [f.FunctionName!, f.Runtime ?? '', `${f.MemorySize} MB`, `${f.Timeout} s`, f.CodeSize ?? 0, f.LastModified ?? ''])));
      return 0;
    }
    case 'delete': {
      const fn = needName();
      await client.send(new DeleteFunctionCommand({ FunctionName: fn }));
      print(`✔ deleted ${fn}`, { deleted: fn });
      return 0;
    }
    default:
      throw new CliError(`unknown subcommand 'functions ${sub}'`, 'expected create, update-code, update-config, get, list or delete', 'run `stratus functions --help`');
  }
}

function num(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new CliError(`--${flag} must be a whole number`, `got '${v}'`);
  return n;
}

function configInput(v: Record<string, unknown>) {
  const s = (k: string) => v[k] as string | undefined;
  const out: Record<string, unknown> = {};
  if (s('runtime')) out.Runtime = s('runtime');
  if (s('handler')) out.Handler = s('handler');
  if (s('description') !== undefined) out.Description = s('description');
  if (s('memory')) out.MemorySize = num(s('memory'), 'memory');
  if (s('timeout')) out.Timeout = num(s('timeout'), 'timeout');
  if (s('ephemeral-storage')) out.EphemeralStorage = { Size: num(s('ephemeral-storage'), 'ephemeral-storage') };
  if (s('log-format')) out.LoggingConfig = { LogFormat: s('log-format') };
  const layers = v.layer as string[] | undefined;
  if (layers) out.Layers = layers.length === 1 && layers[0] === 'none' ? [] : layers;
  const envs = v.env as string[] | undefined;
  if (envs) {
    const Variables: Record<string, string> = {};
    for (const kv of envs) {
      const eq = kv.indexOf('=');
      if (eq < 1) throw new CliError('--env takes KEY=VALUE', `got '${kv}'`);
      Variables[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
    out.Environment = { Variables };
  }
  return out;
}

/** `stratus urls create|get|list|delete`: function URLs, printed so they can be curled. */
import {
  AddPermissionCommand, CreateFunctionUrlConfigCommand, DeleteFunctionUrlConfigCommand, GetFunctionUrlConfigCommand,
  ListFunctionUrlConfigsCommand, paginateListFunctions, type Cors, type FunctionUrlConfig, type LambdaClient,
} from '@aws-sdk/client-lambda';
import { parseArgs } from 'node:util';
import { loadClientConfig, type ClientConfig } from '../config/client.js';
import { CLIENT_OPTIONS, lambdaClient } from './client.js';
import { CliError, details, subcommandHelp, table } from './output.js';

const HELP = `Usage:
  stratus urls create <function> [--auth none|iam] [--alias A] [--cors-origin O]... [--cors-method M]...
                      [--cors-header H]... [--cors-expose H]... [--cors-max-age S] [--cors-credentials]
                      [--invoke-mode BUFFERED|RESPONSE_STREAM]
  stratus urls get <function> [--alias A]
  stratus urls list [<function>]
  stratus urls delete <function> [--alias A]

--auth none (the default) makes the URL public: like the AWS console, it also adds the two resource-policy
statements AWS requires for that: FunctionURLAllowPublicAccess (lambda:InvokeFunctionUrl for Principal *)
and FunctionURLInvokeAllowPublicAccess (lambda:InvokeFunction, only through the URL). --auth iam requires
requests signed with SigV4 (service lambda) by the server's key, e.g. curl --aws-sigv4.
Client options: --endpoint URL  --region R  --data-dir D  --json`;

/** The statement ids the AWS console gives the two public permissions of an AuthType NONE URL. */
export const PUBLIC_SID = 'FunctionURLAllowPublicAccess';
export const PUBLIC_INVOKE_SID = 'FunctionURLInvokeAllowPublicAccess';

export async function urlsCommand(args: string[], env: Record<string, string | undefined>): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    options: {
      ...CLIENT_OPTIONS,
      auth: { type: 'string' },
      alias: { type: 'string' },
      'cors-origin': { type: 'string', multiple: true },
      'cors-method': { type: 'string', multiple: true },
      'cors-header': { type: 'string', multiple: true },
      'cors-expose': { type: 'string', multiple: true },
      'cors-max-age': { type: 'string' },
      'cors-credentials': { type: 'boolean' },
      'invoke-mode': { type: 'string' },
    },
    allowPositionals: true,
  });
  const helped = subcommandHelp(HELP, sub, values.help);
  if (helped !== undefined) return helped;
  const cfg = loadClientConfig(values, env);
  const client = lambdaClient(cfg);
  const name = positionals[0];
  const needName = () => {
    if (!name) throw new CliError(`urls ${sub} needs a function name`, `usage: stratus urls ${sub} <function>`, 'run `stratus urls --help`');
    return name;
  };
  const target = () => ({ FunctionName: needName(), Qualifier: values.alias });

  switch (sub) {
    case 'create': {
      const auth = (values.auth ?? 'none').toLowerCase();
      if (auth !== 'none' && auth !== 'iam') throw new CliError('--auth takes none or iam', `got '${values.auth}'`);
      const AuthType = auth === 'none' ? 'NONE' : 'AWS_IAM';
      const out = await client.send(new CreateFunctionUrlConfigCommand({
        ...target(), AuthType, Cors: corsFrom(values), InvokeMode: values['invoke-mode'] as 'BUFFERED' | 'RESPONSE_STREAM' | undefined,
      }));
      if (AuthType === 'NONE') await allowPublic(client, needName(), values.alias);
      const { $metadata: _, ...shape } = out;
      if (cfg.json) console.log(JSON.stringify(shape, null, 2));
      else console.log(`✔ created a function URL for ${needName()}${values.alias ? `:${values.alias}` : ''} (${describeAuth(AuthType)})\n${howToCall(out, cfg)}`);
      return 0;
    }
    case 'get': {
      const { $metadata: _, ...out } = await client.send(new GetFunctionUrlConfigCommand(target()));
      if (cfg.json) console.log(JSON.stringify(out, null, 2));
      else {
        console.log(details([
          ['URL', out.FunctionUrl], ['Function', out.FunctionArn], ['Auth', out.AuthType], ['Invoke mode', out.InvokeMode],
          ['CORS', out.Cors], ['Created', out.CreationTime], ['Modified', out.LastModifiedTime],
        ]));
        console.log(`\n${howToCall(out, cfg)}`);
      }
      return 0;
    }
    case 'list': {
      const names = name ? [name] : await allFunctionNames(client);
      const all: FunctionUrlConfig[] = [];
      for (const fn of names) all.push(...((await client.send(new ListFunctionUrlConfigsCommand({ FunctionName: fn }))).FunctionUrlConfigs ?? []));
      if (cfg.json) console.log(JSON.stringify(all, null, 2));
      else if (all.length === 0) console.log('No function URLs yet. Create one with `stratus urls create <function> --auth none`.');
      else console.log(table(['FUNCTION', 'AUTH', 'URL'], all.map((u) => [u.FunctionArn!.split(':function:')[1]!, u.AuthType!, u.FunctionUrl!])));
      return 0;
    }
    case 'delete': {
      await client.send(new DeleteFunctionUrlConfigCommand(target()));
      const label = `${needName()}${values.alias ? `:${values.alias}` : ''}`;
      // As on AWS, the public permission stays: it is part of the function's policy, not of the URL.
      if (cfg.json) console.log(JSON.stringify({ deleted: label }));
      else console.log(`✔ deleted the function URL of ${label}\n  its resource policy is unchanged: see \`stratus permissions list ${needName()}\``);
      return 0;
    }
    default:
      throw new CliError(`unknown subcommand 'urls ${sub}'`, 'expected create, get, list or delete', 'run `stratus urls --help`');
  }
}

function corsFrom(v: Record<string, unknown>): Cors | undefined {
  const cors: Cors = {};
  if (v['cors-origin']) cors.AllowOrigins = v['cors-origin'] as string[];
  if (v['cors-method']) cors.AllowMethods = v['cors-method'] as string[];
  if (v['cors-header']) cors.AllowHeaders = v['cors-header'] as string[];
  if (v['cors-expose']) cors.ExposeHeaders = v['cors-expose'] as string[];
  if (v['cors-credentials']) cors.AllowCredentials = true;
  if (v['cors-max-age'] !== undefined) {
    const n = Number(v['cors-max-age']);
    if (!Number.isInteger(n)) throw new CliError('--cors-max-age must be a whole number of seconds', `got '${v['cors-max-age'] as string}'`);
    cors.MaxAge = n;
  }
  return Object.keys(cors).length ? cors : undefined;
}

/** Add the console's two public statements, those the function does not have yet. */
async function allowPublic(client: LambdaClient, fn: string, alias: string | undefined): Promise<void> {
  const statements = [
    { StatementId: PUBLIC_SID, Action: 'lambda:InvokeFunctionUrl', FunctionUrlAuthType: 'NONE' as const },
    { StatementId: PUBLIC_INVOKE_SID, Action: 'lambda:InvokeFunction', InvokedViaFunctionUrl: true },
  ];
  for (const s of statements) {
    try {
      await client.send(new AddPermissionCommand({ FunctionName: fn, Qualifier: alias, Principal: '*', ...s }));
    } catch (err) {
      if ((err as { name?: string }).name !== 'ResourceConflictException') throw err;
    }
  }
}

async function allFunctionNames(client: LambdaClient): Promise<string[]> {
  const names: string[] = [];
  for await (const page of paginateListFunctions({ client }, {})) names.push(...(page.Functions ?? []).map((f) => f.FunctionName!));
  return names;
}

const describeAuth = (a: string | undefined) => (a === 'NONE' ? 'auth NONE: public' : 'auth AWS_IAM: SigV4-signed requests only');

/** The URL, the path form for clients that cannot resolve *.localhost, and a curl line. */
function howToCall(u: { FunctionUrl?: string; AuthType?: string }, cfg: ClientConfig): string {
  const url = new URL(u.FunctionUrl!);
  const id = url.hostname.split('.')[0]!;
  const endpoint = new URL(cfg.endpoint);
  const pathForm = `http://${endpoint.hostname}:${url.port}/_stratus/url/${id}/`;
  const sign = u.AuthType === 'AWS_IAM' ? ` --aws-sigv4 "aws:amz:${cfg.region}:lambda" --user "$STRATUS_ACCESS_KEY_ID:$STRATUS_SECRET_ACCESS_KEY"` : '';
  return [
    `  ${u.FunctionUrl}`,
    `  path form (any client): ${pathForm}`,
    `  try: curl${sign} ${u.FunctionUrl}`,
  ].join('\n');
}

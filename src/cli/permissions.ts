/** `stratus permissions add|list|remove`: a function's resource-based policy (AddPermission / GetPolicy / RemovePermission). */
import { AddPermissionCommand, GetPolicyCommand, RemovePermissionCommand, type FunctionUrlAuthType } from '@aws-sdk/client-lambda';
import { parseArgs } from 'node:util';
import { loadClientConfig } from '../config/client.js';
import { CLIENT_OPTIONS, lambdaClient } from './client.js';
import { CliError, subcommandHelp, table } from './output.js';

const HELP = `Usage:
  stratus permissions add <function> --statement-id SID --action ACTION --principal P
                          [--source-arn ARN] [--source-account ID] [--url-auth-type NONE|AWS_IAM]
                          [--invoked-via-function-url] [--qualifier Q] [--revision-id R]
  stratus permissions list <function> [--qualifier Q]
  stratus permissions remove <function> <statement-id> [--qualifier Q] [--revision-id R]

Principal: * (anyone), an account id, an IAM ARN, or a service (s3.amazonaws.com).
Example, the two statements \`stratus urls create --auth none\` adds (AWS requires both for a public URL):
  stratus permissions add fn --statement-id FunctionURLAllowPublicAccess --action lambda:InvokeFunctionUrl --principal '*' --url-auth-type NONE
  stratus permissions add fn --statement-id FunctionURLInvokeAllowPublicAccess --action lambda:InvokeFunction --principal '*' --invoked-via-function-url
Client options: --endpoint URL  --region R  --data-dir D  --json`;

export async function permissionsCommand(args: string[], env: Record<string, string | undefined>): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    options: {
      ...CLIENT_OPTIONS,
      'statement-id': { type: 'string' },
      action: { type: 'string' },
      principal: { type: 'string' },
      'source-arn': { type: 'string' },
      'source-account': { type: 'string' },
      'url-auth-type': { type: 'string' },
      'invoked-via-function-url': { type: 'boolean' },
      qualifier: { type: 'string' },
      'revision-id': { type: 'string' },
    },
    allowPositionals: true,
  });
  const helped = subcommandHelp(HELP, sub, values.help);
  if (helped !== undefined) return helped;
  const cfg = loadClientConfig(values, env);
  const client = lambdaClient(cfg);
  const fn = positionals[0];
  if (!fn) throw new CliError(`permissions ${sub} needs a function name`, `usage: stratus permissions ${sub} <function>`, 'run `stratus permissions --help`');

  switch (sub) {
    case 'add': {
      for (const k of ['statement-id', 'action', 'principal'] as const)
        if (!values[k]) throw new CliError(`permissions add needs --${k}`, `no --${k} given`, 'run `stratus permissions --help` for an example');
      const out = await client.send(new AddPermissionCommand({
        FunctionName: fn, Qualifier: values.qualifier, StatementId: values['statement-id'], Action: values.action, Principal: values.principal,
        SourceArn: values['source-arn'], SourceAccount: values['source-account'], RevisionId: values['revision-id'],
        FunctionUrlAuthType: values['url-auth-type'] as FunctionUrlAuthType | undefined,
        InvokedViaFunctionUrl: values['invoked-via-function-url'],
      }));
      const statement = JSON.parse(out.Statement!);
      if (cfg.json) console.log(JSON.stringify(statement, null, 2));
      else console.log(`✔ added statement ${statement.Sid} to the policy of ${fn}${values.qualifier ? `:${values.qualifier}` : ''}\n  ${out.Statement}`);
      return 0;
    }
    case 'list': {
      let policy: { Statement: Record<string, unknown>[] } = { Statement: [] };
      let revisionId: string | undefined;
      try {
        const out = await client.send(new GetPolicyCommand({ FunctionName: fn, Qualifier: values.qualifier }));
        policy = JSON.parse(out.Policy!);
        revisionId = out.RevisionId;
      } catch (err) {
        // AWS answers "no policy" with ResourceNotFoundException; a missing function is told apart by the message.
        if ((err as { name?: string }).name !== 'ResourceNotFoundException') throw err;
      }
      if (cfg.json) console.log(JSON.stringify({ Policy: policy, RevisionId: revisionId }, null, 2));
      else if (policy.Statement.length === 0) console.log(`No resource policy on ${fn} (or no such function). Add a statement with \`stratus permissions add\`.`);
      else {
        const cell = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
        console.log(table(['SID', 'PRINCIPAL', 'ACTION', 'CONDITION'], policy.Statement.map((s) => [cell(s.Sid), cell(s.Principal), cell(s.Action), s.Condition ? cell(s.Condition) : ''])));
        console.log(`\nrevision ${revisionId}`);
      }
      return 0;
    }
    case 'remove': {
      const sid = positionals[1];
      if (!sid) throw new CliError('permissions remove needs a statement id', 'usage: stratus permissions remove <function> <statement-id>', 'see the ids with `stratus permissions list <function>`');
      await client.send(new RemovePermissionCommand({ FunctionName: fn, StatementId: sid, Qualifier: values.qualifier, RevisionId: values['revision-id'] }));
      if (cfg.json) console.log(JSON.stringify({ removed: sid }));
      else console.log(`✔ removed statement ${sid} from the policy of ${fn}${values.qualifier ? `:${values.qualifier}` : ''}`);
      return 0;
    }
    default:
      throw new CliError(`unknown subcommand 'permissions ${sub}'`, 'expected add, list or remove', 'run `stratus permissions --help`');
  }
}

/** `stratus invoke <function>`: run it once and print what it returned (and its log with --log). */
import { InvokeCommand, type InvocationType } from '@aws-sdk/client-lambda';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadClientConfig } from '../config/client.js';
import { CLIENT_OPTIONS, lambdaClient } from './client.js';
import { CliError } from './output.js';

const HELP = `Usage: stratus invoke <function> [--payload JSON | --payload-file FILE] [--qualifier Q]
                      [--type RequestResponse|Event|DryRun] [--stream] [--log] [--json]

Prints the function's response. --log also prints the last 4 KB of its log.
--stream uses InvokeWithResponseStream: a streaming function's response is printed as it is
written (docs/streaming.md).
Exits 1 when the function failed (its error is printed as the response, as Lambda returns it).`;

export async function invokeCommand(args: string[], env: Record<string, string | undefined>): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { ...CLIENT_OPTIONS, payload: { type: 'string' }, 'payload-file': { type: 'string' }, qualifier: { type: 'string' }, type: { type: 'string' }, log: { type: 'boolean' }, stream: { type: 'boolean' } },
    allowPositionals: true,
  });
  if (values.help) return (console.log(HELP), 0);
  const name = positionals[0];
  if (!name) throw new CliError('invoke needs a function name', 'usage: stratus invoke <function> [--payload JSON]', 'run `stratus invoke --help`');
  let payload = values.payload ?? '{}';
  if (values['payload-file']) {
    try {
      payload = readFileSync(values['payload-file'], 'utf8');
    } catch (err) {
      throw new CliError(`cannot read ${values['payload-file']}`, (err as Error).message);
    }
  }
  const cfg = loadClientConfig(values, env);
  if (values.stream) {
    const { invokeStreaming } = await import('./invoke-stream.js');
    return invokeStreaming(cfg, { name, qualifier: values.qualifier, type: values.type, log: values.log ?? false, payload });
  }
  const out = await lambdaClient(cfg).send(
    new InvokeCommand({
      FunctionName: name,
      Qualifier: values.qualifier,
      InvocationType: values.type as InvocationType | undefined,
      LogType: values.log ? 'Tail' : 'None',
      Payload: Buffer.from(payload),
    }),
  );
  const body = out.Payload ? Buffer.from(out.Payload).toString('utf8') : '';
  const log = out.LogResult ? Buffer.from(out.LogResult, 'base64').toString('utf8') : undefined;
  if (cfg.json) {
    let parsed: unknown = body;
    try {
      parsed = body ? JSON.parse(body) : null;
    } catch {
      /* not JSON: keep the text */
    }
    console.log(JSON.stringify({ StatusCode: out.StatusCode, FunctionError: out.FunctionError, ExecutedVersion: out.ExecutedVersion, Payload: parsed, Log: log }, null, 2));
  } else {
    if (out.StatusCode === 202) console.log('✔ accepted (Event): the function runs in the background; see `stratus logs`');
    else if (out.StatusCode === 204) console.log('✔ dry run: the function exists and may be invoked');
    else console.log(body);
    if (log) console.log(`\n--- log (last 4 KB) ---\n${log.trimEnd()}`);
    if (out.FunctionError) console.error(`✘ the function failed (${out.FunctionError}): its error is printed above`);
  }
  return out.FunctionError ? 1 : 0;
}

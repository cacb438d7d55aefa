/** `stratus invoke <function> --stream`: InvokeWithResponseStream, printing the response as it arrives. */
import { InvokeWithResponseStreamCommand } from '@aws-sdk/client-lambda';
import type { ClientConfig } from '../config/client.js';
import { lambdaClient } from './client.js';
import { CliError } from './output.js';

export interface StreamInvokeOptions {
  name: string;
  qualifier?: string;
  type?: string;
  log: boolean;
  payload: string;
}

/** Runs the invocation; returns the exit code (1 when the function failed). */
export async function invokeStreaming(cfg: ClientConfig, o: StreamInvokeOptions): Promise<number> {
  if (o.type !== undefined && o.type !== 'RequestResponse' && o.type !== 'DryRun')
    throw new CliError(`--stream cannot be used with --type ${o.type}`, 'a streamed response needs a caller that waits for it', 'use --type RequestResponse (the default) or DryRun');
  const out = await lambdaClient(cfg).send(
    new InvokeWithResponseStreamCommand({
      FunctionName: o.name,
      Qualifier: o.qualifier,
      InvocationType: o.type as 'RequestResponse' | 'DryRun' | undefined,
      LogType: o.log ? 'Tail' : 'None',
      Payload: Buffer.from(o.payload),
    }),
  );
  if (out.StatusCode === 204) {
    console.log(cfg.json ? JSON.stringify({ StatusCode: 204 }) : '✔ dry run: the function exists and may be invoked');
    return 0;
  }
  const chunks: Buffer[] = [];
  let complete: { ErrorCode?: string; ErrorDetails?: string; LogResult?: string } = {};
  for await (const ev of out.EventStream ?? []) {
    if (ev.PayloadChunk?.Payload) {
      const bytes = Buffer.from(ev.PayloadChunk.Payload);
      // Human output goes out as it comes: that is the point of streaming.
      if (cfg.json) chunks.push(bytes);
      else process.stdout.write(bytes);
    }
    if (ev.InvokeComplete) complete = ev.InvokeComplete;
  }
  const log = complete.LogResult ? Buffer.from(complete.LogResult, 'base64').toString('utf8') : undefined;
  if (cfg.json) {
    console.log(JSON.stringify({
      StatusCode: out.StatusCode, ExecutedVersion: out.ExecutedVersion, ResponseStreamContentType: out.ResponseStreamContentType,
      Payload: Buffer.concat(chunks).toString('utf8'), ErrorCode: complete.ErrorCode, ErrorDetails: complete.ErrorDetails, Log: log,
    }, null, 2));
  } else {
    process.stdout.write('\n');
    if (log) console.log(`\n--- log (last 4 KB) ---\n${log.trimEnd()}`);
    if (complete.ErrorCode) console.error(`✘ the function failed (${complete.ErrorCode}): ${complete.ErrorDetails ?? ''}`);
  }
  return complete.ErrorCode ? 1 : 0;
}

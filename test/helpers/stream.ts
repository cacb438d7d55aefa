/** InvokeWithResponseStream through the real SDK, with each event's arrival time. */
import { InvokeWithResponseStreamCommand, type InvokeWithResponseStreamCommandOutput, type LambdaClient } from '@aws-sdk/client-lambda';

export interface Streamed {
  out: InvokeWithResponseStreamCommandOutput;
  chunks: { text: string; bytes: number; atMs: number }[];
  complete?: { ErrorCode?: string; ErrorDetails?: string; LogResult?: string };
  /** Milliseconds from sending the request until the response headers arrived. */
  headersMs: number;
  log: string;
}

/** InvokeWithResponseStream, reading the event stream and timing each event from the request's start. */
export async function streamInvoke(client: LambdaClient, name: string, payload: unknown = {}, extra: Record<string, unknown> = {}): Promise<Streamed> {
  const t0 = performance.now();
  const out = await client.send(new InvokeWithResponseStreamCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify(payload)), ...extra }));
  const headersMs = performance.now() - t0;
  const r: Streamed = { out, chunks: [], headersMs, log: '' };
  for await (const ev of out.EventStream!) {
    if (ev.PayloadChunk) {
      const p = ev.PayloadChunk.Payload ?? new Uint8Array();
      r.chunks.push({ text: Buffer.from(p).toString('utf8'), bytes: p.length, atMs: performance.now() - t0 });
    }
    if (ev.InvokeComplete) r.complete = ev.InvokeComplete;
  }
  if (r.complete?.LogResult) r.log = Buffer.from(r.complete.LogResult, 'base64').toString('utf8');
  return r;
}


/**
 * `node dist/bench/async.js`: asynchronous invocation throughput.
 *
 * - Accepted durably per second: wrk (one thread, c=BENCH_ASYNC_C, default 50) sends SigV4-signed
 *   `InvocationType: Event` invokes of a hello-world Node function for BENCH_SECONDS (default 10).
 *   Every 202 means the event was committed to SQLite with synchronous=FULL (fsynced) first;
 *   wrk fails the run on any other status.
 * - Completed per second: events accepted ÷ the time from the start of the load until the queue
 *   is empty again (`/_stratus/async/status`), with the dispatcher running alongside the load
 *   on the same 2 cores, as in real use.
 * The server runs as `stratus serve` with its defaults (bubblewrap sandbox, 32 async slots,
 * 8 per function); the function has 1,769 MB (one full vCPU in its sandbox).
 */
import { CreateFunctionCommand, InvokeCommand, LambdaClient, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ASYNC_STATUS_PATH, type AsyncStatus } from '../src/api/stratus/async.js';
import { stratusGet } from '../src/cli/stratus-api.js';
import { readCredentialsFile } from '../src/gateway/credentials.js';
import { requireWrk, startProcess, stop, wrk } from './lib.js';
import { zipOf } from './stratus.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_ASYNC_C ?? 50);
const BODY = '{"name":"bench"}';

async function main(): Promise<void> {
  requireWrk();
  const dataDir = mkdtempSync(join(tmpdir(), 'stratus-bench-async-'));
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  const { proc, match } = await startProcess(process.execPath, [join(ROOT, 'bin/stratus'), 'serve', '--port', '0', '--data-dir', dataDir], /listening on (http:\/\/[\d.:]+)/, env);
  try {
    const url = match[1]!;
    const keys = readCredentialsFile(join(dataDir, 'credentials'))!;
    const client = new LambdaClient({ endpoint: url, region: 'us-east-1', credentials: keys });
    const hello = await zipOf({ 'index.mjs': readFileSync(join(ROOT, 'bench/floors/handler.mjs'), 'utf8') });
    await client.send(new CreateFunctionCommand({ FunctionName: 'bench-async', Role: 'arn:aws:iam::000000000000:role/bench', Runtime: 'nodejs20.x', Handler: 'index.handler', Code: { ZipFile: hello }, MemorySize: 1769 }));
    await waitUntilFunctionActiveV2({ client, maxWaitTime: 10 }, { FunctionName: 'bench-async' });
    await client.send(new InvokeCommand({ FunctionName: 'bench-async', Payload: BODY }));

    const signer = new SignatureV4({ service: 'lambda', region: 'us-east-1', credentials: keys, sha256: Hash.bind(null, 'sha256') });
    const u = new URL(`${url}/2015-03-31/functions/bench-async/invocations`);
    const signed = await signer.sign({
      method: 'POST', protocol: 'http:', hostname: u.hostname, port: Number(u.port), path: u.pathname, query: {},
      headers: { host: u.host, 'content-type': 'application/octet-stream', 'x-amz-invocation-type': 'Event', 'content-length': String(BODY.length) }, body: BODY,
    } as never);
    const headers = { ...(signed as unknown as { headers: Record<string, string> }).headers };
    delete headers.host;
    delete headers['content-length'];

    const target = { endpoint: url, region: 'us-east-1', json: false, ...keys };
    const t0 = performance.now();
    const load = wrk(u.toString(), BODY, headers, CONNECTIONS, SECONDS);
    const loadEnd = performance.now();
    let accepted = 0;
    for (;;) {
      const st = await stratusGet<AsyncStatus>(target, ASYNC_STATUS_PATH);
      accepted = st.Accepted;
      if (!st.Functions.length) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const drained = performance.now();
    const result = {
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
      method: `wrk -t1 -c${CONNECTIONS} -d${SECONDS}s of signed Event invokes; completion = accepted / (load start → queue empty)`,
      acceptedPerSecond: Math.round(load.rps),
      acceptP50ms: load.p50,
      acceptP99ms: load.p99,
      accepted,
      completedPerSecond: Math.round(accepted / ((drained - t0) / 1000)),
      drainAfterLoadMs: Math.round(drained - loadEnd),
    };
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await stop(proc);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`✘ async benchmark failed\n  ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});

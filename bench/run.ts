/**
 * `npm run bench`: Stratus side by side with its floors in one run (these machines are noisy:
 * only figures taken together are compared). Prints a table, writes bench/results/<date>.json
 * and docs/benchmarks.md.
 *
 * Warm invoke: wrk, one thread, 2 s warm-up then BENCH_SECONDS (default 10) at c=1 and c=10,
 * against the inline floor, the one-hop floor and Stratus's Invoke API (a SigV4-signed request,
 * replayed: a signature stays valid for 5 minutes). Cold start: CreateFunction → Active → first
 * invoke answered, and REPORT's Init Duration, over BENCH_COLD (default 20) new functions each
 * for Node and Python.
 */
import { CreateFunctionCommand, InvokeCommand, LambdaClient, waitUntilFunctionActiveV2, type Runtime } from '@aws-sdk/client-lambda';
import { loadConfig } from '../src/config/config.js';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ZipFile } from 'yazl';
import { readCredentialsFile } from '../src/gateway/credentials.js';
import { percentile, requireWrk, startProcess, stop, wrk, type LoadResult } from './lib.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const COLD = Number(process.env.BENCH_COLD ?? 20);
const BODY = '{"name":"bench"}';
const WARM_MEMORY = 1769;
// The python3.x id this host runs (the system interpreter's version).
const PYTHON = Object.keys(loadConfig({}, {}).runtimes).find((r) => r.startsWith('python')) as Runtime;
const ROLE = 'arn:aws:iam::000000000000:role/bench';

async function zipOf(files: Record<string, string>): Promise<Buffer> {
  const z = new ZipFile();
  for (const [n, c] of Object.entries(files)) z.addBuffer(Buffer.from(c), n);
  z.end();
  const chunks: Buffer[] = [];
  for await (const c of z.outputStream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function load(url: string, headers: Record<string, string> | (() => Promise<Record<string, string>>)): Promise<Record<string, LoadResult>> {
  return (async () => {
    const out: Record<string, LoadResult> = {};
    for (const c of [1, 10]) {
      const h = typeof headers === 'function' ? await headers() : headers;
      wrk(url, BODY, h, c, 2); // warm-up (at c=10 this also starts the environments)
      out[`c${c}`] = wrk(url, BODY, typeof headers === 'function' ? await headers() : h, c, SECONDS);
      console.log(`  c=${c}: ${out[`c${c}`]!.rps.toFixed(0)} req/s, p50 ${out[`c${c}`]!.p50.toFixed(2)} ms, p99 ${out[`c${c}`]!.p99.toFixed(2)} ms`);
    }
    return out;
  })();
}

async function floor(file: string): Promise<Record<string, LoadResult>> {
  const { proc, match } = await startProcess(process.execPath, [join(ROOT, 'bench/floors', file)], /PORT (\d+)/);
  try {
    return await load(`http://127.0.0.1:${match[1]}/`, { 'content-type': 'application/json' });
  } finally {
    await stop(proc);
  }
}

async function main(): Promise<void> {
  requireWrk();
  const results: Record<string, unknown> = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memGB: Math.round(totalmem() / 2 ** 30), node: process.version },
    method: `wrk -t1, 2 s warm-up, ${SECONDS} s runs, c=1 and c=10; cold starts over ${COLD} new functions per runtime`,
  };
  console.log('floor: handler inline in node:http');
  results.inline = await floor('inline.mjs');
  console.log('floor: one keep-alive HTTP hop to a second process');
  results.hop = await floor('hop.mjs');

  for (const sandbox of ['bubblewrap', 'none'] as const) {
    const r = await measureStratus(sandbox);
    results[sandbox === 'none' ? 'stratusNone' : 'stratusInvoke'] = r.warm;
    (results.cold ??= {} as Record<string, unknown>) as Record<string, unknown>;
    (results.cold as Record<string, unknown>)[sandbox] = r.cold;
  }
  write(results);
}

/** One Stratus server with the given sandbox: warm invoke under wrk, then cold starts. */
async function measureStratus(sandbox: 'bubblewrap' | 'none'): Promise<{ warm: Record<string, LoadResult>; cold: Record<string, unknown> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'stratus-bench-data-'));
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  const { proc, match } = await startProcess(process.execPath, [join(ROOT, 'bin/stratus'), 'serve', '--port', '0', '--data-dir', dataDir, '--sandbox', sandbox], /listening on (http:\/\/[\d.:]+)/, env);
  try {
    const url = match[1]!;
    const keys = readCredentialsFile(join(dataDir, 'credentials'))!;
    const client = new LambdaClient({ endpoint: url, region: 'us-east-1', credentials: keys });
    const hello = await zipOf({ 'index.mjs': readFileSync(join(ROOT, 'bench/floors/handler.mjs'), 'utf8') });
    // 1,769 MB = one full vCPU in the sandbox, like the floors' single process; a 128 MB function
    // gets ~7% of a core, as on Lambda, which caps one environment at a few dozen invokes a second.
    await client.send(new CreateFunctionCommand({ FunctionName: 'bench-hello', Role: ROLE, Runtime: 'nodejs20.x', Handler: 'index.handler', Code: { ZipFile: hello }, MemorySize: WARM_MEMORY }));
    await waitUntilFunctionActiveV2({ client, maxWaitTime: 10 }, { FunctionName: 'bench-hello' });
    await client.send(new InvokeCommand({ FunctionName: 'bench-hello', Payload: BODY }));

    const signer = new SignatureV4({ service: 'lambda', region: 'us-east-1', credentials: keys, sha256: Hash.bind(null, 'sha256') });
    const u = new URL(`${url}/2015-03-31/functions/bench-hello/invocations`);
    const sign = async () => {
      const req = await signer.sign({
        method: 'POST', protocol: 'http:', hostname: u.hostname, port: Number(u.port), path: u.pathname, query: {},
        headers: { host: u.host, 'content-type': 'application/octet-stream', 'content-length': String(BODY.length) }, body: BODY,
      } as never);
      const h = { ...(req as unknown as { headers: Record<string, string> }).headers };
      delete h.host;
      delete h['content-length'];
      return h;
    };
    console.log(`stratus (--sandbox ${sandbox}): Invoke API (SigV4-signed), warm`);
    const warm = await load(u.toString(), sign);

    const cold: Record<string, unknown> = {};
    for (const [label, runtime, files, handler] of [
      ['node', 'nodejs20.x', { 'index.mjs': 'export const handler = async () => "hi";' }, 'index.handler'],
      ['python', PYTHON, { 'app.py': 'def handler(e, c):\n    return "hi"\n' }, 'app.handler'],
    ] as const) {
      const e2e: number[] = [];
      const init: number[] = [];
      const zip = await zipOf(files as Record<string, string>);
      for (let i = 0; i < COLD; i++) {
        const FunctionName = `cold-${label}-${i}`;
        await client.send(new CreateFunctionCommand({ FunctionName, Role: ROLE, Runtime: runtime, Handler: handler, Code: { ZipFile: zip } }));
        await waitUntilFunctionActiveV2({ client, maxWaitTime: 10 }, { FunctionName });
        const t0 = performance.now();
        const r = await client.send(new InvokeCommand({ FunctionName, LogType: 'Tail' }));
        e2e.push(performance.now() - t0);
        const m = /Init Duration: ([\d.]+) ms/.exec(Buffer.from(r.LogResult ?? '', 'base64').toString());
        if (m) init.push(Number(m[1]));
      }
      const stats = { e2eP50: percentile(e2e, 50), e2eP90: percentile(e2e, 90), initP50: percentile(init, 50), initP90: percentile(init, 90), n: e2e.length };
      cold[label] = stats;
      console.log(`  cold start ${label}: first invoke p50 ${stats.e2eP50.toFixed(1)} ms / p90 ${stats.e2eP90.toFixed(1)} ms; Init Duration p50 ${stats.initP50.toFixed(1)} / p90 ${stats.initP90.toFixed(1)} ms`);
    }
    return { warm, cold };
  } finally {
    await stop(proc);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function write(r: Record<string, any>): void {
  const day = r.date.slice(0, 10);
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, `bench/results/${day}.json`), JSON.stringify(r, null, 2) + '\n');
  const row = (name: string, x: Record<string, LoadResult>) =>
    `| ${name} | ${x.c1!.rps.toFixed(0)} | ${x.c1!.p50.toFixed(2)} / ${x.c1!.p99.toFixed(2)} | ${x.c10!.rps.toFixed(0)} | ${x.c10!.p50.toFixed(2)} / ${x.c10!.p99.toFixed(2)} |`;
  const over = (r.stratusInvoke.c1.p50 - r.inline.c1.p50).toFixed(2);
  const md = `# Benchmarks

Run with \`npm run bench\` on ${r.date} (${r.machine.cpus} cores, ${r.machine.cpu}, ${r.machine.memGB} GB, Node ${r.machine.node}).
Method: ${r.method}. The warm-invoke function has 1,769 MB (one full vCPU in the sandbox, as
on Lambda; the floors run on a full core too). The load generator shares the machine's cores; figures vary ±15% run to run, so
compare within one run, as ratios.

## Warm invoke, hello-world Node handler

| target | c=1 req/s | p50 / p99 ms | c=10 req/s | p50 / p99 ms |
|---|---|---|---|---|
${row('floor: handler inline in node:http', r.inline)}
${row('floor: one keep-alive HTTP hop to a second process', r.hop)}
${row('Stratus Invoke API (SigV4, bubblewrap sandbox)', r.stratusInvoke)}
${row('Stratus Invoke API (SigV4, --sandbox none)', r.stratusNone)}

Stratus adds **${over} ms** at p50 (c=1) over calling the handler inline; throughput at c=1 is
${(r.stratusInvoke.c1.rps / r.inline.c1.rps * 100).toFixed(0)}% of the inline floor and ${(r.stratusInvoke.c1.rps / r.hop.c1.rps * 100).toFixed(0)}% of the one-hop floor.

## Cold start (first invoke of a new function, no pre-warming)

| runtime, sandbox | CreateFunction → first response p50 / p90 ms | REPORT Init Duration p50 / p90 ms |
|---|---|---|
${['bubblewrap', 'none'].flatMap((sb) => ['node', 'python'].map((rt) => { const c = r.cold[sb][rt]; return `| ${rt === 'node' ? 'Node.js 20' : 'Python 3'}, ${sb} | ${c.e2eP50.toFixed(1)} / ${c.e2eP90.toFixed(1)} | ${c.initP50.toFixed(1)} / ${c.initP90.toFixed(1)} |`; })).join('\n')}

The sandbox (bubblewrap + cgroup) adds ${(r.cold.bubblewrap.node.e2eP50 - r.cold.none.node.e2eP50).toFixed(1)} ms (Node) and ${(r.cold.bubblewrap.python.e2eP50 - r.cold.none.python.e2eP50).toFixed(1)} ms (Python) to the first invoke at p50, and ${(r.stratusInvoke.c1.p50 - r.stratusNone.c1.p50).toFixed(2)} ms to a warm invoke's p50 (c=1).

For reference (not measured here): AWS Lambda Node.js 20 Init Duration ~142 ms, Python 3.13 ~102 ms
(maxday/lambda-perf, see ../shared/reference/baselines.md). The peer (serverless-offline 13) is not in
this run yet: it joins with the benchmark issue, as do function URLs, density and async figures.
`;
  writeFileSync(join(ROOT, 'docs/benchmarks.md'), md);
  console.log(`\nwrote bench/results/${day}.json and docs/benchmarks.md`);
}

main().catch((err) => {
  console.error(`✘ benchmark failed\n  ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});

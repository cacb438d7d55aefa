/** A Stratus server for the benchmark: started as `stratus serve`, with SDK client and signing helpers. */
import { AddPermissionCommand, CreateFunctionCommand, CreateFunctionUrlConfigCommand, InvokeCommand, LambdaClient, waitUntilFunctionActiveV2, type Runtime } from '@aws-sdk/client-lambda';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ZipFile } from 'yazl';
import { readCredentialsFile } from '../src/gateway/credentials.js';
import type { KeyPair } from '../src/gateway/credentials.js';
import { percentile, startProcess, stop } from './lib.js';

export const ROLE = 'arn:aws:iam::000000000000:role/bench';

export async function zipOf(files: Record<string, string>): Promise<Buffer> {
  const z = new ZipFile();
  for (const [n, c] of Object.entries(files)) z.addBuffer(Buffer.from(c), n);
  z.end();
  const chunks: Buffer[] = [];
  for await (const c of z.outputStream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export interface Stratus {
  url: string;
  proc: ChildProcess;
  keys: KeyPair;
  client: LambdaClient;
  /** SigV4 headers (without host / content-length) for a POST of `body` to `path`. */
  sign(path: string, body: string, extra?: Record<string, string>): Promise<Record<string, string>>;
  /** A signed GET of one of Stratus's own JSON endpoints; undefined on 404 (not on this build). */
  get<T>(path: string, query?: Record<string, string>): Promise<T | undefined>;
  createFunction(name: string, opts: { runtime?: Runtime; files: Record<string, string>; handler: string; memory?: number; timeout?: number }): Promise<void>;
  /** A public function URL (AuthType NONE plus the public permission); returns its path form. */
  publicUrl(name: string): Promise<string>;
  close(): Promise<void>;
}

/** The serve flags this build knows (`stratus serve --help`), so the bench can use newer ones when they exist. */
export function serveFlags(root: string): Set<string> {
  const r = spawnSync(process.execPath, [join(root, 'bin/stratus'), 'serve', '--help'], { encoding: 'utf8' });
  return new Set([...(r.stdout ?? '').matchAll(/--([a-z][a-z-]+)/g)].map((m) => m[1]!));
}

export async function startStratus(root: string, args: string[]): Promise<Stratus> {
  const dataDir = mkdtempSync(join(tmpdir(), 'stratus-bench-data-'));
  const env = { ...process.env };
  // The host sets it; a function environment must not inherit it (it costs ~60 ms per Node start).
  delete env.NODE_EXTRA_CA_CERTS;
  const { proc, match } = await startProcess(process.execPath, [join(root, 'bin/stratus'), 'serve', '--port', '0', '--data-dir', dataDir, ...args], /listening on (http:\/\/[\d.:]+)/, env);
  const url = match[1]!;
  const keys = readCredentialsFile(join(dataDir, 'credentials'))!;
  const client = new LambdaClient({ endpoint: url, region: 'us-east-1', credentials: keys, maxAttempts: 1 });
  const signer = new SignatureV4({ service: 'lambda', region: 'us-east-1', credentials: keys, sha256: Hash.bind(null, 'sha256') });
  const host = new URL(url);
  const signed = async (method: string, path: string, body: string | undefined, query: Record<string, string>, extra: Record<string, string>) => {
    const headers: Record<string, string> = { host: host.host, ...extra };
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    const req = await signer.sign({ method, protocol: 'http:', hostname: host.hostname, port: Number(host.port), path, query, headers, body } as never);
    const h = { ...(req as unknown as { headers: Record<string, string> }).headers };
    delete h.host;
    delete h['content-length'];
    return h;
  };
  return {
    url,
    proc,
    keys,
    client,
    sign: (path, body, extra = {}) => signed('POST', path, body, {}, { 'content-type': 'application/octet-stream', ...extra }),
    async get<T>(path: string, query: Record<string, string> = {}) {
      const qs = new URLSearchParams(query).toString();
      const res = await fetch(`${url}${path}${qs ? `?${qs}` : ''}`, { headers: await signed('GET', path, undefined, query, {}) });
      if (res.status === 404) return undefined;
      if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    },
    async createFunction(name, o) {
      await client.send(new CreateFunctionCommand({
        FunctionName: name, Role: ROLE, Runtime: o.runtime ?? 'nodejs20.x', Handler: o.handler, Code: { ZipFile: await zipOf(o.files) },
        MemorySize: o.memory ?? 128, Timeout: o.timeout ?? 3,
      }));
      await waitUntilFunctionActiveV2({ client, maxWaitTime: 30, minDelay: 1 }, { FunctionName: name });
    },
    async publicUrl(name) {
      const cfg = await client.send(new CreateFunctionUrlConfigCommand({ FunctionName: name, AuthType: 'NONE' }));
      // The two statements AWS requires for a public URL (an older server ignores the second's condition).
      await client.send(new AddPermissionCommand({
        FunctionName: name, StatementId: 'FunctionURLAllowPublicAccess', Action: 'lambda:InvokeFunctionUrl', Principal: '*', FunctionUrlAuthType: 'NONE',
      }));
      await client.send(new AddPermissionCommand({
        FunctionName: name, StatementId: 'FunctionURLInvokeAllowPublicAccess', Action: 'lambda:InvokeFunction', Principal: '*', InvokedViaFunctionUrl: true,
      }));
      const id = /^https?:\/\/([a-z0-9]+)\.lambda-url\./.exec(cfg.FunctionUrl!)?.[1];
      if (!id) throw new Error(`unexpected FunctionUrl ${cfg.FunctionUrl}`);
      return `${url}/_stratus/url/${id}/`;
    },
    async close() {
      client.destroy();
      await stop(proc);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface ColdStats {
  e2eP50: number;
  e2eP90: number;
  initP50: number;
  initP90: number;
  n: number;
}

/**
 * Cold starts: `count` new functions per runtime, one after the other; for each, the time from
 * CreateFunction's answer (then Active) to the first invoke's answer, and REPORT's Init Duration.
 */
export async function measureCold(
  s: Stratus,
  python: Runtime,
  count: number,
  prefix: string,
  opts: { prime?: number; gapMs?: number } = {},
): Promise<Record<string, ColdStats>> {
  const out: Record<string, ColdStats> = {};
  for (const [label, runtime, files, handler] of [
    ['node', 'nodejs20.x', { 'index.mjs': 'export const handler = async () => "hi";' }, 'index.handler'],
    ['python', python, { 'app.py': 'def handler(e, c):\n    return "hi"\n' }, 'app.handler'],
  ] as const) {
    const e2e: number[] = [];
    const init: number[] = [];
    const zip = await zipOf(files as Record<string, string>);
    // Unrecorded cold starts first (a pre-warmed pool sizes itself by the cold starts it sees).
    const prime = opts.prime ?? 0;
    for (let i = -prime; i < count; i++) {
      if (i >= 0 && opts.gapMs) await new Promise((r) => setTimeout(r, opts.gapMs));
      const FunctionName = `${prefix}-${label}-${i < 0 ? `prime${-i}` : i}`;
      await s.client.send(new CreateFunctionCommand({ FunctionName, Role: ROLE, Runtime: runtime, Handler: handler, Code: { ZipFile: zip } }));
      await waitUntilFunctionActiveV2({ client: s.client, maxWaitTime: 10, minDelay: 1 }, { FunctionName });
      const t0 = performance.now();
      const r = await s.client.send(new InvokeCommand({ FunctionName, LogType: 'Tail' }));
      const t = performance.now() - t0;
      if (r.FunctionError) throw new Error(`cold start of ${FunctionName} failed: ${Buffer.from(r.Payload ?? []).toString()}`);
      if (i < 0) continue;
      e2e.push(t);
      const m = /Init Duration: ([\d.]+) ms/.exec(Buffer.from(r.LogResult ?? '', 'base64').toString());
      if (m) init.push(Number(m[1]));
    }
    const stats = { e2eP50: percentile(e2e, 50), e2eP90: percentile(e2e, 90), initP50: percentile(init, 50), initP90: percentile(init, 90), n: e2e.length };
    out[label] = stats;
    console.log(`  cold start ${label}: first invoke p50 ${stats.e2eP50.toFixed(1)} ms / p90 ${stats.e2eP90.toFixed(1)} ms; Init Duration p50 ${stats.initP50.toFixed(1)} / p90 ${stats.initP90.toFixed(1)} ms (n=${stats.n})`);
  }
  return out;
}

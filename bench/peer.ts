/**
 * The peer: serverless-offline 13 on serverless 3, installed on demand into bench/peers/
 * (git-ignored, its own package.json: never part of the project's dependency tree, so `npm ci`
 * stays fast). Run as ../shared/reference/baselines.md describes; a fresh process per
 * measurement, because its RSS (and latency) grows with every request it serves.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, startProcess, stop, type LoadResult } from './lib.js';

export const PEER_PACKAGES = ['serverless@3', 'serverless-offline@13'];

export interface PeerInstall {
  dir: string;
  /** serverless and serverless-offline versions actually installed. */
  versions: string;
  /** Seconds the install took this time (0 when it was already there). */
  installSeconds: number;
}

const version = (dir: string, pkg: string): string | undefined => {
  try {
    return (JSON.parse(readFileSync(join(dir, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return undefined;
  }
};

/** Install the peer the first time; throws a readable reason when it cannot be installed. */
export function installPeer(root: string): PeerInstall {
  const dir = join(root, 'bench/peers');
  const svc = join(dir, 'svc');
  mkdirSync(svc, { recursive: true });
  let installSeconds = 0;
  if (!version(dir, 'serverless') || !version(dir, 'serverless-offline')) {
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'stratus-bench-peers', private: true, description: 'installed by npm run bench; not a project dependency' }, null, 2) + '\n');
    console.log(`installing the peer once: npm i ${PEER_PACKAGES.join(' ')} (into bench/peers/, ~1 min)`);
    const t0 = performance.now();
    const r = spawnSync('npm', ['i', '--no-audit', '--no-fund', '--loglevel=error', ...PEER_PACKAGES], { cwd: dir, encoding: 'utf8', timeout: 300_000 });
    installSeconds = (performance.now() - t0) / 1000;
    if (r.status !== 0 || !version(dir, 'serverless-offline')) throw new Error(`npm i ${PEER_PACKAGES.join(' ')} failed: ${(r.stderr || r.stdout || String(r.error)).trim().slice(-500)}`);
  }
  copyFileSync(join(root, 'bench/floors/handler.mjs'), join(svc, 'handler.mjs'));
  // The same handler as every other target, behind the Invoke API and an HTTP API event.
  writeFileSync(
    join(svc, 'serverless.yml'),
    `service: bench
frameworkVersion: '3'
provider:
  name: aws
  runtime: nodejs20.x
functions:
  hello:
    handler: handler.handler
    events:
      - httpApi:
          path: /hello
          method: post
plugins:
  - serverless-offline
custom:
  serverless-offline:
    host: 127.0.0.1
    noPrependStageInUrl: true
`,
  );
  return { dir, versions: `serverless ${version(dir, 'serverless')}, serverless-offline ${version(dir, 'serverless-offline')}`, installSeconds };
}

export type PeerMode = 'default' | 'inprocess';
export type PeerApi = 'invoke' | 'http';

/**
 * Start a fresh serverless-offline, warm it, and run `measure` against the chosen API's URL;
 * the process is stopped afterwards whatever happens.
 */
export async function withPeer<T>(peer: PeerInstall, mode: PeerMode, api: PeerApi, measure: (url: string) => Promise<T>): Promise<T> {
  const httpPort = await freePort();
  const lambdaPort = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', SLS_DEPRECATION_DISABLE: '*' };
  delete env.NODE_EXTRA_CA_CERTS;
  const args = [join(peer.dir, 'node_modules/serverless/bin/serverless.js'), 'offline', 'start', '--httpPort', String(httpPort), '--lambdaPort', String(lambdaPort)];
  if (mode === 'inprocess') args.push('--useInProcess');
  const { proc } = await startProcess(process.execPath, args, /Server ready:/, env, { cwd: join(peer.dir, 'svc'), timeoutMs: 60_000 });
  try {
    const url = api === 'invoke' ? `http://127.0.0.1:${lambdaPort}/2015-03-31/functions/bench-dev-hello/invocations` : `http://127.0.0.1:${httpPort}/hello`;
    const res = await fetch(url, { method: 'POST', body: '{"name":"bench"}', headers: { 'content-type': 'application/json' } });
    if (!res.ok) throw new Error(`serverless-offline answered ${res.status}: ${await res.text()}`);
    await res.text();
    return await measure(url);
  } finally {
    await stop(proc, 5000);
  }
}


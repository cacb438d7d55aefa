/**
 * `npm run bench`: Stratus side by side with its floors and its most used peer, in one run (these
 * machines are noisy: only figures taken together are compared). Prints the figures as it goes,
 * writes bench/results/<date>.json and docs/benchmarks.md (both generated, never edited by hand).
 *
 *   npm run bench                      the full run (~6-8 min on 2 cores; must stay under 10)
 *   npm run bench -- --quick           1 s points, few cold starts, a small density ramp: checks the
 *                                      harness in ~2 min; writes to the temp dir, not to docs/
 *   npm run bench -- --only peer,cold  some sections only (floors, peer, invoke, url, none, http, paired,
 *                                      cold, prewarmed, async, density); also writes to the temp dir
 *   node dist/bench/run.js --render bench/results/<date>.json
 *                                      docs/benchmarks.md again from a run's figures (wording changes)
 *
 * Warm invoke: wrk, one thread, BENCH_WARMUP s (default 2) of warm-up then BENCH_SECONDS (default 5)
 * at c=1 and c=10, against the inline floor, the one-hop floor, serverless-offline (four modes, a
 * fresh process per point), Stratus's Invoke API (a SigV4-signed request, replayed: a signature
 * stays valid for 5 minutes) and its function URL (public, path form).
 * Then the figures the ratio targets compare, again, in interleaved rounds (paired.ts).
 * Cold start: the spawn path, and the pre-warmed path once `stratus serve` has `--stem-cells`
 * (each on a server of its own, so one run measures both). Then density and async.
 */
import type { Runtime } from '@aws-sdk/client-lambda';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config/config.js';
import { measureAsync } from './async-rate.js';
import { measureDensity } from './density.js';
import { measurePaired } from './paired.js';
import { isSkipped, memInfo, requireWrk, startProcess, stop, wrk, type LoadResult } from './lib.js';
import { installPeer, withPeer, type PeerApi, type PeerInstall, type PeerMode } from './peer.js';
import { markdown, ratios, type ColdEntry, type Results, type WarmEntry } from './report.js';
import { measureCold, serveFlags, startStratus, type Stratus } from './stratus.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const argv = process.argv.slice(2);
const QUICK = argv.includes('--quick');
const onlyArg = argv.find((a) => a.startsWith('--only'));
const ONLY = onlyArg ? new Set((onlyArg.includes('=') ? onlyArg.split('=')[1]! : argv[argv.indexOf(onlyArg) + 1] ?? '').split(',')) : undefined;
const want = (section: string) => !ONLY || ONLY.has(section);

const WARMUP = Number(process.env.BENCH_WARMUP ?? (QUICK ? 1 : 2));
const SECONDS = Number(process.env.BENCH_SECONDS ?? (QUICK ? 1 : 5));
const COLD = Number(process.env.BENCH_COLD ?? (QUICK ? 3 : 20));
/** Interleaved rounds of the ratio targets' figures (paired.ts), and the length of each point. */
const PAIRED_ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const PAIRED_SECONDS = Number(process.env.BENCH_PAIRED_SECONDS ?? 2);
const BODY = '{"name":"bench"}';
/** 1,769 MB = one full vCPU in the sandbox (as on Lambda), like the floors' single process. */
const WARM_MEMORY = 1769;
// The python3.x id this host runs (the system interpreter's version).
const PYTHON = Object.keys(loadConfig({}, {}).runtimes).find((r) => r.startsWith('python')) as Runtime;
/**
 * The serve flag that switches the pre-warmed path (stem cells) on and off, once it exists. The
 * spawn-path servers pass `off`, a second server passes `on`: both paths in one run.
 */
const PREWARM_FLAG = 'stem-cells';
/**
 * The pre-warmed pool keeps as many ready runtimes as recent cold starts asked for, refilled one at
 * a time after each cold start: a few unrecorded cold starts size it, and a pause between measured
 * ones lets it refill (cold starts one right after another would otherwise measure the refill).
 */
const PREWARM_PRIME = 3;
const PREWARM_GAP_MS = 300;
const T0 = performance.now();
const elapsed = () => ((performance.now() - T0) / 1000).toFixed(0);
const say = (s: string) => console.log(`[${elapsed().padStart(3)} s] ${s}`);

const fmt = (x: LoadResult) => `${x.rps.toFixed(0)} req/s, p50 ${x.p50.toFixed(2)} ms, p99 ${x.p99.toFixed(2)} ms`;

/** One point: warm-up then the measurement, both with wrk. */
async function point(url: string, headers: () => Promise<Record<string, string>>, c: number, settle?: () => Promise<void>): Promise<LoadResult> {
  wrk(url, BODY, await headers(), c, WARMUP); // at c=10 this also starts the environments
  // wrk drops its connections at the end of the warm-up; what they started must finish first.
  await settle?.();
  const { rps, p50, p99 } = wrk(url, BODY, await headers(), c, SECONDS);
  console.log(`    c=${c}: ${fmt({ rps, p50, p99 })}`);
  return { rps, p50, p99 };
}

async function load(entry: WarmEntry, url: string, headers: () => Promise<Record<string, string>>, settle?: () => Promise<void>): Promise<WarmEntry> {
  say(entry.label);
  return { ...entry, c1: await point(url, headers, 1, settle), c10: await point(url, headers, 10, settle) };
}

/** Wait (at most 10 s) until no invocation of the function is running or starting. */
const settled = (s: Stratus, name: string) => async () => {
  for (let i = 0; i < 200; i++) {
    const m = await s.get<{ Versions: { inFlight: number }[]; Environments: { busy: number; starting: number }[] }>('/_stratus/metrics', { FunctionName: name });
    if (!m || (m.Versions.every((v) => v.inFlight === 0) && m.Environments.every((e) => e.busy === 0 && e.starting === 0))) return;
    await new Promise((r) => setTimeout(r, 50));
  }
};

const jsonHeaders = async () => ({ 'content-type': 'application/json' });

async function floor(label: string, file: string): Promise<WarmEntry> {
  const { proc, match } = await startProcess(process.execPath, [join(ROOT, 'bench/floors', file)], /PORT (\d+)/);
  try {
    return await load({ label }, `http://127.0.0.1:${match[1]}/`, jsonHeaders);
  } finally {
    await stop(proc);
  }
}

/** serverless-offline: a fresh process for every point (one per mode and API in quick mode). */
async function peerEntry(peer: PeerInstall, label: string, mode: PeerMode, api: PeerApi): Promise<WarmEntry> {
  say(label);
  if (QUICK) return withPeer(peer, mode, api, async (url) => ({ label, c1: await point(url, jsonHeaders, 1), c10: await point(url, jsonHeaders, 10) }));
  const c1 = await withPeer(peer, mode, api, (url) => point(url, jsonHeaders, 1));
  const c10 = await withPeer(peer, mode, api, (url) => point(url, jsonHeaders, 10));
  return { label, c1, c10 };
}

/** A section that fails is recorded and the run goes on. */
async function guarded<T>(what: string, notes: string[], fn: () => Promise<T>): Promise<T | { skipped: string }> {
  try {
    return await fn();
  } catch (err) {
    const msg = (err instanceof Error ? err.message : String(err)).split('\n').slice(0, 3).join(' ').slice(0, 400);
    console.log(`  ✘ ${what} skipped: ${msg}`);
    notes.push(`${what}: skipped (${msg})`);
    return { skipped: msg };
  }
}

async function helloOn(s: Stratus): Promise<void> {
  const { readFileSync } = await import('node:fs');
  await s.createFunction('bench-hello', { files: { 'index.mjs': readFileSync(join(ROOT, 'bench/floors/handler.mjs'), 'utf8') }, handler: 'index.handler', memory: WARM_MEMORY });
}

const invokeHeaders = (s: Stratus, name: string) => () => s.sign(`/2015-03-31/functions/${name}/invocations`, BODY);

/**
 * A fresh server's first seconds under load run several times slower than its steady state (its
 * p50 at c=1 falls from ~0.7 to ~0.3 ms over ~6 s here): load it before its first point, so that
 * point is not the only one to pay for it. The floors' processes are far lighter and settle within
 * their own warm-up.
 */
async function warmServer(s: Stratus): Promise<void> {
  if (QUICK) return;
  const url = `${s.url}/2015-03-31/functions/bench-hello/invocations`;
  const headers = await invokeHeaders(s, 'bench-hello')();
  wrk(url, BODY, headers, 10, 3);
  wrk(url, BODY, headers, 1, 3);
  await settled(s, 'bench-hello')();
}

async function main(): Promise<void> {
  requireWrk();
  const flags = serveFlags(ROOT);
  const stemCells = flags.has(PREWARM_FLAG);
  const notes: string[] = [];
  const r: Results = {
    schema: 2,
    date: new Date().toISOString(),
    quick: QUICK,
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memGB: Math.round(totalmem() / 2 ** 30), node: process.version, loadavgStart: loadavg() },
    method: {
      warm: `wrk 4.x, one thread, in its own process on the same cores; ${WARMUP} s warm-up then ${SECONDS} s at c=1 and at c=10; POST ${BODY}. Every target runs the same handler (bench/floors/handler.mjs). Stratus: the function has ${WARM_MEMORY} MB (one full vCPU in its sandbox, as on Lambda; the floors run on a full core too); Invoke API requests SigV4-signed (one signature replayed); function URL with AuthType NONE and the public permission, path form (/_stratus/url/<id>/). The Stratus servers for warm invokes run with --memory-budget = 4× RAM (a hello world uses ~40 MB of its ${WARM_MEMORY} MB; with the default budget only ~10 such environments fit); between warm-up and measurement the bench waits until nothing is running`,
      peer: `serverless-offline 13 on serverless 3, installed on demand into bench/peers/, ${QUICK ? 'one fresh process per mode and API (quick mode)' : 'a fresh process for every point (its RSS and latency grow with each request)'}; Invoke API at :lambdaPort/2015-03-31/functions/bench-dev-hello/invocations, HTTP event = an httpApi POST /hello; default mode (worker threads) and --useInProcess`,
      cold: `${COLD} new functions per runtime, one after another; the timer runs from the function being Active (one GetFunction after CreateFunction's answer) to the first Invoke's answer; Init Duration from REPORT (LogType Tail). Spawn path: servers with --${PREWARM_FLAG} off (when the flag exists). Pre-warmed path: a server of its own with --${PREWARM_FLAG} on, ${PREWARM_PRIME} unrecorded cold starts per runtime first (the pool sizes itself by demand), then ${PREWARM_GAP_MS} ms between measured ones so it can refill`,
    },
    warm: {},
    cold: {},
    notes,
  };
  const s0 = Date.now();
  let peerInstall: PeerInstall | undefined;

  // Floors and the peer first: Stratus's servers come after, each measured then stopped.
  if (want('floors')) {
    r.warm.inline = await floor('floor: handler inline in node:http', 'inline.mjs');
    r.warm.hop = await floor('floor: one keep-alive HTTP hop to a second process', 'hop.mjs');
  }

  if (want('peer')) {
    const labels: [string, PeerMode, PeerApi, string][] = [
      ['slsInvokeDefault', 'default', 'invoke', 'serverless-offline 13 (default, worker threads), Invoke API'],
      ['slsInvokeInProcess', 'inprocess', 'invoke', 'serverless-offline 13 (--useInProcess), Invoke API'],
      ['slsHttpDefault', 'default', 'http', 'serverless-offline 13 (default, worker threads), HTTP event'],
      ['slsHttpInProcess', 'inprocess', 'http', 'serverless-offline 13 (--useInProcess), HTTP event'],
    ];
    const peer = await guarded('serverless-offline install', notes, async () => installPeer(ROOT));
    if (!('skipped' in peer)) peerInstall = peer;
    if ('skipped' in peer) {
      for (const [k, , , label] of labels) r.warm[k] = { label, skipped: `could not be installed: ${peer.skipped}` };
    } else {
      r.peerInstallSeconds = Number(peer.installSeconds.toFixed(0));
      r.method.peer += ` (${peer.versions})`;
      if (peer.installSeconds) notes.push(`serverless-offline was installed in this run (${peer.installSeconds.toFixed(0)} s, included in the total time; later runs reuse bench/peers/)`);
      for (const [k, mode, api, label] of labels) {
        const e = await guarded(label, notes, () => peerEntry(peer, label, mode, api));
        r.warm[k] = 'skipped' in e ? { label, skipped: e.skipped } : e;
      }
    }
  }

  // Stratus with bubblewrap on the spawn path: warm Invoke API and URL, cold starts, async.
  const spawnArgs = stemCells ? [`--${PREWARM_FLAG}`, 'off'] : [];
  // MemorySize is a cap, not what a hello world uses (~40 MB): with the default budget (80% of
  // RAM) only ~10 environments of ${WARM_MEMORY} MB fit, and an environment still finishing the
  // warm-up's last request makes the 11th a throttle. The warm servers overcommit instead.
  const warmArgs = ['--memory-budget', String(Math.round((totalmem() / 2 ** 20) * 4)), ...spawnArgs];
  if (want('invoke') || want('url') || want('cold') || want('async')) {
    const res = await guarded('Stratus (bubblewrap)', notes, async () => {
      const s = await startStratus(ROOT, warmArgs);
      try {
        if (want('invoke') || want('url') || want('async')) {
          await helloOn(s);
          await s.sign('/', ''); // warm the signer
          await warmServer(s);
        }
        if (want('invoke')) r.warm.stratusInvoke = await load({ label: 'Stratus Invoke API (SigV4, bubblewrap)' }, `${s.url}/2015-03-31/functions/bench-hello/invocations`, invokeHeaders(s, 'bench-hello'), settled(s, 'bench-hello'));
        if (want('url')) {
          const e = await guarded('Stratus function URL', notes, async () => load({ label: 'Stratus function URL (public, bubblewrap)' }, await s.publicUrl('bench-hello'), jsonHeaders, settled(s, 'bench-hello')));
          r.warm.stratusUrl = 'skipped' in e ? { label: 'Stratus function URL (public, bubblewrap)', skipped: e.skipped } : e;
        }
        if (want('cold')) {
          say(`Stratus cold starts, spawn path (bubblewrap${stemCells ? ', --stem-cells off' : ''})`);
          r.cold.spawn = { label: 'spawn path, bubblewrap', ...(await measureCold(s, PYTHON, COLD, 'cold')) };
        }
        if (want('async')) {
          say('Stratus async: Event invokes (bubblewrap)');
          r.async = await guarded('async', notes, () => measureAsync(s, 'bench-hello', SECONDS, 50, QUICK ? 5 : 30));
          if (r.async && !('skipped' in r.async)) {
            const a = r.async;
            a.method += ` (on the warm-invoke server above: bubblewrap, --memory-budget raised; the hello-world function, ${WARM_MEMORY} MB)`;
            console.log(`    ${a.durable ? '' : '(CURRENT CODE, no durable queue) '}accepted ${a.acceptedPerSecond}/s; completed ${a.completedPerSecond}/s (${a.finished}/${a.accepted}${a.drained ? '' : ', not drained'})`);
            if (!a.durable) notes.push('async: measured with the current code, which has no durable queue yet (branch `async`): see that section');
          }
        }
      } finally {
        await s.close();
      }
    });
    if (isSkipped(res)) r.warm.stratusInvoke ??= { label: 'Stratus Invoke API (SigV4, bubblewrap)', skipped: res.skipped };
  }

  // Stratus without a sandbox: what isolation costs.
  if (want('none')) {
    const res = await guarded('Stratus (--sandbox none)', notes, async () => {
      const s = await startStratus(ROOT, ['--sandbox', 'none', ...warmArgs]);
      try {
        await helloOn(s);
        r.warm.stratusInvokeNone = await load({ label: 'Stratus Invoke API (SigV4, --sandbox none)' }, `${s.url}/2015-03-31/functions/bench-hello/invocations`, invokeHeaders(s, 'bench-hello'), settled(s, 'bench-hello'));
        if (want('cold')) {
          say('Stratus cold starts, spawn path (--sandbox none)');
          r.cold.spawnNone = { label: 'spawn path, --sandbox none', ...(await measureCold(s, PYTHON, COLD, 'cold')) };
        }
      } finally {
        await s.close();
      }
    });
    if (isSkipped(res)) r.warm.stratusInvokeNone = { label: 'Stratus Invoke API (SigV4, --sandbox none)', skipped: res.skipped };
  }

  // The built-in runtime over the HTTP Runtime API instead of its private channel: what the channel saves.
  if (want('http') && serveFlags(ROOT).has('runtime-channel')) {
    const label = 'Stratus Invoke API (SigV4, bubblewrap, --runtime-channel off)';
    const res = await guarded('Stratus (--runtime-channel off)', notes, async () => {
      const s = await startStratus(ROOT, ['--runtime-channel', 'off', ...warmArgs]);
      try {
        await helloOn(s);
        r.warm.stratusInvokeHttp = await load({ label }, `${s.url}/2015-03-31/functions/bench-hello/invocations`, invokeHeaders(s, 'bench-hello'), settled(s, 'bench-hello'));
      } finally {
        await s.close();
      }
    });
    if (isSkipped(res)) r.warm.stratusInvokeHttp = { label, skipped: res.skipped };
  }

  // The ratio targets' figures again, interleaved, on a server of their own.
  if (want('paired')) {
    const rounds = QUICK ? 1 : PAIRED_ROUNDS;
    const seconds = QUICK ? 1 : PAIRED_SECONDS;
    if (!peerInstall && !want('peer')) {
      const p = await guarded('serverless-offline install', notes, async () => installPeer(ROOT));
      if (!('skipped' in p)) peerInstall = p;
    }
    // serverless-offline in the mode that was best in the single pass (in-process when it was not measured).
    const bestMode = (api: 'Invoke' | 'Http'): PeerMode =>
      (r.warm[`sls${api}Default`]?.c10?.rps ?? 0) > (r.warm[`sls${api}InProcess`]?.c10?.rps ?? 0) ? 'default' : 'inprocess';
    r.paired = await guarded('interleaved rounds', notes, async () => {
      const s = await startStratus(ROOT, warmArgs);
      try {
        await helloOn(s);
        const url = await s.publicUrl('bench-hello');
        say(`interleaved rounds (${rounds} × one-hop floor, serverless-offline, Stratus Invoke API and URL)`);
        return await measurePaired(
          { root: ROOT, body: BODY, stratus: s, fn: 'bench-hello', url, peer: peerInstall, peerModes: { invoke: bestMode('Invoke'), http: bestMode('Http') }, settle: settled(s, 'bench-hello'), say },
          rounds, seconds, Math.min(WARMUP, 1), WARMUP,
        );
      } finally {
        await s.close();
      }
    });
  }

  // The pre-warmed path: a second server, so both paths are measured in this one run.
  if (want('cold') || want('prewarmed')) {
    const label = 'pre-warmed path (stem cells), bubblewrap';
    if (!stemCells) {
      r.cold.prewarmed = { label, skipped: '`stratus serve` has no --stem-cells on this build yet' };
      notes.push('cold start, pre-warmed path: not on main yet (this bench measures it as soon as `stratus serve --stem-cells on|off` exists)');
    } else {
      const res = await guarded('cold start, pre-warmed path', notes, async () => {
        const s = await startStratus(ROOT, [`--${PREWARM_FLAG}`, 'on']);
        try {
          say('Stratus cold starts, pre-warmed path (--stem-cells on)');
          return { label, ...(await measureCold(s, PYTHON, COLD, 'warm', { prime: PREWARM_PRIME, gapMs: PREWARM_GAP_MS })) } as ColdEntry;
        } finally {
          await s.close();
        }
      });
      r.cold.prewarmed = 'skipped' in res ? { label, skipped: res.skipped } : res;
    }
  }

  if (want('density')) {
    say('Stratus density (bubblewrap, 128 MB Node functions)');
    const { totalMB } = memInfo();
    r.density = await guarded('density', notes, () =>
      measureDensity(ROOT, {
        idleEnvs: QUICK ? 4 : 10,
        burst: QUICK ? 20 : 100,
        rampStep: QUICK ? 10 : 50,
        rampSeconds: QUICK ? 5 : 120,
        floorMB: Math.max(4096, Math.round(totalMB * 0.3)),
        maxEnvs: QUICK ? 1000 : 1500,
      }, spawnArgs),
    );
  }

  r.machine.loadavgEnd = loadavg();
  r.totalSeconds = Math.round((Date.now() - s0) / 1000);
  r.ratios = ratios(r);
  write(r);
  say(`done in ${r.totalSeconds} s${r.totalSeconds > 600 ? ' — OVER the 10-minute budget' : ''}`);
}

function write(r: Results): void {
  const md = markdown(r);
  const official = !QUICK && !ONLY;
  const dir = official ? join(ROOT, 'bench/results') : tmpdir();
  const json = official ? join(dir, `${r.date.slice(0, 10)}.json`) : join(dir, 'stratus-bench-quick.json');
  const doc = official ? join(ROOT, 'docs/benchmarks.md') : join(dir, 'stratus-bench-quick.md');
  mkdirSync(dir, { recursive: true });
  writeFileSync(json, JSON.stringify(r, null, 2) + '\n');
  writeFileSync(doc, md);
  const start = md.indexOf('## Warm invoke');
  console.log('\n' + md.slice(start, md.indexOf('## Cold start', start)));
  console.log(`wrote ${json} and ${doc}`);
}

/** `--render <results.json>`: write docs/benchmarks.md again from a run's results (after a change to the report's wording). */
async function render(file: string): Promise<void> {
  const { readFileSync } = await import('node:fs');
  const r = JSON.parse(readFileSync(file, 'utf8')) as Results;
  r.ratios = ratios(r);
  writeFileSync(join(ROOT, 'docs/benchmarks.md'), markdown(r));
  console.log(`wrote docs/benchmarks.md from ${file}`);
}

const renderArg = argv.indexOf('--render');
(renderArg >= 0 ? render(argv[renderArg + 1]!) : main()).catch((err) => {
  console.error(`✘ benchmark failed\n  ${err instanceof Error ? err.stack : String(err)}`);
  process.exitCode = 1;
});

/**
 * The figures the ratio targets compare, measured again interleaved: ROUNDS rounds, each taking
 * in turn the one-hop floor, serverless-offline's Invoke API and HTTP event (its best mode in the
 * single pass), and Stratus's Invoke API and function URL, at c=1 and c=10.
 *
 * Why: the host's speed drifts within a run (the one-hop floor measured 5,089 and 8,567 req/s in
 * two runs an hour apart, and a minute can separate the floors from Stratus in the single pass).
 * A ratio of two figures taken minutes apart carries that drift; one of neighbouring figures much
 * less. Each round gives one value per ratio; the report takes their median. The order of the
 * targets is reversed every other round, so none is always first or last.
 */
import { startProcess, stop, wrk, type LoadResult } from './lib.js';
import { withPeer, type PeerInstall, type PeerMode } from './peer.js';
import type { Stratus } from './stratus.js';

export interface PairedTarget {
  /** The key of the single-pass entry this repeats (hop, slsInvoke, slsHttp, stratusInvoke, stratusUrl). */
  key: string;
  label: string;
  c1: LoadResult[];
  c10: LoadResult[];
}

export interface PairedResult {
  rounds: number;
  seconds: number;
  warmupSeconds: number;
  targets: Record<string, PairedTarget>;
  method: string;
}

interface Target {
  key: string;
  label: string;
  /** Which concurrencies the ratios need of it. */
  levels: (1 | 10)[];
  /** Runs `measure` against the target's URL with the headers it needs. */
  run(measure: (url: string, headers: Record<string, string>) => Promise<LoadResult>): Promise<LoadResult>;
}

export interface PairedDeps {
  root: string;
  body: string;
  stratus: Stratus;
  /** The function (already created) the Stratus points invoke, and its public URL. */
  fn: string;
  url: string;
  peer?: PeerInstall;
  peerModes: { invoke: PeerMode; http: PeerMode };
  /** Waits until nothing of the function runs (between warm-up and measurement). */
  settle: () => Promise<void>;
  say: (s: string) => void;
}

/** Seconds of load on each long-lived target before the first round. */
const LONG_WARMUP = 6;

/**
 * `warmup`: seconds of load before each point of a target that stays up (it had LONG_WARMUP first);
 * `freshWarmup`: before each point of serverless-offline, a fresh process every time, as long as
 * its warm-up in the single pass.
 */
export async function measurePaired(d: PairedDeps, rounds: number, seconds: number, warmup: number, freshWarmup: number): Promise<PairedResult> {
  const json = { 'content-type': 'application/json' };
  const hop = await startProcess(process.execPath, [d.root + 'bench/floors/hop.mjs'], /PORT (\d+)/);
  try {
    const hopUrl = `http://127.0.0.1:${hop.match[1]}/`;
    const invokePath = `/2015-03-31/functions/${d.fn}/invocations`;
    const signed = await d.stratus.sign(invokePath, d.body);
    const targets: Target[] = [
      { key: 'hop', label: 'floor: one keep-alive HTTP hop to a second process', levels: [1, 10], run: (m) => m(hopUrl, json) },
      { key: 'stratusInvoke', label: 'Stratus Invoke API (SigV4, bubblewrap)', levels: [1, 10], run: (m) => m(d.stratus.url + invokePath, signed) },
      { key: 'stratusUrl', label: 'Stratus function URL (public, bubblewrap)', levels: [1, 10], run: (m) => m(d.url, json) },
    ];
    if (d.peer) {
      const peer = d.peer;
      // A fresh process for every point, as in the single pass (its latency grows with each request).
      targets.push(
        { key: 'slsInvoke', label: `serverless-offline 13 (${d.peerModes.invoke}), Invoke API`, levels: [10], run: (m) => withPeer(peer, d.peerModes.invoke, 'invoke', (url) => m(url, json)) },
        { key: 'slsHttp', label: `serverless-offline 13 (${d.peerModes.http}), HTTP event`, levels: [10], run: (m) => withPeer(peer, d.peerModes.http, 'http', (url) => m(url, json)) },
      );
    }
    const out: Record<string, PairedTarget> = {};
    for (const t of targets) out[t.key] = { key: t.key, label: t.label, c1: [], c10: [] };
    // The processes that stay up are warmed up once at length first: a fresh server's first
    // seconds under load run several times slower (JIT, caches) than its steady state.
    d.say(`warming up the one-hop floor and Stratus (${LONG_WARMUP} s each)`);
    for (const t of targets) if (!t.key.startsWith('sls')) await t.run(async (url, headers) => (wrk(url, d.body, headers, 10, LONG_WARMUP / 2), wrk(url, d.body, headers, 1, LONG_WARMUP / 2)));
    for (let round = 0; round < rounds; round++) {
      d.say(`interleaved round ${round + 1} of ${rounds}`);
      const order = round % 2 ? [...targets].reverse() : targets;
      for (const t of order) {
        for (const c of round % 2 ? [...t.levels].reverse() : t.levels) {
          const r = await t.run(async (url, headers) => {
            wrk(url, d.body, headers, c, t.key.startsWith('sls') ? freshWarmup : warmup);
            if (t.key.startsWith('stratus')) await d.settle();
            const { rps, p50, p99 } = wrk(url, d.body, headers, c, seconds);
            return { rps, p50, p99 };
          });
          out[t.key]![c === 1 ? 'c1' : 'c10'].push(r);
          console.log(`    ${t.label} c=${c}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(2)} ms`);
        }
      }
    }
    return {
      rounds,
      seconds,
      warmupSeconds: warmup,
      targets: out,
      method: `after ${LONG_WARMUP} s of warm-up of the targets that stay up, ${rounds} rounds; in each, every target in turn (order reversed every other round): ${warmup} s of warm-up (${freshWarmup} s for serverless-offline's fresh process, as in the single pass) then ${seconds} s with wrk, at the concurrencies the ratios use; the one-hop floor and one Stratus server (bubblewrap, spawn path) stay up through all rounds, serverless-offline is a fresh process per point in the mode that was best in the single pass. A ratio is computed per round from that round's figures; the table gives the median of the rounds and their range`,
    };
  } finally {
    await stop(hop.proc);
  }
}

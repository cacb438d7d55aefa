/** docs/benchmarks.md from one run's results: method, machine, tables, ratios, notes. Nothing typed by hand. */
import { isSkipped, type LoadResult, type Skipped } from './lib.js';
import type { ColdStats } from './stratus.js';
import type { DensityResult } from './density.js';
import type { AsyncResult } from './async-rate.js';
import type { PairedResult, PairedTarget } from './paired.js';

export interface WarmEntry {
  label: string;
  c1?: LoadResult;
  c10?: LoadResult;
  skipped?: string;
}

export interface ColdEntry {
  label: string;
  node?: ColdStats;
  python?: ColdStats;
  skipped?: string;
}

export interface Results {
  schema: 2;
  date: string;
  quick: boolean;
  machine: { cpus: number; cpu?: string; memGB: number; node: string; loadavgStart: number[]; loadavgEnd?: number[] };
  method: Record<string, string>;
  warm: Record<string, WarmEntry>;
  cold: Record<string, ColdEntry>;
  density?: DensityResult | Skipped;
  async?: AsyncResult | Skipped;
  /** The ratio targets' figures again, interleaved (paired.ts). */
  paired?: PairedResult | Skipped;
  /**
   * value: the median over the interleaved rounds when they were measured (range: their lowest
   * and highest), else the single pass's; single: the single pass's.
   */
  ratios?: Record<string, { value: number | null; target?: string; met?: boolean | null; of: string; single?: number | null; range?: [number, number] }>;
  notes: string[];
  totalSeconds?: number;
  peerInstallSeconds?: number;
}

const f = (n: number | undefined, d = 0) => (n === undefined || Number.isNaN(n) ? '–' : n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }));

/** The ratios the issue sets targets for, from the figures of this one run. */
export function ratios(r: Results): NonNullable<Results['ratios']> {
  const w = r.warm;
  const rps10 = (k: string) => w[k]?.c10?.rps;
  const p50c1 = (k: string) => w[k]?.c1?.p50;
  const best = (...ks: string[]) => {
    const xs = ks.map(rps10).filter((x): x is number => x !== undefined);
    return xs.length ? Math.max(...xs) : undefined;
  };
  const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || !b ? null : Number((a / b).toFixed(2)));
  // Per interleaved round: a ratio of that round's two figures.
  const p = r.paired && !isSkipped(r.paired) ? r.paired.targets : undefined;
  const perRound = (a: string, b: string, pick: (x: PairedTarget) => LoadResult[], field: 'rps' | 'p50'): number[] | undefined => {
    const xs = p?.[a] ? pick(p[a]) : undefined;
    const ys = p?.[b] ? pick(p[b]) : undefined;
    if (!xs?.length || !ys?.length || xs.length !== ys.length) return undefined;
    return xs.map((x, i) => x[field] / ys[i]![field]);
  };
  const c10 = (x: PairedTarget) => x.c10;
  const c1 = (x: PairedTarget) => x.c1;
  const out: NonNullable<Results['ratios']> = {};
  const add = (key: string, single: number | null, of: string, rounds?: number[], target?: string, ok?: (v: number) => boolean) => {
    const sorted = rounds ? [...rounds].sort((x, y) => x - y) : undefined;
    const median = sorted?.length ? Number(sorted[(sorted.length - 1) >> 1]!.toFixed(2)) : undefined;
    const value = median ?? single;
    out[key] = { value, of, target, met: value === null || !ok ? null : ok(value), single, ...(sorted?.length ? { range: [Number(sorted[0]!.toFixed(2)), Number(sorted[sorted.length - 1]!.toFixed(2))] as [number, number] } : {}) };
  };
  add('invokeC10VsPeer', ratio(rps10('stratusInvoke'), best('slsInvokeDefault', 'slsInvokeInProcess')), 'Stratus Invoke API c=10 req/s ÷ serverless-offline Invoke API, best mode', perRound('stratusInvoke', 'slsInvoke', c10, 'rps'), '≥ 2.5', (v) => v >= 2.5);
  add('urlC10VsPeer', ratio(rps10('stratusUrl'), best('slsHttpDefault', 'slsHttpInProcess')), 'Stratus function URL c=10 req/s ÷ serverless-offline HTTP event, best mode', perRound('stratusUrl', 'slsHttp', c10, 'rps'), '≥ 2.5', (v) => v >= 2.5);
  add('invokeC10VsHop', ratio(rps10('stratusInvoke'), rps10('hop')), 'Stratus Invoke API c=10 req/s ÷ one-hop floor', perRound('stratusInvoke', 'hop', c10, 'rps'), '≥ 0.8', (v) => v >= 0.8);
  add('urlC10VsHop', ratio(rps10('stratusUrl'), rps10('hop')), 'Stratus function URL c=10 req/s ÷ one-hop floor', perRound('stratusUrl', 'hop', c10, 'rps'), '≥ 0.8', (v) => v >= 0.8);
  add('invokeP50C1VsHop', ratio(p50c1('stratusInvoke'), p50c1('hop')), 'Stratus Invoke API p50 at c=1 ÷ one-hop floor p50', perRound('stratusInvoke', 'hop', c1, 'p50'), '≤ 1.5', (v) => v <= 1.5);
  add('urlP50C1VsHop', ratio(p50c1('stratusUrl'), p50c1('hop')), 'Stratus function URL p50 at c=1 ÷ one-hop floor p50', perRound('stratusUrl', 'hop', c1, 'p50'), '≤ 1.5', (v) => v <= 1.5);
  add('invokeC10VsInline', ratio(rps10('stratusInvoke'), rps10('inline')), 'Stratus Invoke API c=10 req/s ÷ inline floor');
  add('channelC10VsHttp', ratio(rps10('stratusInvoke'), rps10('stratusInvokeHttp')), 'Stratus Invoke API c=10 req/s, runtime channel ÷ HTTP Runtime API (--runtime-channel off)');
  const pre = r.cold.prewarmed?.node?.e2eP50;
  add('coldPrewarmedNodeP50Ms', pre === undefined ? null : Number(pre.toFixed(1)), 'cold start p50 (Node, pre-warmed path), ms', undefined, '≤ 15 ms', (v) => v <= 15);
  return out;
}

/** The interleaved rounds, target by target: each round's c=1 p50 and c=10 req/s. */
function pairedTable(p: PairedResult): string {
  const cell = (xs: LoadResult[], pick: (x: LoadResult) => string) => (xs.length ? xs.map(pick).join(' · ') : '–');
  const rows = Object.values(p.targets).map((t) => `| ${t.label} | ${cell(t.c1, (x) => f(x.p50, 2))} | ${cell(t.c10, (x) => f(x.rps))} |`);
  return `| target | c=1 p50 ms, round by round | c=10 req/s, round by round |
|---|---|---|
${rows.join('\n')}

Method: ${p.method}.`;
}

export function markdown(r: Results): string {
  const row = (e: WarmEntry) =>
    e.skipped || !e.c1 || !e.c10
      ? `| ${e.label} | skipped: ${e.skipped ?? 'not measured'} | | | |`
      : `| ${e.label} | ${f(e.c1.rps)} | ${f(e.c1.p50, 2)} / ${f(e.c1.p99, 2)} | ${f(e.c10.rps)} | ${f(e.c10.p50, 2)} / ${f(e.c10.p99, 2)} |`;
  const warmRows = Object.values(r.warm).map(row).join('\n');
  const ratioRows = Object.values(r.ratios ?? {})
    .map((x) => `| ${x.of} | ${x.value === null ? '–' : x.value}${x.range ? ` (${x.range[0]}–${x.range[1]})` : ''} | ${x.single === null || x.single === undefined ? '–' : x.single} | ${x.target ?? ''} | ${x.met === null || x.met === undefined ? '' : x.met ? 'met' : '**missed**'} |`)
    .join('\n');
  const rounds = r.paired && !isSkipped(r.paired) ? r.paired.rounds : 0;
  const paired = !r.paired ? 'Not measured in this run.' : isSkipped(r.paired) ? `Skipped: ${r.paired.skipped}` : pairedTable(r.paired);
  const coldRows = Object.values(r.cold)
    .flatMap((c) =>
      c.skipped
        ? [`| ${c.label} | skipped: ${c.skipped} | |`]
        : (['node', 'python'] as const).map((rt) => {
            const x = c[rt];
            return x ? `| ${c.label}, ${rt === 'node' ? 'Node.js 20' : 'Python 3'} | ${f(x.e2eP50, 1)} / ${f(x.e2eP90, 1)} | ${f(x.initP50, 1)} / ${f(x.initP90, 1)} |` : '';
          }),
    )
    .join('\n');
  const d = r.density;
  const density = !d
    ? 'Not measured in this run.'
    : isSkipped(d)
      ? `Skipped: ${d.skipped}`
      : `| figure | value |
|---|---|
| idle memory per environment (Node 20, 128 MB, median of ${d.idle.environments}) | cgroup usage ${f(d.idle.cgroupUsageMB, 1)} MB (of which anon ${f(d.idle.cgroupAnonMB, 1)} MB); process tree RSS ${f(d.idle.rssMB, 1)} MB, PSS ${f(d.idle.pssMB, 1)} MB |
| 0 → ${d.burst.target} concurrent environments (busy) | ${d.burst.reached < d.burst.target ? `reached ${d.burst.reached} in ` : ''}${f(d.burst.seconds, 2)} s (first after ${f(d.burst.firstSeconds, 2)} s, half after ${f(d.burst.halfSeconds, 2)} s) |
| most concurrent 128 MB environments held | **${d.ramp.held}** busy at once, stopped by ${d.ramp.stoppedBy.replace(/RequestId: [0-9a-f-]+ /, '')}; MemAvailable ${f(d.ramp.availableStartMB)} → ${f(d.ramp.availableEndMB)} MB of ${f(d.ramp.totalMB)} |
| memory per busy environment at that point (median) | cgroup usage ${f(d.ramp.busyPerEnv.cgroupUsageMB, 1)} MB; RSS ${f(d.ramp.busyPerEnv.rssMB, 1)} MB, PSS ${f(d.ramp.busyPerEnv.pssMB, 1)} MB |
| estimated capacity (estimates, not measurements) | ~${f(d.ramp.estimatedCapacity)} by memory (MemAvailable before the ramp ÷ cgroup usage per environment, + those running); ~${f(d.ramp.estimatedCapacityByTasks)} by tasks (each environment adds ${f(d.ramp.tasksPerEnv, 1)} processes and threads; pid_max is ${f(d.ramp.pidMax)}): what the machine could hold beyond any limit of Stratus's own (see what stopped the ramp) |

Method: ${d.method}. Ramp steps (environments busy @ seconds / MemAvailable MB / tasks on the machine): ${d.ramp.steps.map((s) => `${s.envs} @ ${s.seconds} s / ${s.availableMB} / ${s.tasks}`).join('; ')}.`;
  const a = r.async;
  const asyncText = !a
    ? 'Not measured in this run.'
    : isSkipped(a)
      ? `Skipped: ${a.skipped}`
      : `${a.durable ? '' : '**Measured with the current code, without the durable queue (branch `async` is not on main yet): a 202 here only means the event was handed to an in-memory background invocation, and events the concurrency limiter or the memory budget refuses in the background are lost. Replace with the durable figures once it lands (this section switches by itself when `/_stratus/async/status` answers).**\n\n'}| figure | value |
|---|---|
| events accepted per second (202s, wrk c=${a.connections}) | ${f(a.acceptedPerSecond)} /s (p50 ${f(a.acceptP50ms, 2)} ms, p99 ${f(a.acceptP99ms, 2)} ms) |
| events completed per second | ${f(a.completedPerSecond)} /s (${f(a.finished)} of ${f(a.accepted)} finished${a.drained ? `; backlog done ${a.drainAfterLoadSeconds} s after the load` : `; the backlog was NOT done ${a.drainAfterLoadSeconds} s after the load, when the bench stopped waiting`}) |

Method: ${a.method}.`;
  return `# Benchmarks

Generated by \`npm run bench\` (bench/run.ts) on ${r.date}; every figure below comes from that one
run${r.quick ? ' (**quick mode: 1 s points, not for comparison**)' : ''}. Total run time: ${f(r.totalSeconds)} s.

Machine: ${r.machine.cpus} cores (${r.machine.cpu}), ${r.machine.memGB} GB RAM, Node ${r.machine.node}; load average
${r.machine.loadavgStart.map((x) => x.toFixed(1)).join(' / ')} at the start${r.machine.loadavgEnd ? ` and ${r.machine.loadavgEnd.map((x) => x.toFixed(1)).join(' / ')} at the end` : ''}
(1 / 5 / 15 min). The load generator shares the cores with what it measures, and these machines
are shared: figures vary ±15% or more run to run, so compare only within one run, as ratios.${
    Math.max(r.machine.loadavgStart[0] ?? 0, r.machine.loadavgEnd?.[0] ?? 0) > r.machine.cpus
      ? `\n**This run was taken on a busy machine** (load average above the ${r.machine.cpus} cores: other work was running): its figures are noisier than usual and only good for ratios.`
      : ''
  }

How to run: \`npm run bench\` (this file and bench/results/<date>.json); \`npm run bench -- --quick\`
(1 s points, a harness check, written to the temp dir); \`npm run bench -- --only floors,peer\`
(sections: floors, peer, invoke, url, none, http, paired, cold, prewarmed, async, density). BENCH_SECONDS,
BENCH_WARMUP, BENCH_COLD, BENCH_ROUNDS and BENCH_PAIRED_SECONDS override the point length, warm-up,
cold-start count, interleaved rounds and their point length.

## Method

${Object.entries(r.method).map(([k, v]) => `- **${k}**: ${v}`).join('\n')}

## Warm invoke, hello-world Node handler

| target | c=1 req/s | p50 / p99 ms | c=10 req/s | p50 / p99 ms |
|---|---|---|---|---|
${warmRows}

## Ratios (issue 8's targets)

${rounds ? `The first column is the median of ${rounds} interleaved rounds (their range in parentheses; next section), where each round's ratio compares figures taken a few seconds apart; the second is the single pass above, where minutes can separate the two figures.` : 'From the single pass above (the interleaved rounds were not measured in this run).'}

| ratio | ${rounds ? `median of ${rounds} interleaved rounds` : 'this run'} | single pass | target | |
|---|---|---|---|---|
${ratioRows}

## Interleaved rounds

${paired}

## Cold start (first invoke of a new function)

| path, runtime | first invoke p50 / p90 ms | REPORT Init Duration p50 / p90 ms |
|---|---|---|
${coldRows}

For reference (not measured here): AWS Lambda Node.js 20 Init Duration ~142 ms, Python 3.13 ~102 ms
(maxday/lambda-perf); serverless-offline 13 15–19 ms in-process with no isolation, 56–75 ms with a
worker thread (../shared/reference/baselines.md).

## Density

${density}

## Async invocations

${asyncText}

## Notes

${r.notes.length ? r.notes.map((n) => `- ${n}`).join('\n') : '- none'}
`;
}

/**
 * Density: how much an idle environment holds, how fast the server goes from 0 to N concurrent
 * environments, and how many concurrent environments of a 128 MB function this machine holds.
 *
 * One server of its own (bubblewrap, the default sandbox) with the memory budget and the account
 * concurrency limit raised out of the way (the question is what the machine holds, not what the
 * defaults allow); --max-starting stays at its default (4 per core), since that is how it scales.
 * Every invocation sleeps in the handler so it keeps its environment busy; the server is stopped
 * at the end, which ends them.
 */
import { environmentsMemory, memInfo, percentile, sleep, taskCount, type EnvMemory } from './lib.js';
import { startStratus, type Stratus } from './stratus.js';

const SLEEPER = 'export const handler = async (e) => { if (e.ms) await new Promise((r) => setTimeout(r, e.ms)); return "ok"; };';

export interface DensityOptions {
  /** Environments made idle for the idle-memory figure. */
  idleEnvs: number;
  /** The burst: 0 → this many concurrent environments. */
  burst: number;
  /** Then more in steps of this many, for at most rampSeconds, while MemAvailable stays above the floor. */
  rampStep: number;
  rampSeconds: number;
  /** Never take the machine below this much available memory (it is shared). */
  floorMB: number;
  /** Never go past this many environments. */
  maxEnvs: number;
}

export interface DensityResult {
  method: string;
  idle: { environments: number; rssMB: number; pssMB: number; cgroupUsageMB?: number; cgroupAnonMB?: number };
  burst: { target: number; reached: number; seconds: number; firstSeconds: number; halfSeconds: number; failures: number };
  ramp: {
    held: number;
    stoppedBy: string;
    seconds: number;
    steps: { envs: number; seconds: number; availableMB: number; tasks: number }[];
    busyPerEnv: { rssMB: number; pssMB: number; cgroupUsageMB?: number };
    availableStartMB: number;
    availableEndMB: number;
    totalMB: number;
    /** MemAvailable at the start ÷ the cgroup usage per busy environment (an estimate, not a measurement). */
    estimatedCapacity: number;
    /** Tasks (processes + threads) one environment adds, and pid_max ÷ that: the other bound. */
    tasksPerEnv: number;
    pidMax: number;
    estimatedCapacityByTasks: number;
  };
}

const summarise = (ms: EnvMemory[]) => {
  const med = (f: (m: EnvMemory) => number | undefined) => {
    const xs = ms.map(f).filter((x): x is number => x !== undefined);
    return xs.length ? Number(percentile(xs, 50).toFixed(1)) : undefined;
  };
  return { rssMB: med((m) => m.rssMB)!, pssMB: med((m) => m.pssMB)!, cgroupUsageMB: med((m) => m.cgroupUsageMB), cgroupAnonMB: med((m) => m.cgroupAnonMB) };
};

interface Firing {
  pending: number;
  ok: number;
  failures: string[];
}

/** Fire `n` invocations of `name` that sleep `ms` without waiting for them. */
async function fire(s: Stratus, name: string, n: number, ms: number, state: Firing, closing: () => boolean): Promise<Promise<void>[]> {
  const path = `/2015-03-31/functions/${name}/invocations`;
  const body = JSON.stringify({ ms });
  const headers = await s.sign(path, body);
  const started = performance.now();
  return Array.from({ length: n }, async () => {
    state.pending++;
    try {
      const res = await fetch(`${s.url}${path}`, { method: 'POST', headers, body });
      const text = await res.text();
      // Request ids differ per failure and say nothing about the cause: left out.
      if (res.status !== 200 || res.headers.get('x-amz-function-error')) state.failures.push(`${res.status} ${text.replace(/RequestId: [0-9a-f-]+ /, '').slice(0, 200)}`);
      else if (performance.now() - started < ms * 0.9) state.failures.push(`answered before its sleep ended: ${text.slice(0, 200)}`);
      else state.ok++;
    } catch (err) {
      if (!closing()) state.failures.push(String(err));
    } finally {
      state.pending--;
    }
  });
}

async function busyEnvironments(s: Stratus, name: string): Promise<{ busy: number; live: number }> {
  const m = await s.get<{ Environments: { busy: number; idle: number; starting: number }[] }>('/_stratus/metrics', { FunctionName: name });
  const envs = m?.Environments ?? [];
  return { busy: envs.reduce((a, e) => a + e.busy, 0), live: envs.reduce((a, e) => a + e.busy + e.idle + e.starting, 0) };
}

export async function measureDensity(root: string, o: DensityOptions, extraArgs: string[] = []): Promise<DensityResult> {
  const s = await startStratus(root, ['--memory-budget', '10000000', '--concurrency-limit', '100000', ...extraArgs]);
  let closing = false;
  try {
    const serverPid = s.proc.pid!;
    await s.createFunction('idle128', { files: { 'index.mjs': SLEEPER }, handler: 'index.handler', memory: 128, timeout: 30 });
    await s.createFunction('dense128', { files: { 'index.mjs': SLEEPER }, handler: 'index.handler', memory: 128, timeout: 900 });

    // Idle memory: N environments made by N concurrent invocations that sleep 1 s (so none is
    // reused), measured once they are back on /next.
    const idleState: Firing = { pending: 0, ok: 0, failures: [] };
    await Promise.all(await fire(s, 'idle128', o.idleEnvs, 1000, idleState, () => closing));
    if (idleState.failures.length) throw new Error(`idle environments failed: ${idleState.failures[0]}`);
    await sleep(500);
    const idleMem = environmentsMemory(serverPid);
    const idle = { environments: idleMem.length, ...summarise(idleMem) };
    console.log(`  idle environment (median of ${idle.environments}): RSS ${idle.rssMB} MB, PSS ${idle.pssMB} MB, cgroup usage ${idle.cgroupUsageMB ?? '-'} MB (anon ${idle.cgroupAnonMB ?? '-'} MB)`);

    // 0 → burst concurrent environments. Sleeping long enough that none frees up before the end.
    const hold = 600_000;
    const state: Firing = { pending: 0, ok: 0, failures: [] };
    const t0 = performance.now();
    await fire(s, 'dense128', o.burst, hold, state, () => closing);
    let first = NaN;
    let half = NaN;
    let reached = 0;
    const burstDeadline = t0 + 60_000;
    while (performance.now() < burstDeadline && state.failures.length === 0) {
      const { busy } = await busyEnvironments(s, 'dense128');
      const t = (performance.now() - t0) / 1000;
      if (busy >= 1 && Number.isNaN(first)) first = t;
      if (busy >= o.burst / 2 && Number.isNaN(half)) half = t;
      reached = busy;
      if (busy >= o.burst) break;
      await sleep(20);
    }
    const burstSeconds = (performance.now() - t0) / 1000;
    const burst = { target: o.burst, reached, seconds: Number(burstSeconds.toFixed(2)), firstSeconds: Number(first.toFixed(2)), halfSeconds: Number(half.toFixed(2)), failures: state.failures.length };
    console.log(`  0 → ${reached}/${o.burst} concurrent environments in ${burst.seconds} s (first after ${burst.firstSeconds} s, half after ${burst.halfSeconds} s)${state.failures.length ? `; ${state.failures.length} failed: ${state.failures[0]}` : ''}`);

    // Ramp: more busy environments in steps while the machine has memory to spare.
    const { totalMB } = memInfo();
    const availableStartMB = memInfo().availableMB;
    const r0 = performance.now();
    const steps: DensityResult['ramp']['steps'] = [{ envs: reached, seconds: 0, availableMB: Math.round(availableStartMB), tasks: taskCount().tasks }];
    let target = reached;
    let held = reached;
    let stoppedBy = '';
    if (reached < o.burst) stoppedBy = 'the burst did not complete';
    while (!stoppedBy) {
      if (target + o.rampStep > o.maxEnvs) stoppedBy = `the bench's cap of ${o.maxEnvs} environments`;
      else if ((performance.now() - r0) / 1000 >= o.rampSeconds) stoppedBy = `the ramp's time budget (${o.rampSeconds} s)`;
      else if (memInfo().availableMB - o.rampStep * 64 < o.floorMB) stoppedBy = `the bench's memory floor (MemAvailable must stay above ${o.floorMB} MB: the machine is shared)`;
      // An environment is ~10 tasks (bwrap, node and its threads); pids are shared with everyone.
      else if (taskCount().tasks + o.rampStep * 15 > taskCount().max * 0.5) stoppedBy = `the bench's task floor (${taskCount().tasks} tasks, at most half of pid_max ${taskCount().max}: the machine is shared)`;
      if (stoppedBy) break;
      target += o.rampStep;
      await fire(s, 'dense128', o.rampStep, hold, state, () => closing);
      const stepDeadline = performance.now() + 30_000;
      let busy = 0;
      while (performance.now() < stepDeadline && state.failures.length === 0) {
        busy = (await busyEnvironments(s, 'dense128')).busy;
        if (busy >= target) break;
        await sleep(50);
      }
      held = Math.max(held, busy);
      steps.push({ envs: busy, seconds: Number(((performance.now() - r0) / 1000).toFixed(1)), availableMB: Math.round(memInfo().availableMB), tasks: taskCount().tasks });
      if (state.failures.length) stoppedBy = `failures: ${state.failures.length} (first: ${state.failures[0]})`;
      else if (busy < target) stoppedBy = `a step did not complete within 30 s (${busy}/${target} busy)`;
    }
    const busyMem = summarise(environmentsMemory(serverPid).filter((m) => m.cgroupUsageMB === undefined || m.cgroupUsageMB > 0));
    const availableEndMB = memInfo().availableMB;
    const perEnv = busyMem.cgroupUsageMB ?? busyMem.pssMB;
    const step0 = steps[0]!;
    const last = steps[steps.length - 1]!;
    const tasksPerEnv = last.envs > step0.envs ? (last.tasks - step0.tasks) / (last.envs - step0.envs) : NaN;
    const pidMax = taskCount().max;
    const ramp = {
      held, stoppedBy, seconds: Number(((performance.now() - r0) / 1000).toFixed(1)), steps,
      busyPerEnv: { rssMB: busyMem.rssMB, pssMB: busyMem.pssMB, cgroupUsageMB: busyMem.cgroupUsageMB },
      availableStartMB: Math.round(availableStartMB), availableEndMB: Math.round(availableEndMB), totalMB: Math.round(totalMB),
      estimatedCapacity: Math.floor(availableStartMB / perEnv) + reached,
      tasksPerEnv: Number(tasksPerEnv.toFixed(1)),
      pidMax,
      estimatedCapacityByTasks: Math.floor(pidMax / tasksPerEnv),
    };
    console.log(`  held ${held} busy 128 MB environments at once (stopped by ${stoppedBy}); MemAvailable ${ramp.availableStartMB} → ${ramp.availableEndMB} MB; busy environment ${perEnv} MB → ~${ramp.estimatedCapacity} by memory; ${ramp.tasksPerEnv} tasks each → ~${ramp.estimatedCapacityByTasks} by pid_max ${pidMax}`);
    return {
      method:
        `one bubblewrap server with --memory-budget and --concurrency-limit raised out of the way, default --max-starting${extraArgs.length ? `, ${extraArgs.join(' ')} (every runtime process under the server is then a function's environment: pre-warmed runtimes would be counted as environments)` : ''}; ` +
        'memory of an environment = its process tree under the server (VmRSS and Pss from /proc/<pid>/status and smaps_rollup, summed) ' +
        'and its memory cgroup (v1 memory.usage_in_bytes or v2 memory.current, page cache included; "anon" = memory.stat rss/anon); ' +
        'RSS counts the shared pages of node and its libraries once per process, the cgroup charges them once to whoever touched them first, so the cgroup and PSS figures are what one more environment costs; ' +
        'environments counted as busy by GET /_stratus/metrics, polled every 20-50 ms; every invocation sleeps in its handler so it keeps its environment',
      idle,
      burst,
      ramp,
    };
  } finally {
    closing = true;
    await s.close();
  }
}

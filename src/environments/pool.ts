/**
 * Execution environments per function version: reuse an idle one (warm start) or start a new one
 * (cold start); one invocation per environment at a time; idle ones stop after the keep-alive;
 * after a code or configuration change, new invocations get new environments while the old ones
 * finish what they are doing and stop.
 *
 * Limits: every invocation takes an execution from the concurrency limiter (or is throttled), and
 * the MemorySize of all live environments stays within the memory budget: to start a new one, idle
 * environments are stopped least recently used first, and only when none is left is the
 * invocation throttled. Provisioned environments are started ahead, preferred, never reaped or
 * evicted.
 */
import type { RuntimeCommand } from '../config/config.js';
import type { FunctionConfig } from '../control/model.js';
import type { Metrics } from '../telemetry/metrics.js';
import { throttled } from '../errors/catalog.js';
import type { ConcurrencyLimiter } from '../invoke/limiter.js';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { hex } from '../shared/ids.js';
import { Environment, type EnvironmentDeps } from './environment.js';
import { stemCellFits, StemCells } from './stem-cells.js';
import type { Invocation, InvocationResult } from './invocation.js';

export interface PoolDeps extends EnvironmentDeps {
  idleTimeoutMs: number;
  runtimes: Readonly<Record<string, RuntimeCommand>>;
  codeDir: (sha: string) => string;
  metrics: Metrics;
  limiter: ConcurrencyLimiter;
  memoryBudgetMB: number;
  /** Cold starts run side by side up to this many; further invocations wait for a start or a warm environment. */
  maxStarting: number;
  /** A provisioned environment stopped (crashed, evicted by a change): its group may need a new one. */
  onProvisionedLost?: (group: string) => void;
  /** Pre-started runtimes for cold starts (stem-cells.ts); absent = every cold start spawns. */
  stemCells?: { dir: string; max: number; quietMs: number; logError: (err: unknown) => void };
  /** The host directory holding a function's layers merged in order (built once per combination). */
  optDir?: (shas: readonly string[]) => Promise<string | undefined>;
}

/** Environments are only shared by invocations of the same version with the same revision. */
const keyOf = (c: FunctionConfig): string => `${c.name}\0${c.version}\0${c.revisionId}`;

export class EnvironmentPool {
  private readonly idle = new Map<string, Environment[]>();
  /** Idle provisioned environments, taken before on-demand ones. */
  private readonly idlePinned = new Map<string, Environment[]>();
  /** Provisioned environments → their provisioned-concurrency group (`name\0qualifier`). */
  private readonly pinned = new Map<Environment, string>();
  private liveMemoryMB = 0;
  /** Environments starting for an invocation now, and the invocations waiting for one. */
  private starting = 0;
  private readonly waiting: { key: string; config: FunctionConfig; optDir?: string; resolve: (env: Environment) => void; reject: (err: unknown) => void }[] = [];
  private readonly live = new Set<Environment>();
  /** Environments of a function that changed since they started: they stop once they finish. */
  private readonly retired = new WeakSet<Environment>();
  private readonly reaper: NodeJS.Timeout;
  private closed = false;

  private readonly stems?: StemCells;
  /** On-demand cold starts of runtimes that have stem cells: once answered, the cells are refilled. */
  private readonly coldStarts = new WeakSet<Environment>();

  constructor(private readonly deps: PoolDeps) {
    const cells = deps.stemCells;
    if (cells) {
      this.stems = new StemCells({
        clock: deps.clock, max: cells.max, quietMs: cells.quietMs, logError: cells.logError,
        make: (runtimeId) => {
          const dir = join(cells.dir, hex(8), 'task');
          mkdirSync(dir, { recursive: true });
          return new Environment(stemConfig(runtimeId), dir, deps.runtimes[runtimeId]!, deps, (e) => this.forget(e), 'on-demand', undefined, true);
        },
      });
    }
    // One sweep timer for all environments, instead of a timer per idle environment.
    this.reaper = setInterval(() => this.reap(), Math.min(deps.idleTimeoutMs, 1000)).unref();
  }

  async run(config: FunctionConfig, inv: Invocation): Promise<InvocationResult> {
    const release = this.deps.limiter.acquire(config.name);
    const key = keyOf(config);
    let counters;
    let failed = true;
    try {
      let env = this.idlePinned.get(key)?.pop() ?? this.idle.get(key)?.pop() ?? (await this.startOrWait(config, key));
      counters = this.deps.metrics.start(config.name, config.version);
      let result = await env.invoke(inv);
      if (this.coldStarts.delete(env)) this.stems!.coldStartDone(config.runtime);
      if (result.undelivered) {
        env = config.layers.length ? await this.createWithLayers(config) : this.create(config);
        result = await env.invoke(inv);
      }
      this.release(env, key);
      failed = result.error !== undefined;
      return result;
    } finally {
      if (counters) this.deps.metrics.finish(counters, failed);
      release();
    }
  }

  /**
   * A cold start for this invocation, or, when `maxStarting` are already starting, a place in line
   * for whichever comes first: a start, or an environment of its version coming free. On a small
   * machine, starting everything at once only makes every start slower; a warm environment that
   * frees up meanwhile serves the waiting invocation at once.
   */
  private async startOrWait(config: FunctionConfig, key: string): Promise<Environment> {
    const optDir = config.layers.length ? await this.optDirFor(config) : undefined;
    if (this.starting < this.deps.maxStarting) return this.startFor(config, optDir);
    return new Promise((resolve, reject) => this.waiting.push({ key, config, optDir, resolve, reject }));
  }

  private startFor(config: FunctionConfig, optDir: string | undefined): Environment {
    const env = this.create(config, 'on-demand', optDir);
    this.starting++;
    void env.initialized.then(() => {
      this.starting--;
      this.wake();
    });
    return env;
  }

  /** Start environments for waiting invocations while there is room to start. */
  private wake(): void {
    while (this.starting < this.deps.maxStarting && this.waiting.length) {
      const w = this.waiting.shift()!;
      try {
        w.resolve(this.startFor(w.config, w.optDir));
      } catch (err) {
        w.reject(err);
      }
    }
  }

  /**
   * Keep `n` initialised environments of `config` for a provisioned-concurrency group: start the
   * missing ones (in parallel), stop extra ones and those of another version (the alias moved).
   * Rejects with the init failure when one cannot start.
   */
  async provision(group: string, config: FunctionConfig, n: number): Promise<void> {
    const optDir = config.layers.length ? await this.optDirFor(config) : undefined;
    const key = keyOf(config);
    const mine: Environment[] = [];
    for (const [e, g] of this.pinned) {
      if (g !== group) continue;
      if (keyOf(e.config) === key) mine.push(e);
      else this.unpin(e);
    }
    for (const e of mine.splice(n)) this.unpin(e);
    const starting: Promise<void>[] = [];
    for (let i = mine.length; i < n; i++) {
      const env = this.create(config, 'provisioned-concurrency', optDir);
      this.pinned.set(env, group);
      starting.push(env.prewarm().then(() => this.release(env, key)));
    }
    await Promise.all(starting);
  }

  /** Live environments per function version: how many are busy, idle, starting, and provisioned. */
  stats(): { functionName: string; version: string; busy: number; idle: number; starting: number; provisioned: number; memoryMB: number }[] {
    const out = new Map<string, { functionName: string; version: string; busy: number; idle: number; starting: number; provisioned: number; memoryMB: number }>();
    for (const e of this.live) {
      const key = `${e.config.name}\0${e.config.version}`;
      let s = out.get(key);
      if (!s) out.set(key, (s = { functionName: e.config.name, version: e.config.version, busy: 0, idle: 0, starting: 0, provisioned: 0, memoryMB: 0 }));
      if (e.state === 'busy') s.busy++;
      else if (e.state === 'idle') s.idle++;
      else s.starting++;
      if (this.pinned.has(e)) s.provisioned++;
      s.memoryMB += e.config.memorySize;
    }
    return [...out.values()];
  }

  /** Provisioned environments of the group ready for invocations now. */
  provisionedReady(group: string): number {
    let n = 0;
    for (const [e, g] of this.pinned) if (g === group && (e.state === 'idle' || e.state === 'busy')) n++;
    return n;
  }

  /** Give up a provisioned-concurrency group: idle environments stop, busy ones after they finish. */
  unprovision(group: string): void {
    for (const [e, g] of this.pinned) if (g === group) this.unpin(e);
  }

  private unpin(e: Environment): void {
    this.pinned.delete(e);
    this.removeFrom(this.idlePinned, e);
    if (e.state === 'idle' || e.state === 'new') e.stop();
    else this.retired.add(e);
  }

  /**
   * A version changed or was deleted (no version: the whole function): stop its idle environments;
   * busy ones stop when they finish. Other versions keep theirs, so moving an alias between
   * versions never cold-starts the version that did not change.
   */
  retire(name: string, version?: string): void {
    const prefix = version === undefined ? `${name}\0` : `${name}\0${version}\0`;
    for (const lists of [this.idle, this.idlePinned]) {
      for (const [key, envs] of lists) {
        if (!key.startsWith(prefix)) continue;
        lists.delete(key);
        for (const e of envs) e.stop();
      }
    }
    for (const e of this.live) if (e.config.name === name && (version === undefined || e.config.version === version)) this.retired.add(e);
  }

  close(): void {
    this.closed = true;
    this.stems?.close();
    clearInterval(this.reaper);
    for (const e of [...this.live]) e.stop();
    this.idle.clear();
  }

  /** A function with layers: its merged /opt is usually ready (built when it was configured), else built now. */
  private async createWithLayers(config: FunctionConfig): Promise<Environment> {
    return this.create(config, 'on-demand', await this.optDirFor(config));
  }

  private optDirFor(config: FunctionConfig): Promise<string | undefined> {
    return this.deps.optDir?.(config.layers.map((l) => l.codeSha256)) ?? Promise.resolve(undefined);
  }

  private create(config: FunctionConfig, initType: 'on-demand' | 'provisioned-concurrency' = 'on-demand', optDir?: string): Environment {
    this.makeRoom(config.memorySize);
    // The invoke path checked that this server can run the runtime.
    const runtime = this.deps.runtimes[config.runtime]!;
    const fits = this.stems !== undefined && initType === 'on-demand' && !optDir && stemCellFits(config, runtime.kind);
    const cell = fits ? this.stems!.take(config.runtime) : undefined;
    if (cell) {
      try {
        cell.specialise(config, this.deps.codeDir(config.codeSha256), initType);
        this.live.add(cell);
        this.liveMemoryMB += config.memorySize;
        this.coldStarts.add(cell);
        return cell;
      } catch (err) {
        // A cell that cannot take this function is dropped; the cold start spawns as usual.
        cell.stop();
        this.deps.stemCells?.logError(err);
      }
    }
    const env = new Environment(config, this.deps.codeDir(config.codeSha256), runtime, this.deps, (e) => this.forget(e), initType, optDir);
    this.live.add(env);
    this.liveMemoryMB += config.memorySize;
    if (fits) this.coldStarts.add(env);
    return env;
  }

  /** Stop idle on-demand environments, least recently used first, until `mb` more fits the budget (and a uid is free). */
  private makeRoom(mb: number): void {
    // The sandbox's uids are a limit of the machine too: when none is free, an idle environment
    // gives one back, or the invocation is throttled (rather than failing inside the sandbox).
    const noUid = () => this.deps.launcher.available?.() === 0;
    while (this.liveMemoryMB + mb > this.deps.memoryBudgetMB || noUid()) {
      let oldest: Environment | undefined;
      for (const list of this.idle.values()) for (const e of list) if (!oldest || e.lastUsed < oldest.lastUsed) oldest = e;
      // Nothing idle to give back: the machine is full, so the invocation is throttled.
      if (!oldest) throw throttled('ConcurrentInvocationLimitExceeded');
      oldest.stop();
    }
  }

  private release(env: Environment, key: string): void {
    if (env.state !== 'idle') return;
    if (this.closed || this.retired.has(env)) return env.stop();
    // An invocation of this version waiting for a start takes this environment instead.
    const i = this.waiting.findIndex((w) => w.key === key);
    if (i !== -1) return this.waiting.splice(i, 1)[0]!.resolve(env);
    const lists = this.pinned.has(env) ? this.idlePinned : this.idle;
    const list = lists.get(key);
    if (list) list.push(env);
    else lists.set(key, [env]);
  }

  private forget(env: Environment): void {
    if (!this.live.delete(env)) return;
    this.liveMemoryMB -= env.config.memorySize;
    this.removeFrom(this.idle, env);
    this.removeFrom(this.idlePinned, env);
    const group = this.pinned.get(env);
    if (group !== undefined) {
      this.pinned.delete(env);
      if (!this.closed) this.deps.onProvisionedLost?.(group);
    }
  }

  private removeFrom(lists: Map<string, Environment[]>, env: Environment): void {
    const key = keyOf(env.config);
    const list = lists.get(key);
    if (!list) return;
    const i = list.indexOf(env);
    if (i !== -1) list.splice(i, 1);
    if (list.length === 0) lists.delete(key);
  }

  private reap(): void {
    const cutoff = this.deps.clock.now() - this.deps.idleTimeoutMs;
    for (const list of this.idle.values()) for (const e of [...list]) if (e.lastUsed <= cutoff) e.stop();
  }
}

/** What a stem cell is started as, before it knows its function. */
function stemConfig(runtimeId: string): FunctionConfig {
  return {
    name: 'stratus-stem-cell', version: '$LATEST', runtime: runtimeId, handler: '', role: '', description: '',
    timeout: 900, memorySize: 1024, ephemeralStorage: 512, architectures: ['x86_64'], tracingMode: 'PassThrough',
    layers: [], logging: { logFormat: 'Text', logGroup: '/aws/lambda/stratus-stem-cell' }, codeSha256: '', codeSize: 0,
    revisionId: 'stem', lastModified: 0, state: 'Active', passthrough: {},
  };
}

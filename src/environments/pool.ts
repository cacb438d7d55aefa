/**
 * Execution environments per function version: reuse an idle one (warm start) or start a new one
 * (cold start); one invocation per environment at a time; idle ones stop after the keep-alive;
 * after a code or configuration change, new invocations get new environments while the old ones
 * finish what they are doing and stop.
 */
import type { RuntimeCommand } from '../config/config.js';
import type { FunctionConfig } from '../control/model.js';
import type { Metrics } from '../telemetry/metrics.js';
import { Environment, type EnvironmentDeps } from './environment.js';
import type { Invocation, InvocationResult } from './invocation.js';

export interface PoolDeps extends EnvironmentDeps {
  idleTimeoutMs: number;
  runtimes: Readonly<Record<string, RuntimeCommand>>;
  codeDir: (sha: string) => string;
  metrics: Metrics;
}

/** Environments are only shared by invocations of the same version with the same revision. */
const keyOf = (c: FunctionConfig): string => `${c.name}\0${c.version}\0${c.revisionId}`;

export class EnvironmentPool {
  private readonly idle = new Map<string, Environment[]>();
  private readonly live = new Set<Environment>();
  /** Environments of a function that changed since they started: they stop once they finish. */
  private readonly retired = new WeakSet<Environment>();
  private readonly reaper: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly deps: PoolDeps) {
    // One sweep timer for all environments, instead of a timer per idle environment.
    this.reaper = setInterval(() => this.reap(), Math.min(deps.idleTimeoutMs, 1000)).unref();
  }

  async run(config: FunctionConfig, inv: Invocation): Promise<InvocationResult> {
    const key = keyOf(config);
    const counters = this.deps.metrics.start(config.name, config.version);
    let failed = true;
    try {
      let env = this.idle.get(key)?.pop() ?? this.create(config);
      let result = await env.invoke(inv);
      if (result.undelivered) {
        env = this.create(config);
        result = await env.invoke(inv);
      }
      this.release(env, key);
      failed = result.error !== undefined;
      return result;
    } finally {
      this.deps.metrics.finish(counters, failed);
    }
  }

  /**
   * A version changed or was deleted (no version: the whole function): stop its idle environments;
   * busy ones stop when they finish. Other versions keep theirs, so moving an alias between
   * versions never cold-starts the version that did not change.
   */
  retire(name: string, version?: string): void {
    const prefix = version === undefined ? `${name}\0` : `${name}\0${version}\0`;
    for (const [key, envs] of this.idle) {
      if (!key.startsWith(prefix)) continue;
      this.idle.delete(key);
      for (const e of envs) e.stop();
    }
    for (const e of this.live) if (e.config.name === name && (version === undefined || e.config.version === version)) this.retired.add(e);
  }

  close(): void {
    this.closed = true;
    clearInterval(this.reaper);
    for (const e of [...this.live]) e.stop();
    this.idle.clear();
  }

  private create(config: FunctionConfig): Environment {
    // The invoke path checked that this server can run the runtime.
    const runtime = this.deps.runtimes[config.runtime]!;
    const env = new Environment(config, this.deps.codeDir(config.codeSha256), runtime, this.deps, (e) => this.forget(e));
    this.live.add(env);
    return env;
  }

  private release(env: Environment, key: string): void {
    if (env.state !== 'idle') return;
    if (this.closed || this.retired.has(env)) return env.stop();
    const list = this.idle.get(key);
    if (list) list.push(env);
    else this.idle.set(key, [env]);
  }

  private forget(env: Environment): void {
    this.live.delete(env);
    const key = keyOf(env.config);
    const list = this.idle.get(key);
    if (!list) return;
    const i = list.indexOf(env);
    if (i !== -1) list.splice(i, 1);
    if (list.length === 0) this.idle.delete(key);
  }

  private reap(): void {
    const cutoff = this.deps.clock.now() - this.deps.idleTimeoutMs;
    for (const list of this.idle.values()) for (const e of [...list]) if (e.lastUsed <= cutoff) e.stop();
  }
}

/**
 * Provisioned concurrency at run time: for each configuration (a version, or an alias's primary
 * version), keep that many environments initialised in the pool, and report IN_PROGRESS → READY
 * (or FAILED with the reason). `reconcile` compares what is configured with what runs; it is
 * called when a configuration, an alias or a version changes, at start, and when a provisioned
 * environment is lost (it is replaced, as on AWS).
 */
import { isVersionNumber, type FunctionService } from '../control/functions.js';
import type { Store } from '../store/store.js';
import type { EnvironmentPool } from './pool.js';

export type ProvisionedStatus = 'IN_PROGRESS' | 'READY' | 'FAILED';

export interface ProvisionedState {
  status: ProvisionedStatus;
  reason?: string;
  /** Environments initialised and serving now. */
  ready: number;
}

interface Group {
  status: ProvisionedStatus;
  reason?: string;
  /** Bumped on each reconcile, so a slower earlier attempt cannot overwrite a newer status. */
  attempt: number;
}

const groupOf = (name: string, qualifier: string) => `${name}\0${qualifier}`;

export class ProvisionedManager {
  private readonly groups = new Map<string, Group>();
  private readonly pendingLost = new Set<string>();

  constructor(private readonly deps: { store: Store; fns: FunctionService; pool: EnvironmentPool; logError: (err: unknown) => void }) {}

  /** Start provisioning every stored configuration (server start). */
  reconcileAll(): void {
    for (const name of new Set(this.deps.store.listProvisioned().map((p) => p.functionName))) this.reconcile(name);
  }

  reconcile(name: string): void {
    const wanted = new Set<string>();
    for (const p of this.deps.store.listProvisioned(name)) {
      const group = groupOf(name, p.qualifier);
      wanted.add(group);
      const version = isVersionNumber(p.qualifier) ? p.qualifier : this.deps.fns.alias(name, p.qualifier)?.functionVersion;
      const config = version ? this.deps.fns.version(name, version) : undefined;
      const g: Group = { status: 'IN_PROGRESS', attempt: (this.groups.get(group)?.attempt ?? 0) + 1 };
      this.groups.set(group, g);
      if (!config) {
        g.status = 'FAILED';
        g.reason = `The version ${p.qualifier} refers to no longer exists.`;
        this.deps.pool.unprovision(group);
        continue;
      }
      this.deps.pool.provision(group, config, p.requested).then(
        () => {
          if (this.groups.get(group)?.attempt === g.attempt) g.status = 'READY';
        },
        (err: Error) => {
          if (this.groups.get(group)?.attempt !== g.attempt) return;
          g.status = 'FAILED';
          g.reason = `FUNCTION_ERROR_INIT_FAILURE: ${err.message}`;
          this.deps.pool.unprovision(group);
        },
      );
    }
    for (const group of this.groups.keys()) {
      if (!group.startsWith(`${name}\0`) || wanted.has(group)) continue;
      this.groups.delete(group);
      this.deps.pool.unprovision(group);
    }
  }

  /** A provisioned environment stopped: replace it (once per turn, however many stopped). */
  lost(group: string): void {
    if (this.groups.get(group)?.status !== 'READY' || this.pendingLost.has(group)) return;
    this.pendingLost.add(group);
    setImmediate(() => {
      this.pendingLost.delete(group);
      try {
        this.reconcile(group.slice(0, group.indexOf('\0')));
      } catch (err) {
        this.deps.logError(err);
      }
    });
  }

  state(name: string, qualifier: string): ProvisionedState {
    const group = groupOf(name, qualifier);
    const g = this.groups.get(group);
    return { status: g?.status ?? 'IN_PROGRESS', reason: g?.reason, ready: this.deps.pool.provisionedReady(group) };
  }
}

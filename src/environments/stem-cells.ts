/**
 * Stem cells: runtime processes started ahead, sandboxed and loaded, that do not yet know their
 * function (as OpenWhisk's and Fission's pools of generic containers). A cold start takes one and
 * specialises it (code linked in, variables and limits set, handler imported) instead of
 * spawning: the sandbox, the interpreter's start-up and the runtime client's loading are already
 * paid. Each runtime keeps as many ready as recent cold starts asked for (none until the first),
 * refills after a cell is used, and drops to none after a quiet spell, so an idle server costs
 * nothing. A cell that was handed to a function belongs to it; cells are never reused.
 */
import type { FunctionConfig } from '../control/model.js';
import type { Clock } from '../shared/clock.js';
import type { Environment } from './environment.js';

export interface StemCellDeps {
  clock: Clock;
  /** Create (not start) a stem cell for a runtime id. */
  make: (runtimeId: string) => Environment;
  /** Most cells kept ready per runtime. */
  max: number;
  /** A runtime with no cold start for this long keeps no cells. */
  quietMs: number;
  logError: (err: unknown) => void;
}

interface RuntimeCells {
  ready: Environment[];
  starting: number;
  /** How many to keep ready: grows by one on each cold start that found none. */
  target: number;
  lastTaken: number;
}

/** Functions a cell can become: those whose environment a cell's launch already matches. */
export function stemCellFits(config: FunctionConfig, kind: string): boolean {
  // The cell's /tmp is sized at launch (512 MB, the default) and its /opt is empty; a function
  // with an AWS_LAMBDA_EXEC_WRAPPER needs its runtime started by that wrapper, which a cell's
  // already running runtime was not.
  return (kind === 'nodejs' || kind === 'python') && config.ephemeralStorage === 512 && config.layers.length === 0 &&
    !config.environment?.AWS_LAMBDA_EXEC_WRAPPER;
}

export class StemCells {
  private readonly runtimes = new Map<string, RuntimeCells>();
  private readonly timer: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly deps: StemCellDeps) {
    this.timer = setInterval(() => this.shrink(), Math.min(deps.quietMs, 10_000)).unref();
  }

  /**
   * A ready cell for this runtime, or undefined (the caller spawns; the target grows so that the
   * next cold start finds one). Cells are made again in coldStartDone(), not here.
   */
  take(runtimeId: string): Environment | undefined {
    const r = this.cells(runtimeId);
    r.lastTaken = this.deps.clock.now();
    let cell: Environment | undefined;
    while ((cell = r.ready.shift()) && cell.state !== 'stem');
    if (!cell) r.target = Math.min(this.deps.max, r.target + 1);
    return cell;
  }

  /**
   * A cold start of this runtime has answered its invocation: now make the cells it used or
   * asked for. Not earlier: starting a cell takes a spawn on the server's event loop and tens of
   * ms of CPU, which, on a small machine, landed in the middle of that first invocation
   * (measured: first invocation 5-10 ms instead of ~0.5 ms).
   */
  coldStartDone(runtimeId: string): void {
    setImmediate(() => this.refill(runtimeId));
  }

  /** Cells ready now, per runtime (for `stratus top` and tests). */
  readyCount(runtimeId: string): number {
    return this.runtimes.get(runtimeId)?.ready.filter((c) => c.state === 'stem').length ?? 0;
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    for (const r of this.runtimes.values()) for (const c of r.ready.splice(0)) c.stop();
  }

  private cells(runtimeId: string): RuntimeCells {
    let r = this.runtimes.get(runtimeId);
    if (!r) this.runtimes.set(runtimeId, (r = { ready: [], starting: 0, target: 0, lastTaken: 0 }));
    return r;
  }

  private refill(runtimeId: string): void {
    const r = this.cells(runtimeId);
    // One at a time per runtime: cells are for the next cold starts, not a burst of their own.
    if (this.closed || r.starting > 0 || r.ready.length >= r.target) return;
    r.starting++;
    const cell = this.deps.make(runtimeId);
    cell.startStem().then(
      () => {
        r.starting--;
        if (this.closed || r.ready.length >= r.target) return cell.stop();
        r.ready.push(cell);
        this.refill(runtimeId);
      },
      (err: Error) => {
        r.starting--;
        // Stopped because the server is shutting down: not a failure.
        if (this.closed) return;
        // A runtime that cannot start as a cell (e.g. a broken interpreter) keeps spawning instead.
        r.target = 0;
        this.deps.logError(new Error(`stem cell for ${runtimeId} failed to start: ${err.message}`));
      },
    );
  }

  /** After a quiet spell a runtime keeps no cells: an idle server holds no processes for them. */
  private shrink(): void {
    const now = this.deps.clock.now();
    for (const r of this.runtimes.values()) {
      if (r.target === 0 || now - r.lastTaken < this.deps.quietMs) continue;
      r.target = 0;
      for (const c of r.ready.splice(0)) c.stop();
    }
  }
}

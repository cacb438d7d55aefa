/**
 * Per-version invocation counters, kept in memory: how many invocations ran, how many failed,
 * how many run now. `stratus deploy` watches a new version's error rate with them; they are
 * cumulative, so a reader takes deltas between two reads. Not persisted: they restart at zero.
 */

export interface VersionCounters {
  functionName: string;
  version: string;
  invocations: number;
  errors: number;
  inFlight: number;
}

export class Metrics {
  private readonly counters = new Map<string, VersionCounters>();

  /** An invocation starts on a version; hand the result to `finish`. */
  start(functionName: string, version: string): VersionCounters {
    const key = `${functionName}\0${version}`;
    let c = this.counters.get(key);
    if (!c) this.counters.set(key, (c = { functionName, version, invocations: 0, errors: 0, inFlight: 0 }));
    c.inFlight++;
    return c;
  }

  finish(c: VersionCounters, failed: boolean): void {
    c.inFlight--;
    c.invocations++;
    if (failed) c.errors++;
  }

  /** A deleted function's counters go with it (a new function of that name starts at zero). */
  forget(functionName: string): void {
    for (const [key, c] of this.counters) if (c.functionName === functionName) this.counters.delete(key);
  }

  snapshot(functionName?: string): VersionCounters[] {
    return [...this.counters.values()].filter((c) => functionName === undefined || c.functionName === functionName).map((c) => ({ ...c }));
  }
}

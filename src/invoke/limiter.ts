/**
 * Concurrency limits at invoke time, as on Lambda: a function with reserved concurrency runs at
 * most that many invocations at once (0 turns it off); the others share what is not reserved of
 * the account's limit. Over a limit → 429 TooManyRequestsException "Rate Exceeded." with the Reason.
 * Counting is O(1) per invocation; the reserved values come from the function cache.
 */
import { throttled } from '../errors/catalog.js';

export interface LimiterDeps {
  /** A function's reserved concurrency, undefined when it has none. */
  reservedOf: (name: string) => number | undefined;
  /** The account's executions not reserved by any function. */
  unreserved: () => number;
}

export class ConcurrencyLimiter {
  private readonly perFunction = new Map<string, number>();
  private unreservedInFlight = 0;

  constructor(private readonly deps: LimiterDeps) {}

  /** Take one execution for `name` or throw the throttle; call the returned function when it ends. */
  acquire(name: string): () => void {
    const reserved = this.deps.reservedOf(name);
    const current = this.perFunction.get(name) ?? 0;
    if (reserved !== undefined) {
      if (current >= reserved) throw throttled('ReservedFunctionConcurrentInvocationLimitExceeded');
    } else if (this.unreservedInFlight >= this.deps.unreserved()) throw throttled('ConcurrentInvocationLimitExceeded');
    this.perFunction.set(name, current + 1);
    const shared = reserved === undefined;
    if (shared) this.unreservedInFlight++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = (this.perFunction.get(name) ?? 1) - 1;
      if (n === 0) this.perFunction.delete(name);
      else this.perFunction.set(name, n);
      if (shared) this.unreservedInFlight--;
    };
  }

  /** Invocations running now, per function. */
  inFlight(): Map<string, number> {
    return new Map(this.perFunction);
  }
}

/** A test clock: real time plus an offset the test moves forward, so a minute passes at once. */
import { realWakeAt, type Clock } from '../../src/shared/clock.js';

interface Wake {
  at: number;
  fn: () => void;
  cancel: () => void;
}

/** Anything with an SDK client's config (its signer must agree with the server's clock). */
interface Signed {
  config: { systemClockOffset?: number };
}

export class TestClock implements Clock {
  private offset: number;
  private readonly wakes = new Set<Wake>();
  private readonly clients = new Set<Signed>();

  /** Start at `start` (epoch ms; must not be in the past, the runtime's deadlines use this clock). */
  constructor(start: number) {
    this.offset = Math.max(0, start - Date.now());
  }

  now = (): number => Date.now() + this.offset;
  monotonic = (): number => performance.now();

  wakeAt(at: number, fn: () => void): () => void {
    const w: Wake = { at, fn, cancel: () => {} };
    w.cancel = realWakeAt(this.now, at, () => this.fire(w));
    this.wakes.add(w);
    return () => {
      w.cancel();
      this.wakes.delete(w);
    };
  }

  /** Move time forward and run whatever became due. */
  advance(ms: number): void {
    this.offset += ms;
    for (const c of this.clients) c.config.systemClockOffset = this.offset;
    for (const w of [...this.wakes]) if (w.at <= this.now()) (w.cancel(), this.fire(w));
  }

  /** Keep a client's request signing on this clock (the server refuses skewed signatures). */
  sign<T extends Signed>(client: T): T {
    client.config.systemClockOffset = this.offset;
    this.clients.add(client);
    return client;
  }

  private fire(w: Wake): void {
    if (!this.wakes.delete(w)) return;
    w.fn();
  }
}

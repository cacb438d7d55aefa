/** A source of time, passed in so tests can drive timeouts and schedules. */
export interface Clock {
  /** Wall-clock milliseconds since the epoch. */
  now(): number;
  /** Monotonic milliseconds with sub-ms precision, for measuring durations. */
  monotonic(): number;
  /**
   * Call `fn` once this clock reads `at` (epoch ms) or later; returns a cancel function. Schedules
   * wait through this rather than setTimeout, so a test clock can make a minute pass at once.
   */
  wakeAt?(at: number, fn: () => void): () => void;
}

// setTimeout's ceiling (~24.8 days); longer waits re-arm.
const MAX_DELAY = 2 ** 31 - 1;

/** Wake `fn` at wall-clock time `at` using real timers, re-checking `now` when the timer fires early. */
export function realWakeAt(now: () => number, at: number, fn: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  // Always through a timer, never synchronously: the caller holds the cancel function first.
  const arm = (): void => {
    timer = setTimeout(() => (now() >= at ? fn() : arm()), Math.max(0, Math.min(at - now(), MAX_DELAY)));
    timer.unref();
  };
  arm();
  return () => clearTimeout(timer);
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  wakeAt: (at, fn) => realWakeAt(() => Date.now(), at, fn),
};

/** The clock's wakeAt, or real timers against its `now` for clocks without one. */
export const wakeAt = (clock: Clock, at: number, fn: () => void): (() => void) =>
  clock.wakeAt ? clock.wakeAt(at, fn) : realWakeAt(() => clock.now(), at, fn);

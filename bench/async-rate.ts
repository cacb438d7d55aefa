/**
 * Async invocations: events accepted per second (wrk sending signed `InvocationType: Event`
 * invokes) and completed per second.
 *
 * With durable async (branch `async`; `GET /_stratus/async/status` answers), a 202 means the event
 * was committed to the queue, and completion is read from the status's Finished count. Without it
 * (main before that lands) a 202 only means the event was handed to a background invocation in
 * memory; completion is then read from the per-version invocation counters of
 * `GET /_stratus/metrics`. Either way, completed/s = events finished ÷ time from the start of the
 * load until the backlog is done (or the drain budget runs out, then ÷ the time spent).
 */
import { sleep, wrk } from './lib.js';
import type { Stratus } from './stratus.js';

export interface AsyncResult {
  durable: boolean;
  method: string;
  connections: number;
  acceptedPerSecond: number;
  acceptP50ms: number;
  acceptP99ms: number;
  accepted: number;
  finished: number;
  completedPerSecond: number;
  drained: boolean;
  drainAfterLoadSeconds: number;
}


interface AsyncStatus {
  Accepted: number;
  Finished: number;
  Functions: unknown[];
}

/** `name` must exist on `s`, be warm, and be a hello world (events must be cheap to run). */
export async function measureAsync(s: Stratus, name: string, seconds: number, connections: number, drainSeconds: number): Promise<AsyncResult> {
  const body = '{"name":"bench"}';
  const path = `/2015-03-31/functions/${name}/invocations`;
  const durable = (await s.get<AsyncStatus>('/_stratus/async/status')) !== undefined;
  const acceptedNow = async (): Promise<number> => (durable ? (await s.get<AsyncStatus>('/_stratus/async/status'))!.Accepted : 0);
  const finishedNow = async (): Promise<number> => {
    if (durable) return (await s.get<AsyncStatus>('/_stratus/async/status'))!.Finished;
    const m = await s.get<{ Versions: { invocations: number }[] }>('/_stratus/metrics', { FunctionName: name });
    return (m?.Versions ?? []).reduce((a, v) => a + v.invocations, 0);
  };
  const before = await finishedNow();
  const acceptedBefore = await acceptedNow();
  const headers = await s.sign(path, body, { 'x-amz-invocation-type': 'Event' });
  const t0 = performance.now();
  const load = wrk(`${s.url}${path}`, body, headers, connections, seconds);
  const loadEnd = performance.now();
  // wrk counts the answers it read; requests still in flight when it stopped were accepted too,
  // and the durable queue counts them.
  const accepted = durable ? (await acceptedNow()) - acceptedBefore : load.requests;
  let finished = (await finishedNow()) - before;
  const deadline = loadEnd + drainSeconds * 1000;
  // Stop waiting when the backlog is done, the drain budget is spent, or nothing has finished for
  // 3 s (without the durable queue, events refused in the background never finish).
  let lastProgress = performance.now();
  while (finished < accepted && performance.now() < deadline && performance.now() - lastProgress < 3000) {
    await sleep(100);
    const now = (await finishedNow()) - before;
    if (now > finished) lastProgress = performance.now();
    finished = now;
  }
  const end = performance.now();
  const drained = finished >= accepted;
  return {
    durable,
    method: durable
      ? `wrk -t1 -c${connections} -d${seconds}s of signed Event invokes; a 202 = committed to the durable queue; completed = /_stratus/async/status Finished`
      : `CURRENT CODE (no durable queue on this build): wrk -t1 -c${connections} -d${seconds}s of signed Event invokes; a 202 = handed to an in-memory background invocation; completed = /_stratus/metrics invocations`,
    connections,
    acceptedPerSecond: Math.round(load.rps),
    acceptP50ms: load.p50,
    acceptP99ms: load.p99,
    accepted,
    finished,
    completedPerSecond: Math.round(finished / ((end - t0) / 1000)),
    drained,
    drainAfterLoadSeconds: Number(((end - loadEnd) / 1000).toFixed(1)),
  };
}

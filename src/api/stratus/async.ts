/**
 * Stratus's own API (no AWS equivalent): the async queue's state, for `stratus async status`.
 * Signed with SigV4 like every other call (service name `lambda`).
 */
import type { Route } from '../../gateway/router.js';
import type { QueueStatus } from '../../invoke/async-queue.js';
import { json } from '../lambda/json.js';

export const ASYNC_STATUS_PATH = '/_stratus/async/status';

/** The answer: per-function counts, and events accepted / finished since the server started. */
export interface AsyncStatus {
  Functions: QueueStatus[];
  Accepted: number;
  Finished: number;
}

export function asyncStatusRoutes(status: () => QueueStatus[], counts: () => { accepted: number; finished: number }): Route[] {
  return [
    {
      method: 'GET', path: ASYNC_STATUS_PATH, operation: 'StratusAsyncStatus', maxBody: 0,
      handler: () => json(200, { Functions: status(), Accepted: counts().accepted, Finished: counts().finished }),
    },
  ];
}

/**
 * Stratus's own API (not AWS's): live per-version invocation counters, signed like every other
 * call. `stratus deploy` reads them to watch a canary; tools may too. Shape: docs/versions.md.
 */
import type { EnvironmentPool } from '../../environments/pool.js';
import type { Route } from '../../gateway/router.js';
import type { Metrics } from '../../telemetry/metrics.js';
import { json } from '../lambda/json.js';

export function metricsRoutes(metrics: Metrics, pool: EnvironmentPool, memoryBudgetMB: number): Route[] {
  return [
    {
      method: 'GET', path: '/_stratus/metrics', operation: 'StratusMetrics', maxBody: 0,
      handler: (req) => {
        const fn = req.query.get('FunctionName') ?? undefined;
        const environments = pool.stats().filter((e) => fn === undefined || e.functionName === fn);
        return json(200, { Versions: metrics.snapshot(fn), Environments: environments, MemoryBudgetMB: memoryBudgetMB });
      },
    },
  ];
}

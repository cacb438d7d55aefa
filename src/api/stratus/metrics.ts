/**
 * Stratus's own API (not AWS's): live per-version invocation counters, signed like every other
 * call. `stratus deploy` reads them to watch a canary; tools may too. Shape: docs/versions.md.
 */
import type { Route } from '../../gateway/router.js';
import type { Metrics } from '../../telemetry/metrics.js';
import { json } from '../lambda/json.js';

export function metricsRoutes(metrics: Metrics): Route[] {
  return [
    {
      method: 'GET', path: '/_stratus/metrics', operation: 'StratusMetrics', maxBody: 0,
      handler: (req) => json(200, { Versions: metrics.snapshot(req.query.get('FunctionName') ?? undefined) }),
    },
  ];
}

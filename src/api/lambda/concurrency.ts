/** Lambda API: reserved and provisioned concurrency (contract C1), wire ⇄ domain. */
import type { ConcurrencyService } from '../../control/concurrency.js';
import type { FunctionService } from '../../control/functions.js';
import { PLAIN } from '../../control/names.js';
import type { ProvisionedConfig } from '../../control/model.js';
import type { ProvisionedManager } from '../../environments/provisioned.js';
import type { Route } from '../../gateway/router.js';
import type { Account } from '../../shared/arn.js';
import { functionArn } from '../../shared/arn.js';
import { json, jsonBody, noContent } from './json.js';

const SMALL = 1024 * 1024;

export function concurrencyRoutes(fns: FunctionService, concurrency: ConcurrencyService, provisioned: ProvisionedManager, account: Account): Route[] {
  // Every concurrency operation takes a FunctionName, and provisioned concurrency a Qualifier (control/names.ts).
  const ref = (req: { params: Record<string, string>; query: URLSearchParams }) =>
    fns.resolveRef(req.params.FunctionName!, req.query.get('Qualifier'), PLAIN);
  const shape = (p: ProvisionedConfig, withArn = false) => {
    const s = provisioned.state(p.functionName, p.qualifier);
    const out: Record<string, unknown> = {};
    if (withArn) out.FunctionArn = functionArn(account, p.functionName, p.qualifier);
    Object.assign(out, {
      RequestedProvisionedConcurrentExecutions: p.requested,
      AvailableProvisionedConcurrentExecutions: s.ready,
      AllocatedProvisionedConcurrentExecutions: s.ready,
      Status: s.status,
    });
    if (s.reason) out.StatusReason = s.reason;
    out.LastModified = new Date(p.lastModified).toISOString();
    return out;
  };

  return [
    {
      method: 'PUT', path: '/2017-10-31/functions/{FunctionName}/concurrency', operation: 'PutFunctionConcurrency', maxBody: SMALL,
      handler: async (req) => json(200, { ReservedConcurrentExecutions: await concurrency.putReserved(ref(req), jsonBody(req.body)) }),
    },
    {
      method: 'GET', path: '/2019-09-30/functions/{FunctionName}/concurrency', operation: 'GetFunctionConcurrency', maxBody: SMALL,
      handler: (req) => {
        const n = concurrency.getReserved(ref(req));
        return json(200, n === undefined ? {} : { ReservedConcurrentExecutions: n });
      },
    },
    {
      method: 'DELETE', path: '/2017-10-31/functions/{FunctionName}/concurrency', operation: 'DeleteFunctionConcurrency', maxBody: SMALL,
      handler: async (req) => (await concurrency.deleteReserved(ref(req)), noContent()),
    },
    {
      method: 'PUT', path: '/2019-09-30/functions/{FunctionName}/provisioned-concurrency', operation: 'PutProvisionedConcurrencyConfig', maxBody: SMALL,
      handler: async (req) => json(202, shape(await concurrency.putProvisioned(ref(req), jsonBody(req.body)))),
    },
    {
      method: 'GET', path: '/2019-09-30/functions/{FunctionName}/provisioned-concurrency', operation: 'GetProvisionedConcurrencyConfig', maxBody: SMALL,
      handler: (req) => {
        if (req.query.get('List') === 'ALL')
          return json(200, { ProvisionedConcurrencyConfigs: concurrency.listProvisioned(ref(req)).map((p) => shape(p, true)) });
        return json(200, shape(concurrency.getProvisioned(ref(req))));
      },
    },
    {
      method: 'DELETE', path: '/2019-09-30/functions/{FunctionName}/provisioned-concurrency', operation: 'DeleteProvisionedConcurrencyConfig', maxBody: SMALL,
      handler: async (req) => (await concurrency.deleteProvisioned(ref(req)), noContent()),
    },
  ];
}

/** Lambda API: GetAccountSettings (contract C1, E). */
import { LIMITS } from '../../control/limits.js';
import type { Route } from '../../gateway/router.js';
import type { ConcurrencyService } from '../../control/concurrency.js';
import type { Store } from '../../store/store.js';
import { json } from './json.js';

export function accountRoutes(store: Store, concurrency: ConcurrencyService): Route[] {
  return [
    {
      method: 'GET', path: '/2016-08-19/account-settings', operation: 'GetAccountSettings', maxBody: 1024 * 1024,
      handler: () => {
        const usage = store.usage();
        return json(200, {
          AccountLimit: {
            TotalCodeSize: LIMITS.totalCodeSize,
            CodeSizeUnzipped: LIMITS.unzippedBytes,
            CodeSizeZipped: LIMITS.zippedBytes,
            ConcurrentExecutions: concurrency.accountLimit,
            UnreservedConcurrentExecutions: concurrency.unreserved(),
          },
          AccountUsage: { TotalCodeSize: usage.totalCodeSize, FunctionCount: usage.functionCount },
        });
      },
    },
  ];
}

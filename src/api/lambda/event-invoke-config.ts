/** Lambda API: Put/Update/Get/Delete/ListFunctionEventInvokeConfigs (contract C1), wire ⇄ EventConfigService. */
import { validationError } from '../../errors/catalog.js';
import type { FunctionService } from '../../control/functions.js';
import type { Route } from '../../gateway/router.js';
import { eventInvokeConfigShape, type EventConfigService } from '../../invoke/event-config.js';
import { json, jsonBody, noContent } from './json.js';

const SMALL = 1024 * 1024;
/** ListFunctionEventInvokeConfigs: MaxItems 1–50 (the model's bounds), 50 by default. */
const PAGE = 50;

export function eventInvokeConfigRoutes(fns: FunctionService, configs: EventConfigService): Route[] {
  const path = '/2019-09-25/functions/{FunctionName}/event-invoke-config';
  const ref = (req: { params: Record<string, string>; query: URLSearchParams }) => fns.resolveRef(req.params.FunctionName!, req.query.get('Qualifier'));
  const shape = (c: Parameters<typeof eventInvokeConfigShape>[1]) => eventInvokeConfigShape(fns.arn(c.functionName), c);
  return [
    {
      method: 'PUT', path, operation: 'PutFunctionEventInvokeConfig', maxBody: SMALL,
      handler: (req) => json(200, shape(configs.put(ref(req), jsonBody(req.body), false))),
    },
    {
      method: 'POST', path, operation: 'UpdateFunctionEventInvokeConfig', maxBody: SMALL,
      handler: (req) => json(200, shape(configs.put(ref(req), jsonBody(req.body), true))),
    },
    {
      method: 'GET', path, operation: 'GetFunctionEventInvokeConfig', maxBody: SMALL,
      handler: (req) => json(200, shape(configs.get(ref(req)))),
    },
    {
      method: 'DELETE', path, operation: 'DeleteFunctionEventInvokeConfig', maxBody: SMALL,
      handler: (req) => (configs.delete(ref(req)), noContent()),
    },
    {
      method: 'GET', path: `${path}/list`, operation: 'ListFunctionEventInvokeConfigs', maxBody: SMALL,
      handler: (req) => {
        const max = req.query.get('MaxItems');
        let limit = PAGE;
        if (max !== null) {
          const n = Number(max);
          if (!Number.isInteger(n) || n < 1 || n > PAGE)
            throw validationError([{ value: max, path: 'maxItems', constraint: n < 1 ? 'Member must have value greater than or equal to 1' : `Member must have value less than or equal to ${PAGE}` }]);
          limit = n;
        }
        const marker = req.query.get('Marker');
        const after = marker ? Buffer.from(marker, 'base64url').toString('utf8') : '';
        const all = configs.list(ref(req)).filter((c) => c.qualifier > after);
        const items = all.slice(0, limit);
        const out: Record<string, unknown> = { FunctionEventInvokeConfigs: items.map(shape) };
        if (all.length > limit) out.NextMarker = Buffer.from(items[items.length - 1]!.qualifier).toString('base64url');
        return json(200, out);
      },
    },
  ];
}

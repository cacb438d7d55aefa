/** Lambda API: function resources (contract C1), wire ⇄ domain. */
import { validationError } from '../../errors/catalog.js';
import type { Route } from '../../gateway/router.js';
import type { FunctionService } from '../../control/functions.js';
import { LIMITS } from '../../control/limits.js';
import type { Account } from '../../shared/arn.js';
import { functionConfiguration } from './shapes.js';
import { json, jsonBody, noContent } from './json.js';
import type { CodeLinks } from './code-links.js';

const SMALL = 1024 * 1024;
/** ListFunctions returns at most 50 per page whatever MaxItems says (contract C0). */
const PAGE = 50;

export function functionRoutes(fns: FunctionService, account: Account, links: CodeLinks): Route[] {
  const ref = (req: { params: Record<string, string>; query: URLSearchParams }) =>
    fns.resolveRef(req.params.FunctionName!, req.query.get('Qualifier'));

  return [
    {
      method: 'POST', path: '/2015-03-31/functions', operation: 'CreateFunction', maxBody: LIMITS.createFunctionRequestBytes,
      handler: async (req) => json(201, functionConfiguration(account, await fns.create(jsonBody(req.body)))),
    },
    {
      method: 'GET', path: '/2015-03-31/functions', operation: 'ListFunctions', maxBody: SMALL,
      handler: (req) => {
        const max = req.query.get('MaxItems');
        let limit = PAGE;
        if (max !== null) {
          const n = Number(max);
          if (!Number.isInteger(n) || n < 1 || n > 10_000)
            throw validationError([{ value: max, path: 'maxItems', constraint: n < 1 ? 'Member must have value greater than or equal to 1' : 'Member must have value less than or equal to 10000' }]);
          limit = Math.min(n, PAGE);
        }
        const marker = req.query.get('Marker');
        const after = marker ? Buffer.from(marker, 'base64url').toString('utf8') : undefined;
        const page = fns.list(after, limit + 1);
        const more = page.length > limit;
        const items = page.slice(0, limit);
        const out: Record<string, unknown> = { Functions: items.map((c) => functionConfiguration(account, c, { listing: true })) };
        if (more) out.NextMarker = Buffer.from(items[items.length - 1]!.name).toString('base64url');
        return json(200, out);
      },
    },
    {
      method: 'GET', path: '/2015-03-31/functions/{FunctionName}', operation: 'GetFunction', maxBody: SMALL,
      handler: (req) => {
        const r = ref(req);
        const fn = fns.get(r);
        const out: Record<string, unknown> = {
          Configuration: functionConfiguration(account, fn.config, { qualified: r.qualifier !== undefined }),
          Code: { RepositoryType: 'S3', Location: links.url(req.origin, fn.config.codeSha256) },
        };
        if (Object.keys(fn.tags).length) out.Tags = fn.tags;
        return json(200, out);
      },
    },
    {
      method: 'DELETE', path: '/2015-03-31/functions/{FunctionName}', operation: 'DeleteFunction', maxBody: SMALL,
      handler: async (req) => (await fns.delete(ref(req)), noContent()),
    },
    {
      method: 'GET', path: '/2015-03-31/functions/{FunctionName}/configuration', operation: 'GetFunctionConfiguration', maxBody: SMALL,
      handler: (req) => {
        const r = ref(req);
        return json(200, functionConfiguration(account, fns.get(r).config, { qualified: r.qualifier !== undefined }));
      },
    },
    {
      method: 'PUT', path: '/2015-03-31/functions/{FunctionName}/configuration', operation: 'UpdateFunctionConfiguration', maxBody: SMALL,
      handler: async (req) => json(200, functionConfiguration(account, await fns.updateConfig(ref(req), jsonBody(req.body)))),
    },
    {
      method: 'PUT', path: '/2015-03-31/functions/{FunctionName}/code', operation: 'UpdateFunctionCode', maxBody: LIMITS.createFunctionRequestBytes,
      handler: async (req) => json(200, functionConfiguration(account, await fns.updateCode(ref(req), jsonBody(req.body)))),
    },
  ];
}

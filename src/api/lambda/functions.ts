/** Lambda API: function resources (contract C1), wire ⇄ domain. */
import { validationError } from '../../errors/catalog.js';
import type { Route } from '../../gateway/router.js';
import type { FunctionService } from '../../control/functions.js';
import { LIMITS } from '../../control/limits.js';
import { NAMESPACED, PLAIN, type RefForm } from '../../control/names.js';
import type { Account } from '../../shared/arn.js';
import { functionConfiguration } from './shapes.js';
import { decodeMarker, encodeMarker, json, jsonBody, noContent, pageSize } from './json.js';
import type { CodeLinks } from './code-links.js';

const SMALL = 1024 * 1024;

export function functionRoutes(fns: FunctionService, account: Account, links: CodeLinks): Route[] {
  // Get and Delete take a NamespacedFunctionName, the updates a FunctionName (control/names.ts).
  const ref = (req: { params: Record<string, string>; query: URLSearchParams }, form: RefForm = NAMESPACED) =>
    fns.resolveRef(req.params.FunctionName!, req.query.get('Qualifier'), form);

  return [
    {
      method: 'POST', path: '/2015-03-31/functions', operation: 'CreateFunction', maxBody: LIMITS.createFunctionRequestBytes,
      // With `Publish: true` this is version 1's configuration, under the unqualified ARN (as AWS answers).
      handler: async (req) => json(201, functionConfiguration(account, await fns.create(jsonBody(req.body)))),
    },
    {
      method: 'GET', path: '/2015-03-31/functions', operation: 'ListFunctions', maxBody: SMALL,
      handler: (req) => {
        const limit = pageSize(req.query);
        const after = decodeMarker(req.query.get('Marker'));
        const all = req.query.get('FunctionVersion');
        if (all !== null && all !== 'ALL')
          throw validationError([{ value: all, path: 'functionVersion', constraint: 'Member must satisfy enum value set: [ALL]' }]);
        // With FunctionVersion=ALL every version is listed (qualified ARNs), ordered by name then version.
        const page = all
          ? fns.listAllVersions(after ? decodeVersionMarker(after) : undefined, limit + 1)
          : fns.list(after, limit + 1);
        const more = page.length > limit;
        const items = page.slice(0, limit);
        const out: Record<string, unknown> = {
          Functions: items.map((c) => functionConfiguration(account, c, { listing: true, qualifier: all ? c.version : undefined })),
        };
        const last = items[items.length - 1];
        if (more && last) out.NextMarker = encodeMarker(all ? `${last.name}\0${versionOrder(last.version)}` : last.name);
        return json(200, out);
      },
    },
    {
      method: 'GET', path: '/2015-03-31/functions/{FunctionName}', operation: 'GetFunction', maxBody: SMALL,
      handler: (req) => {
        const r = ref(req);
        const fn = fns.get(r);
        const out: Record<string, unknown> = {
          Configuration: functionConfiguration(account, fn.config, { qualifier: r.qualifier }),
          Code: { RepositoryType: 'S3', Location: links.url(req.origin, fn.config.codeSha256) },
        };
        if (Object.keys(fn.tags).length) out.Tags = fn.tags;
        if (fn.reservedConcurrency !== undefined) out.Concurrency = { ReservedConcurrentExecutions: fn.reservedConcurrency };
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
        return json(200, functionConfiguration(account, fns.get(r).config, { qualifier: r.qualifier }));
      },
    },
    {
      method: 'PUT', path: '/2015-03-31/functions/{FunctionName}/configuration', operation: 'UpdateFunctionConfiguration', maxBody: SMALL,
      handler: async (req) => json(200, functionConfiguration(account, await fns.updateConfig(ref(req, PLAIN), jsonBody(req.body)))),
    },
    {
      method: 'PUT', path: '/2015-03-31/functions/{FunctionName}/code', operation: 'UpdateFunctionCode', maxBody: LIMITS.createFunctionRequestBytes,
      handler: async (req) => {
        // With `Publish: true` the answer is the new version's configuration, qualified.
        const c = await fns.updateCode(ref(req, PLAIN), jsonBody(req.body));
        return json(200, functionConfiguration(account, c, { qualifier: c.version === '$LATEST' ? undefined : c.version }));
      },
    },
  ];
}

/** $LATEST sorts first (0), published versions by number. */
export const versionOrder = (v: string): number => (v === '$LATEST' ? 0 : Number(v));

function decodeVersionMarker(m: string): { name: string; order: number } {
  const [name = '', order = '0'] = m.split('\0');
  return { name, order: Number(order) || 0 };
}

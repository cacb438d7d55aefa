/** Lambda API: versions and aliases (contract C1), wire ⇄ domain. */
import type { AliasService } from '../../control/aliases.js';
import type { FunctionService } from '../../control/functions.js';
import { NAMESPACED, PLAIN, type RefForm } from '../../control/names.js';
import type { Route } from '../../gateway/router.js';
import type { Account } from '../../shared/arn.js';
import { versionOrder } from './functions.js';
import { decodeMarker, encodeMarker, json, jsonBody, noContent, pageSize } from './json.js';
import { aliasConfiguration, functionConfiguration } from './shapes.js';

const SMALL = 1024 * 1024;

export function versionRoutes(fns: FunctionService, aliases: AliasService, account: Account): Route[] {
  // ListVersionsByFunction takes a NamespacedFunctionName, the others a FunctionName (control/names.ts).
  const ref = (req: { params: Record<string, string>; query: URLSearchParams }, form: RefForm = PLAIN) =>
    fns.resolveRef(req.params.FunctionName!, req.query.get('Qualifier'), form);

  return [
    {
      method: 'POST', path: '/2015-03-31/functions/{FunctionName}/versions', operation: 'PublishVersion', maxBody: SMALL,
      handler: async (req) => {
        const c = await fns.publish(ref(req), jsonBody(req.body));
        return json(201, functionConfiguration(account, c, { qualifier: c.version }));
      },
    },
    {
      method: 'GET', path: '/2015-03-31/functions/{FunctionName}/versions', operation: 'ListVersionsByFunction', maxBody: SMALL,
      handler: (req) => {
        const r = ref(req, NAMESPACED);
        const limit = pageSize(req.query);
        const marker = decodeMarker(req.query.get('Marker'));
        const page = fns.listVersions(r.name, marker === undefined ? undefined : Number(marker) || 0, limit + 1);
        const items = page.slice(0, limit);
        const out: Record<string, unknown> = {
          Versions: items.map((c) => functionConfiguration(account, c, { listing: true, qualifier: c.version })),
        };
        if (page.length > limit) out.NextMarker = encodeMarker(String(versionOrder(items[items.length - 1]!.version)));
        return json(200, out);
      },
    },
    {
      method: 'POST', path: '/2015-03-31/functions/{FunctionName}/aliases', operation: 'CreateAlias', maxBody: SMALL,
      handler: async (req) => json(201, aliasConfiguration(account, await aliases.create(ref(req), jsonBody(req.body)))),
    },
    {
      method: 'GET', path: '/2015-03-31/functions/{FunctionName}/aliases', operation: 'ListAliases', maxBody: SMALL,
      handler: (req) => {
        const limit = pageSize(req.query);
        const after = decodeMarker(req.query.get('Marker'));
        const all = aliases.list(ref(req), req.query.get('FunctionVersion') ?? undefined).filter((a) => after === undefined || a.name > after);
        const items = all.slice(0, limit);
        const out: Record<string, unknown> = { Aliases: items.map((a) => aliasConfiguration(account, a)) };
        if (all.length > limit) out.NextMarker = encodeMarker(items[items.length - 1]!.name);
        return json(200, out);
      },
    },
    {
      method: 'GET', path: '/2015-03-31/functions/{FunctionName}/aliases/{Name}', operation: 'GetAlias', maxBody: SMALL,
      handler: (req) => json(200, aliasConfiguration(account, aliases.get(ref(req), req.params.Name!))),
    },
    {
      method: 'PUT', path: '/2015-03-31/functions/{FunctionName}/aliases/{Name}', operation: 'UpdateAlias', maxBody: SMALL,
      handler: async (req) => json(200, aliasConfiguration(account, await aliases.update(ref(req), req.params.Name!, jsonBody(req.body)))),
    },
    {
      method: 'DELETE', path: '/2015-03-31/functions/{FunctionName}/aliases/{Name}', operation: 'DeleteAlias', maxBody: SMALL,
      handler: async (req) => (await aliases.delete(ref(req), req.params.Name!), noContent()),
    },
  ];
}

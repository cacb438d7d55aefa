/** Lambda API: function URL configs (2021-10-31) and resource policies (2015-03-31), wire ⇄ domain. */
import { validationError } from '../../errors/catalog.js';
import type { Route } from '../../gateway/router.js';
import type { FunctionService } from '../../control/functions.js';
import { PLAIN } from '../../control/names.js';
import type { Cors, UrlConfig } from '../../urls/model.js';
import type { PolicyService } from '../../urls/policies.js';
import type { UrlService } from '../../urls/urls.js';
import { json, jsonBody, noContent } from './json.js';

const SMALL = 1024 * 1024;
/** ListFunctionUrlConfigs: MaxItems 1–50 (model). */
const URL_PAGE = 50;

export interface UrlRouteDeps {
  urls: UrlService;
  policies: PolicyService;
  functions: FunctionService;
  /** `http://<id>.lambda-url.<region>.localhost:<port>/` for a URL id. */
  urlFor: (urlId: string) => string;
}

/** The URL config and permission routes, at AWS's paths. */
export function urlRoutes(d: UrlRouteDeps): Route[] {
  const urlRef = (req: { params: Record<string, string>; query: URLSearchParams }) => d.urls.ref(req.params.FunctionName!, req.query.get('Qualifier'));
  const policyRef = (req: { params: Record<string, string>; query: URLSearchParams }) => d.policies.ref(req.params.FunctionName!, req.query.get('Qualifier'));
  // Create and Update echo InvokeMode only when the request gave it, as AWS does; Get and List always show it.
  const shape = (c: UrlConfig, withModified: boolean, withMode = true): Record<string, unknown> => {
    const out: Record<string, unknown> = {
      FunctionUrl: d.urlFor(c.urlId),
      FunctionArn: d.functions.arn(c.functionName, c.qualifier || undefined),
      AuthType: c.authType,
    };
    if (c.cors) out.Cors = corsWire(c.cors);
    out.CreationTime = new Date(c.creationTime).toISOString();
    if (withModified) out.LastModifiedTime = new Date(c.lastModifiedTime).toISOString();
    if (withMode) out.InvokeMode = c.invokeMode;
    return out;
  };
  const urlPath = '/2021-10-31/functions/{FunctionName}/url';

  return [
    {
      method: 'POST', path: urlPath, operation: 'CreateFunctionUrlConfig', maxBody: SMALL,
      handler: (req) => {
        const body = jsonBody(req.body);
        return json(201, shape(d.urls.create(urlRef(req), body), false, body.InvokeMode !== undefined));
      },
    },
    {
      method: 'GET', path: urlPath, operation: 'GetFunctionUrlConfig', maxBody: SMALL,
      handler: (req) => json(200, shape(d.urls.get(urlRef(req)), true)),
    },
    {
      method: 'PUT', path: urlPath, operation: 'UpdateFunctionUrlConfig', maxBody: SMALL,
      handler: (req) => {
        const body = jsonBody(req.body);
        return json(200, shape(d.urls.update(urlRef(req), body), true, body.InvokeMode !== undefined));
      },
    },
    {
      method: 'DELETE', path: urlPath, operation: 'DeleteFunctionUrlConfig', maxBody: SMALL,
      handler: (req) => (d.urls.delete(urlRef(req)), noContent()),
    },
    {
      method: 'GET', path: '/2021-10-31/functions/{FunctionName}/urls', operation: 'ListFunctionUrlConfigs', maxBody: SMALL,
      handler: (req) => {
        let limit = URL_PAGE;
        const max = req.query.get('MaxItems');
        if (max !== null) {
          const n = Number(max);
          if (!Number.isInteger(n) || n < 1 || n > URL_PAGE)
            throw validationError([{ value: max, path: 'maxItems', constraint: n < 1 ? 'Member must have value greater than or equal to 1' : `Member must have value less than or equal to ${URL_PAGE}` }]);
          limit = n;
        }
        const all = d.urls.list(d.functions.resolveRef(req.params.FunctionName!, null, PLAIN));
        const marker = req.query.get('Marker');
        const start = marker ? Math.max(0, all.findIndex((c) => c.urlId === marker) + 1) : 0;
        const page = all.slice(start, start + limit);
        const out: Record<string, unknown> = { FunctionUrlConfigs: page.map((c) => shape(c, true)) };
        if (start + limit < all.length) out.NextMarker = page[page.length - 1]!.urlId;
        return json(200, out);
      },
    },
    {
      method: 'POST', path: '/2015-03-31/functions/{FunctionName}/policy', operation: 'AddPermission', maxBody: SMALL,
      handler: (req) => json(201, { Statement: JSON.stringify(d.policies.add(policyRef(req), jsonBody(req.body))) }),
    },
    {
      method: 'GET', path: '/2015-03-31/functions/{FunctionName}/policy', operation: 'GetPolicy', maxBody: SMALL,
      handler: (req) => {
        const p = d.policies.get(policyRef(req));
        return json(200, { Policy: p.policy, RevisionId: p.revisionId });
      },
    },
    {
      method: 'DELETE', path: '/2015-03-31/functions/{FunctionName}/policy/{StatementId}', operation: 'RemovePermission', maxBody: SMALL,
      handler: (req) => (d.policies.remove(policyRef(req), req.params.StatementId!, req.query.get('RevisionId')), noContent()),
    },
  ];
}

function corsWire(c: Cors): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (c.allowCredentials !== undefined) out.AllowCredentials = c.allowCredentials;
  if (c.allowHeaders) out.AllowHeaders = c.allowHeaders;
  if (c.allowMethods) out.AllowMethods = c.allowMethods;
  if (c.allowOrigins) out.AllowOrigins = c.allowOrigins;
  if (c.exposeHeaders) out.ExposeHeaders = c.exposeHeaders;
  if (c.maxAge !== undefined) out.MaxAge = c.maxAge;
  return out;
}

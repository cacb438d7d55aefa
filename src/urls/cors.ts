/** CORS for function URLs: preflights answered from the Cors config, responses decorated (AWS's config wins over the function's headers). */
import type { Cors } from './model.js';

type Headers = Record<string, string | string[]>;

/** The value for Access-Control-Allow-Origin, or undefined when the origin is not allowed. */
export function allowedOrigin(cors: Cors, origin: string | undefined): string | undefined {
  if (!origin || !cors.allowOrigins?.length) return undefined;
  const o = origin.toLowerCase();
  if (cors.allowOrigins.some((a) => a.toLowerCase() === o)) return origin;
  // `*` answers `*`, except with credentials, where browsers require the origin itself.
  if (cors.allowOrigins.includes('*')) return cors.allowCredentials ? origin : '*';
  return undefined;
}

/** The answer to an OPTIONS preflight; the function is not invoked. */
export function preflight(cors: Cors, origin: string | undefined, requestMethod: string | undefined, requestHeaders: string | undefined): Headers {
  const headers: Headers = { vary: 'Origin' };
  const allow = allowedOrigin(cors, origin);
  if (!allow) return headers;
  headers['access-control-allow-origin'] = allow;
  if (cors.allowMethods?.length) {
    headers['access-control-allow-methods'] =
      cors.allowMethods.includes('*') && cors.allowCredentials && requestMethod ? requestMethod : cors.allowMethods.join(',');
  }
  if (cors.allowHeaders?.length) {
    headers['access-control-allow-headers'] =
      cors.allowHeaders.includes('*') && cors.allowCredentials && requestHeaders ? requestHeaders : cors.allowHeaders.join(',');
  }
  if (cors.maxAge !== undefined) headers['access-control-max-age'] = String(cors.maxAge);
  if (cors.allowCredentials) headers['access-control-allow-credentials'] = 'true';
  return headers;
}

/** Add the configured CORS headers to a response for an allowed origin, replacing the function's own. */
export function decorate(cors: Cors, origin: string | undefined, headers: Headers): void {
  const allow = allowedOrigin(cors, origin);
  if (!allow) return;
  for (const k of Object.keys(headers)) if (k.startsWith('access-control-')) delete headers[k];
  headers['access-control-allow-origin'] = allow;
  if (cors.exposeHeaders?.length) headers['access-control-expose-headers'] = cors.exposeHeaders.join(',');
  if (cors.allowCredentials) headers['access-control-allow-credentials'] = 'true';
  const vary = headers.vary;
  headers.vary = vary ? `${Array.isArray(vary) ? vary.join(', ') : vary}, Origin` : 'Origin';
}

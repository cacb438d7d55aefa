/**
 * Serving function URLs: a request whose Host is `<id>.lambda-url.<region>.localhost[:port]`, or
 * whose path starts `/_stratus/url/<id>/`, is answered here before the Lambda API router sees it.
 * Authentication (AWS_IAM: SigV4; NONE: the resource policy must allow the public), CORS, the
 * payload 2.0 event, the one invoke path the Invoke API uses, and the response mapping.
 */
import { readBodyUpTo } from './body.js';
import { put, respond, type Head } from './respond.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StratusError } from '../errors/catalog.js';
import { LIMITS } from '../control/limits.js';
import type { InvokeService } from '../invoke/invoke.js';
import type { Clock } from '../shared/clock.js';
import { uuid } from '../shared/ids.js';
import { decorate, preflight } from '../urls/cors.js';
import { buildUrlEvent } from '../urls/event.js';
import type { UrlConfig } from '../urls/model.js';
import type { PolicyService } from '../urls/policies.js';
import { mapUrlResponse, rawUrlResponse, type UrlResponse } from '../urls/response.js';
import { UrlStream } from '../urls/stream.js';
import type { UrlService } from '../urls/urls.js';
import { verifySigV4, type SecretLookup } from './sigv4.js';

/** The path form, for clients that cannot set Host: `/_stratus/url/<id>/<path>`. */
export const URL_PATH_PREFIX = '/_stratus/url/';
const HOST_RE = /^([a-z0-9]{32})\.lambda-url\.([a-z0-9-]+)\.localhost\.?(?::\d+)?$/i;
const PATH_RE = /^\/_stratus\/url\/([a-z0-9]{32})(\/.*)?$/;

export interface FunctionUrlDeps {
  urls: UrlService;
  policies: PolicyService;
  invoke: InvokeService;
  clock: Clock;
  region: string;
  accountId: string;
  /** The server's key lookup; undefined with `--auth off`, when AWS_IAM URLs take unsigned requests. */
  secretFor?: SecretLookup;
  logError: (err: unknown) => void;
}

/** The URL id and the function's view of the path, when this request is for a function URL. */
export function matchFunctionUrl(host: string | undefined, rawPath: string, region: string): { urlId: string; path: string } | undefined {
  const h = host ? HOST_RE.exec(host) : null;
  if (h) return h[2]!.toLowerCase() === region ? { urlId: h[1]!.toLowerCase(), path: rawPath } : undefined;
  if (!rawPath.startsWith(URL_PATH_PREFIX)) return undefined;
  const p = PATH_RE.exec(rawPath);
  return p ? { urlId: p[1]!, path: p[2] || '/' } : undefined;
}

const message = (status: number, text: string | null, extra: Record<string, string> = {}): UrlResponse => ({
  status,
  headers: { 'content-type': 'application/json', ...extra },
  body: Buffer.from(JSON.stringify({ Message: text })),
});

const DENIED = { 'x-amzn-errortype': 'AccessDeniedException' };
// AWS's texts: a refused caller gets a pointer to the troubleshooting page; an id no URL has gets
// the same 403 with a null message (the id's existence is not given away).
const FORBIDDEN = (): UrlResponse =>
  message(403, 'Forbidden. For troubleshooting Function URL authorization issues, see: https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html', DENIED);
const UNKNOWN_URL = (): UrlResponse => message(403, null, DENIED);

/** Serve one function URL request; never throws (failures become responses). */
export async function serveFunctionUrl(
  deps: FunctionUrlDeps, req: IncomingMessage, res: ServerResponse, target: { urlId: string; path: string }, rawPath: string, rawQuery: string,
): Promise<void> {
  const requestId = uuid();
  let out: UrlResponse | undefined;
  try {
    out = await answer(deps, req, res, target, rawPath, rawQuery, requestId);
    // Streamed: already answered.
    if (!out) return;
  } catch (err) {
    // A streamed answer under way cannot become an error response: cut it.
    if (res.headersSent) {
      deps.logError(err);
      res.destroy();
      return;
    }
    if (err instanceof StratusError) {
      out = err.code === 'TooManyRequestsException' ? message(429, 'Rate Exceeded.') : message(err.status, err.message);
    } else {
      deps.logError(err);
      out = message(500, 'Internal Server Error');
    }
  }
  const head: Head = { 'x-amzn-RequestId': requestId };
  for (const k in out.headers) put(head, k, out.headers[k]!);
  respond(res, out.status, head, req.method === 'HEAD' ? undefined : out.body);
}

async function answer(
  deps: FunctionUrlDeps, req: IncomingMessage, res: ServerResponse, target: { urlId: string; path: string }, rawPath: string, rawQuery: string, requestId: string,
): Promise<UrlResponse | undefined> {
  const config = deps.urls.byId(target.urlId);
  if (!config) {
    req.resume();
    return UNKNOWN_URL();
  }
  const method = req.method ?? 'GET';
  const origin = req.headers.origin;
  // Preflights are Lambda's to answer when CORS is configured; the function never sees them.
  if (method === 'OPTIONS' && config.cors && origin && req.headers['access-control-request-method']) {
    req.resume();
    return {
      status: 200,
      headers: preflight(config.cors, origin, req.headers['access-control-request-method'] as string, req.headers['access-control-request-headers'] as string | undefined),
      body: Buffer.alloc(0),
    };
  }
  const body = await readUrlBody(req);
  if (body === undefined) return message(413, `Request must be smaller than ${LIMITS.syncPayloadBytes} bytes for the InvokeFunction operation`);

  const caller = await authorize(deps, config, req, rawPath, rawQuery, body);
  if (!caller) return withCors(config, origin, FORBIDDEN());

  const now = deps.clock.now();
  const event = buildUrlEvent({
    urlId: config.urlId,
    region: deps.region,
    method,
    rawPath: target.path,
    rawQuery,
    rawHeaders: req.rawHeaders,
    body,
    sourceIp: req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1',
    protocol: `HTTP/${req.httpVersion}`,
    requestId,
    nowMs: now,
    accountId: caller.accountId,
    iam: caller.accessKey ? { accessKey: caller.accessKey, accountId: caller.accountId } : undefined,
  });
  const payload = Buffer.from(JSON.stringify(event));
  // The event, not just the body, must fit Lambda's synchronous payload limit (base64 grows a body by a third).
  if (payload.length > LIMITS.syncPayloadBytes)
    return message(413, `Request must be smaller than ${LIMITS.syncPayloadBytes} bytes for the InvokeFunction operation`);

  // RESPONSE_STREAM: a streaming function's answer goes to the client as it is written.
  const stream = config.invokeMode === 'RESPONSE_STREAM'
    ? new UrlStream(res, { requestId, head: method === 'HEAD', decorate: (h) => config.cors && decorate(config.cors, origin, h) })
    : undefined;
  const out = await deps.invoke.invoke({
    functionName: config.functionName,
    qualifier: config.qualifier || undefined,
    type: 'RequestResponse',
    payload,
    serialized: true,
    requestId,
    sink: stream && (() => stream.sink()),
  });
  if (out.kind !== 'result') throw new Error(`unexpected invoke outcome ${out.kind}`);
  const failed = out.result.error !== undefined;
  if (stream) {
    if (stream.finish(out.result)) return undefined;
    // A function that answered without streaming: its answer is the body, as it is.
    return withCors(config, origin, rawUrlResponse(out.result.body, failed, out.result.contentType));
  }
  return withCors(config, origin, mapUrlResponse(out.result.body, failed));
}

function withCors(config: UrlConfig, origin: string | undefined, r: UrlResponse): UrlResponse {
  if (config.cors) decorate(config.cors, origin, r.headers);
  return r;
}

/** Who is calling, or undefined when the URL's AuthType and policy refuse them. */
async function authorize(
  deps: FunctionUrlDeps, config: UrlConfig, req: IncomingMessage, rawPath: string, rawQuery: string, body: Buffer,
): Promise<{ accountId: string; accessKey?: string } | undefined> {
  if (config.authType === 'NONE') {
    // As on AWS: NONE skips authentication, but the function's resource policy must still let the public in.
    return deps.policies.allowsPublicUrl(config.functionName, config.qualifier) ? { accountId: 'anonymous' } : undefined;
  }
  if (!deps.secretFor) return { accountId: deps.accountId };
  const auth = await verifySigV4(
    { method: req.method ?? 'GET', rawPath, query: rawQuery, headers: req.headers, body },
    deps.secretFor,
    new Date(deps.clock.now()),
    { service: 'lambda', region: deps.region },
  );
  // The only keys Stratus knows belong to its own account, whose identity may invoke its URLs.
  return auth.ok ? { accountId: deps.accountId, accessKey: auth.accessKeyId } : undefined;
}

/** The whole body, or undefined past Lambda's 6 MB synchronous payload limit (read no further). */
const readUrlBody = (req: IncomingMessage): Promise<Buffer | undefined> => readBodyUpTo(req, LIMITS.syncPayloadBytes);

/** The HTTP listener: request ids, body limits, SigV4 authentication, routing, AWS-shaped errors. */
import { createReadStream } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { requestTooLarge, StratusError } from '../errors/catalog.js';
import { toWireError } from '../errors/wire.js';
import { uuid } from '../shared/ids.js';
import type { Clock } from '../shared/clock.js';
import type { Router } from './router.js';
import { verifySigV4 } from './sigv4.js';
import { readBodyUpTo } from './body.js';
import { CODE_PATH, type CodeLinks } from '../api/lambda/code-links.js';
import { matchFunctionUrl, serveFunctionUrl, type FunctionUrlDeps } from './function-url.js';

export interface GatewayDeps {
  router: Router;
  clock: Clock;
  /** undefined = authentication off (`--auth off`). */
  secretFor?: (accessKeyId: string) => string | undefined;
  links: CodeLinks;
  zipPath: (sha: string) => string;
  /** Where unexpected failures are reported (the operator's log), never the caller. */
  logError: (err: unknown) => void;
  isReady: () => boolean;
  /** Function URLs, served before the API router (src/gateway/function-url.ts). */
  functionUrls?: FunctionUrlDeps;
}

const DEFAULT_MAX_BODY = 1024 * 1024;

export function createGateway(deps: GatewayDeps): Server {
  const server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, (req, res) => {
    handle(deps, req, res).catch((err) => {
      deps.logError(err);
      if (!res.headersSent) send(res, uuid(), toWireError(err));
      else res.destroy();
    });
  });
  return server;
}

async function handle(deps: GatewayDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const requestId = uuid();
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const rawPath = q === -1 ? url : url.slice(0, q);
  const rawQuery = q === -1 ? '' : url.slice(q + 1);
  const method = req.method ?? 'GET';
  if (deps.functionUrls) {
    const target = matchFunctionUrl(req.headers.host, rawPath, deps.functionUrls.region);
    if (target) return serveFunctionUrl(deps.functionUrls, req, res, target, rawPath, rawQuery);
  }
  // The Date header comes from the platform's clock: SDKs correct their signing clock from it.
  res.setHeader('date', new Date(deps.clock.now()).toUTCString());
  try {
    if (method === 'GET' && rawPath === '/health') {
      const ready = deps.isReady();
      return send(res, requestId, { status: ready ? 200 : 503, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: ready ? 'ok' : 'starting' }) });
    }
    if (method === 'GET' && rawPath.startsWith(CODE_PATH)) return serveCode(deps, res, requestId, rawPath, rawQuery);

    const match = deps.router.match(method, rawPath);
    const body = await readBody(req, match?.route.maxBody ?? DEFAULT_MAX_BODY, match?.route.operation ?? 'Unknown');
    if (deps.secretFor) {
      const service = match?.route.signingName?.(req.headers);
      const auth = await verifySigV4({ method, rawPath, query: rawQuery, headers: req.headers, body }, deps.secretFor, new Date(deps.clock.now()), service ? { service } : {});
      if (!auth.ok) throw new StratusError(auth.code, auth.message);
    }
    if (!match) throw new StratusError('UnknownOperationException', `No operation matches ${method} ${rawPath}`);
    const apiReq = {
      method,
      params: match.params,
      query: new URLSearchParams(rawQuery),
      headers: req.headers,
      body,
      requestId,
      origin: `http://${req.headers.host ?? 'localhost'}`,
    };
    if (match.route.stream) return await match.route.stream(apiReq, res);
    send(res, requestId, await match.route.handler(apiReq));
  } catch (err) {
    if (!(err instanceof StratusError)) deps.logError(err);
    // A streamed response already under way cannot turn into an error response.
    if (res.headersSent) res.destroy();
    else send(res, requestId, toWireError(err));
  }
}

function send(res: ServerResponse, requestId: string, out: { status: number; headers?: Record<string, string>; body?: string | Buffer }): void {
  res.statusCode = out.status;
  res.setHeader('x-amzn-RequestId', requestId);
  if (out.headers) for (const [k, v] of Object.entries(out.headers)) res.setHeader(k, v);
  res.end(out.body);
}

/** Read the whole body, refusing (without buffering) anything over the operation's limit. */
async function readBody(req: IncomingMessage, max: number, operation: string): Promise<Buffer> {
  const body = await readBodyUpTo(req, max);
  if (body === undefined) throw requestTooLarge(max, operation);
  return body;
}

function serveCode(deps: GatewayDeps, res: ServerResponse, requestId: string, rawPath: string, rawQuery: string): void {
  const sha = deps.links.verify(rawPath, new URLSearchParams(rawQuery));
  if (!sha) {
    return send(res, requestId, {
      status: 403,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'Request has expired or its signature is invalid: call GetFunction for a fresh Code.Location.' }),
    });
  }
  const stream = createReadStream(deps.zipPath(sha));
  stream.on('error', () => send(res, requestId, { status: 404, headers: { 'content-type': 'application/json' }, body: '{"message":"The code package no longer exists."}' }));
  stream.on('open', () => {
    res.statusCode = 200;
    res.setHeader('content-type', 'application/zip');
    res.setHeader('x-amzn-RequestId', requestId);
    stream.pipe(res);
  });
}

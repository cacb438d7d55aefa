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
import { put, respond, type Head } from './respond.js';
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
  const date = httpDate(deps.clock);
  const server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, (req, res) => {
    handle(deps, date, req, res).catch((err) => {
      deps.logError(err);
      if (!res.headersSent) send(res, date(), uuid(), toWireError(err));
      else res.destroy();
    });
  });
  return server;
}

/** The Date header from the platform's clock (SDKs correct their signing clock from it), formatted once a second. */
function httpDate(clock: Clock): () => string {
  let second = NaN;
  let text = '';
  return () => {
    const now = clock.now();
    const s = Math.floor(now / 1000);
    if (s !== second) {
      second = s;
      text = new Date(now).toUTCString();
    }
    return text;
  };
}

async function handle(deps: GatewayDeps, date: () => string, req: IncomingMessage, res: ServerResponse): Promise<void> {
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
  const now = date();
  try {
    if (method === 'GET' && rawPath === '/health') {
      const ready = deps.isReady();
      return send(res, now, requestId, { status: ready ? 200 : 503, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: ready ? 'ok' : 'starting' }) });
    }
    if (method === 'GET' && rawPath.startsWith(CODE_PATH)) return serveCode(deps, res, now, requestId, rawPath, rawQuery);

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
    if (match.route.stream) {
      res.setHeader('date', now);
      return await match.route.stream(apiReq, res);
    }
    send(res, now, requestId, await match.route.handler(apiReq));
  } catch (err) {
    if (!(err instanceof StratusError)) deps.logError(err);
    // A streamed response already under way cannot turn into an error response.
    if (res.headersSent) res.destroy();
    else send(res, now, requestId, toWireError(err));
  }
}

/** Answer whole: Date, the request id, then the handler's headers (each replacing an earlier one of its name). */
function send(res: ServerResponse, date: string, requestId: string, out: { status: number; headers?: Record<string, string>; body?: string | Buffer }): void {
  const head: Head = { date, 'x-amzn-RequestId': requestId };
  if (out.headers) for (const k in out.headers) put(head, k, out.headers[k]!);
  respond(res, out.status, head, out.body);
}

/** Read the whole body, refusing (without buffering) anything over the operation's limit. */
async function readBody(req: IncomingMessage, max: number, operation: string): Promise<Buffer> {
  const body = await readBodyUpTo(req, max);
  if (body === undefined) throw requestTooLarge(max, operation);
  return body;
}

function serveCode(deps: GatewayDeps, res: ServerResponse, date: string, requestId: string, rawPath: string, rawQuery: string): void {
  const sha = deps.links.verify(rawPath, new URLSearchParams(rawQuery));
  if (!sha) {
    return send(res, date, requestId, {
      status: 403,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'Request has expired or its signature is invalid: call GetFunction for a fresh Code.Location.' }),
    });
  }
  const stream = createReadStream(deps.zipPath(sha));
  stream.on('error', () => send(res, date, requestId, { status: 404, headers: { 'content-type': 'application/json' }, body: '{"message":"The code package no longer exists."}' }));
  stream.on('open', () => {
    res.statusCode = 200;
    res.setHeader('date', date);
    res.setHeader('content-type', 'application/zip');
    res.setHeader('x-amzn-RequestId', requestId);
    stream.pipe(res);
  });
}

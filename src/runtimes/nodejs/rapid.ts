// Client for the Lambda Runtime API, 2018-06-01 (contract A1-A5).
//
// One keep-alive agent with a single socket carries the whole next → response → next cycle,
// like AWS's client, so a warm invoke costs no connection setup. Requests that end the process
// (fatal errors) use a fresh connection instead: the shared socket may be parked on /next, and a
// request queued behind it would never be sent.

import type { Agent, ClientRequest, IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { ErrorResponse } from './errors.js';

// See errors.ts on why builtins are not imported statically. Loaded on first use: a runtime on
// the platform's private channel (channel.ts) needs HTTP only for streaming responses.
let httpModule: typeof import('node:http') | undefined;
const http = (): typeof import('node:http') => (httpModule ??= process.getBuiltinModule('node:http'));

/**
 * One event as delivered by GET /runtime/invocation/next: its body and the values of its
 * Lambda-Runtime-* headers (as Node hands header values over: latin1, one char per byte).
 */
export interface NextInvocation {
  body: string;
  requestId: string | undefined;
  deadlineMs: string | undefined;
  invokedFunctionArn: string | undefined;
  traceId: string | undefined;
  clientContext: string | undefined;
  cognitoIdentity: string | undefined;
  tenantId: string | undefined;
}

/** What the invoke loop needs from the platform: the HTTP Runtime API, or Stratus's private channel. */
export interface RuntimeClient {
  specialise(): Promise<Record<string, string>>;
  next(): Promise<NextInvocation>;
  postResponse(id: string, body: string): Promise<void>;
  postError(id: string, error: ErrorResponse): Promise<void>;
  postFatal(id: string | undefined, error: ErrorResponse): Promise<void>;
  openResponseStream(id: string, contentType: string): ClientRequest;
}

const API = '/2018-06-01/runtime';
const NEXT_PATH = `${API}/invocation/next`;
const INIT_ERROR_PATH = `${API}/init/error`;
const SPECIALISE_PATH = '/2018-06-01/stratus/specialise';
const ERROR_TYPE_HEADER = 'Lambda-Runtime-Function-Error-Type';

// How long a fatal report may take before we exit anyway: the platform answers these at once,
// and a process that cannot reach it should still die rather than hang until the deadline.
const FATAL_POST_TIMEOUT_MS = 3000;

export class RuntimeApiClient implements RuntimeClient {
  readonly hostname: string;
  readonly port: number;
  private agentInstance: Agent | undefined;

  constructor(hostPort: string) {
    // host:port with no scheme; a bracketed IPv6 literal is allowed.
    const colon = hostPort.lastIndexOf(':');
    const host = colon > 0 ? hostPort.slice(0, colon) : hostPort;
    this.hostname = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
    this.port = colon > 0 ? Number(hostPort.slice(colon + 1)) : 80;
  }

  get agent(): Agent {
    return (this.agentInstance ??= new (http().Agent)({ keepAlive: true, maxSockets: 1 }));
  }

  /**
   * A stem cell (a runtime started before it knows its function) waits here for the function it
   * becomes: the platform answers with that function's whole environment. Stratus only.
   */
  async specialise(): Promise<Record<string, string>> {
    // A first round trip while nothing waits on it: the HTTP client's code paths (request,
    // response parsing, the kept-alive socket) are then compiled and warm when the function's
    // environment arrives, instead of costing ~10-20 ms of its cold start. The long wait and then
    // the first /next reuse the same socket.
    await this.request('POST', `${SPECIALISE_PATH}?warm`, '{"warm":true}', undefined, this.agent);
    return this.request('GET', SPECIALISE_PATH, undefined, undefined, this.agent).then((res) => {
      if (res.status !== 200) throw new Error(`Failed to specialise: HTTP ${res.status} ${res.body}`);
      return (JSON.parse(res.body) as { env: Record<string, string> }).env;
    });
  }

  /** Long-polls for the next event. No timeout: the platform holds it until there is work. */
  next(): Promise<NextInvocation> {
    return this.request('GET', NEXT_PATH, undefined, undefined, this.agent).then((res) => {
      if (res.status !== 200) {
        throw new Error(`Failed to get next invocation: HTTP ${res.status} ${res.body}`);
      }
      const h = res.headers;
      return {
        body: res.body,
        requestId: headerValue(h, 'lambda-runtime-aws-request-id'),
        deadlineMs: headerValue(h, 'lambda-runtime-deadline-ms'),
        invokedFunctionArn: headerValue(h, 'lambda-runtime-invoked-function-arn'),
        traceId: headerValue(h, 'lambda-runtime-trace-id'),
        clientContext: headerValue(h, 'lambda-runtime-client-context'),
        cognitoIdentity: headerValue(h, 'lambda-runtime-cognito-identity'),
        tenantId: headerValue(h, 'lambda-runtime-aws-tenant-id'),
      };
    });
  }

  /** Posts a successful result; `body` is already the JSON text. */
  async postResponse(id: string, body: string): Promise<void> {
    // The status is not acted on, as on AWS: a 413 (response too large) or 4xx is turned into the
    // caller's error by the platform, and the runtime just moves on to the next event.
    await this.request('POST', invocationPath(id, 'response'), body, undefined, this.agent);
  }

  /**
   * Posts an invocation error. No Lambda-Runtime-Function-Error-Type header: AWS's Node client
   * sends none on invocation errors (contract A4), and the platform must not depend on it.
   */
  async postError(id: string, error: ErrorResponse): Promise<void> {
    await this.request('POST', invocationPath(id, 'error'), JSON.stringify(error), undefined, this.agent);
  }

  /**
   * Reports an error on a fresh connection, for paths that exit right after. With `id` it is an
   * invocation error, without it an init error (which does carry the error-type header).
   * Never rejects; resolves after the platform answers, fails, or a short timeout.
   */
  postFatal(id: string | undefined, error: ErrorResponse): Promise<void> {
    const path = id === undefined ? INIT_ERROR_PATH : invocationPath(id, 'error');
    const headers = id === undefined ? { [ERROR_TYPE_HEADER]: error.errorType } : undefined;
    let body: string;
    try {
      body = JSON.stringify(error);
    } catch {
      body = JSON.stringify({ errorType: error.errorType, errorMessage: String(error.errorMessage) });
    }
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, FATAL_POST_TIMEOUT_MS);
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.request('POST', path, body, headers, false).then(done, done);
    });
  }

  /**
   * Opens the streaming POST /response (contract A5). The caller writes the body and ends it;
   * errors go in the trailers named here.
   */
  openResponseStream(id: string, contentType: string): ClientRequest {
    return http().request({
      hostname: this.hostname,
      port: this.port,
      method: 'POST',
      path: invocationPath(id, 'response'),
      agent: this.agent,
      headers: {
        'Lambda-Runtime-Function-Response-Mode': 'streaming',
        Trailer: 'Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body',
        'Content-Type': contentType,
        'Transfer-Encoding': 'chunked',
      },
    });
  }

  private request(
    method: string,
    path: string,
    body: string | undefined,
    extraHeaders: Record<string, string> | undefined,
    agent: Agent | false,
    retry = true,
  ): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
    return new Promise((resolve, reject) => {
      const headers: OutgoingHttpHeaders = body === undefined
        ? {}
        : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) };
      if (extraHeaders) Object.assign(headers, extraHeaders);
      const req = http().request(
        { hostname: this.hostname, port: this.port, method, path, agent, headers },
        (res) => {
          res.setEncoding('utf8');
          let data = '';
          res.on('data', (chunk: string) => {
            data += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data }));
          res.on('error', reject);
        },
      );
      req.on('error', (err: NodeJS.ErrnoException) => {
        // A kept-alive socket the server closed while it sat idle fails on first use. The
        // request never reached the server, so sending it again on a new socket is safe.
        if (retry && req.reusedSocket && err.code === 'ECONNRESET') {
          this.request(method, path, body, extraHeaders, agent, false).then(resolve, reject);
          return;
        }
        reject(err);
      });
      req.end(body);
    });
  }
}

function invocationPath(id: string, kind: 'response' | 'error'): string {
  return `${API}/invocation/${encodeURIComponent(id)}/${kind}`;
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

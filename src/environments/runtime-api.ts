/**
 * The Lambda Runtime API (2018-06-01) for ONE execution environment. Each environment gets its
 * own listener, so a runtime can only ever see and answer its own invocations (contract A1–A4).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LIMITS } from '../control/limits.js';
import type { Clock } from '../shared/clock.js';
import { platformError, type Invocation } from './invocation.js';
import { loopbackPeerUid } from './peer-uid.js';
import { receiveStream, type StreamTarget } from './stream-receiver.js';

/** What the environment hears from its runtime. */
export interface RuntimeEvents {
  /** The runtime asked for work: init is done (first call) or the previous invocation ended. */
  onNext(): void;
  /** The current invocation's event was handed to the runtime: its duration starts now. */
  onDelivered(): void;
  onResponse(requestId: string, body: Buffer, contentType: string | undefined): void;
  onError(requestId: string, body: Buffer, errorType: string | undefined): void;
  /** The response exceeded the payload limit; the runtime was answered 413. */
  onResponseTooLarge(requestId: string): void;
  onInitError(body: Buffer, errorType: string | undefined): void;
  /** A stem cell's runtime has loaded and waits to be given its function. */
  onStemReady?(): void;
  /** The runtime opened a streaming response (contract A5): where its body goes as it arrives. */
  onStreamStart(requestId: string, contentType: string): StreamTarget;
  /** The streamed response ended; `error` is what the trailers reported (or the stream was cut short). */
  onStreamEnd(requestId: string, error: { type: string; body: Buffer } | undefined): void;
  /** The streamed body passed the target's limit; the runtime was answered 413. */
  onStreamTooLarge(requestId: string, limit: number): void;
}

const PREFIX = '/2018-06-01/runtime/';
/** Stratus only: where a stem cell's runtime waits for the function it becomes. */
const SPECIALISE = '/2018-06-01/stratus/specialise';
const OK = '{"status":"OK"}';

export class RuntimeApi {
  private server: Server;
  private parked?: ServerResponse;
  private current?: Invocation & { timeoutMs: number; answered: boolean; streaming?: boolean };
  /** The last invocation answered: a second answer to it is a state error even once the next invocation is queued. */
  private lastAnswered?: string;
  /** Whether `current` has been handed to the runtime (a /next answered with it). */
  private deliveredCurrent = false;
  /** Whether the runtime has reported an init failure (no more /next after that). */
  private initFailed = false;
  /** A stem cell: the runtime's parked GET /specialise, or the environment it is to receive. */
  private stemWaiting?: ServerResponse;
  private stemEnv?: Record<string, string>;

  constructor(private readonly events: RuntimeEvents, private readonly fixedHeaders: Record<string, string>, private readonly clock: Clock) {
    this.server = createServer({ keepAliveTimeout: 0, requestTimeout: 0 }, (req, res) => this.handle(req, res));
    // A runtime's long poll must never be cut by server timeouts.
    this.server.headersTimeout = 0;
    this.server.timeout = 0;
  }

  /**
   * Accept connections only from processes running as `uid` (the environment's own user), so no
   * other environment can take or answer this one's invocations. Checked once per connection.
   */
  restrictTo(uid: number): void {
    const port = () => (this.server.address() as AddressInfo).port;
    this.server.on('connection', (socket) => {
      if (socket.remotePort === undefined || loopbackPeerUid(socket.remotePort, port()) !== uid) socket.destroy();
    });
  }

  async listen(host = '127.0.0.1'): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, host, resolve));
    return `${host}:${(this.server.address() as AddressInfo).port}`;
  }

  /** Hand an invocation to the runtime: answers the parked /next now, or the next one that arrives. */
  deliver(inv: Invocation, timeoutMs: number): void {
    this.current = { ...inv, timeoutMs, answered: false };
    this.deliveredCurrent = false;
    // An async retry keeps its request id (as on AWS) and may land on the environment that answered it last.
    if (this.lastAnswered === inv.requestId) this.lastAnswered = undefined;
    if (this.parked) {
      const res = this.parked;
      this.parked = undefined;
      this.sendNext(res);
    }
  }

  /** Give a stem cell's runtime its function's environment (answers its wait, now or when it asks). */
  specialise(env: Record<string, string>): void {
    this.stemEnv = env;
    if (this.stemWaiting) {
      const res = this.stemWaiting;
      this.stemWaiting = undefined;
      this.reply(res, 200, { env });
    }
  }

  close(): void {
    this.stemWaiting?.destroy();
    this.parked?.destroy();
    this.parked = undefined;
    this.server.close();
    this.server.closeAllConnections();
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '';
    // A stem cell's warm-up round trip, answered at once.
    if (url === `${SPECIALISE}?warm` && req.method === 'POST' && this.events.onStemReady) return this.reply(res, 200, OK, req);
    if (url === SPECIALISE && req.method === 'GET' && this.events.onStemReady) {
      if (this.stemEnv) return this.reply(res, 200, { env: this.stemEnv });
      this.stemWaiting = res;
      return this.events.onStemReady();
    }
    if (!url.startsWith(PREFIX)) return this.reply(res, 404, { errorMessage: 'Not found', errorType: 'InvalidURL' }, req);
    const path = url.slice(PREFIX.length);
    if (req.method === 'GET' && path === 'invocation/next') return this.next(res);
    if (req.method === 'POST' && path === 'init/error') {
      return readAll(req, LIMITS.responseBytes, (body) => {
        this.initFailed = true;
        this.reply(res, 202, OK);
        this.events.onInitError(body ?? Buffer.from('{}'), header(req, 'lambda-runtime-function-error-type'));
      });
    }
    const m = /^invocation\/([^/]+)\/(response|error)$/.exec(path);
    if (req.method === 'POST' && m) return this.answer(req, res, decodeURIComponent(m[1]!), m[2] as 'response' | 'error');
    this.reply(res, 404, { errorMessage: 'Not found', errorType: 'InvalidURL' }, req);
  }

  private next(res: ServerResponse): void {
    if (this.initFailed) return this.reply(res, 403, { errorMessage: 'State transition from InitError to Ready failed for runtime.', errorType: 'InvalidStateTransition' });
    const inFlight = this.current && !this.current.answered;
    // A /next while an invocation is still unanswered means the runtime moved on without answering.
    if (inFlight && this.deliveredCurrent) {
      return this.reply(res, 403, { errorMessage: 'State transition from Running to Ready failed for runtime. Error: the invocation has not been answered', errorType: 'InvalidStateTransition' });
    }
    res.on('close', () => {
      if (this.parked === res) this.parked = undefined;
    });
    this.events.onNext();
    if (inFlight) this.sendNext(res);
    else this.parked = res;
  }

  private sendNext(res: ServerResponse): void {
    const inv = this.current!;
    this.deliveredCurrent = true;
    const headers: Record<string, string> = {
      ...this.fixedHeaders,
      'content-type': 'application/json',
      'lambda-runtime-aws-request-id': inv.requestId,
      // The deadline counts from delivery: a cold start's init does not eat the timeout.
      'lambda-runtime-deadline-ms': String(this.clock.now() + inv.timeoutMs),
      'lambda-runtime-invoked-function-arn': inv.invokedFunctionArn,
      'lambda-runtime-trace-id': inv.traceId,
      'content-length': String(inv.payload.length),
    };
    if (inv.clientContext) headers['lambda-runtime-client-context'] = inv.clientContext;
    if (inv.cognitoIdentity) headers['lambda-runtime-cognito-identity'] = inv.cognitoIdentity;
    res.writeHead(200, headers);
    res.end(inv.payload);
    this.events.onDelivered();
  }

  private answer(req: IncomingMessage, res: ServerResponse, id: string, kind: 'response' | 'error'): void {
    const inv = this.current;
    if ((inv && inv.requestId === id && (inv.answered || inv.streaming)) || id === this.lastAnswered) {
      const to = kind === 'response' ? 'InvocationResponse' : 'InvocationErrorResponse';
      return this.reply(res, 403, { errorMessage: `State transition from InvocationResponse to ${to} failed for runtime. Error: the invocation was already answered`, errorType: 'InvalidStateTransition' }, req);
    }
    if (!inv || inv.requestId !== id || !this.deliveredCurrent) {
      return this.reply(res, 400, { errorMessage: 'Invalid request ID', errorType: 'InvalidRequestID' }, req);
    }
    const mode = kind === 'response' ? header(req, 'lambda-runtime-function-response-mode') : undefined;
    if (mode !== undefined && mode !== 'streaming') {
      return this.reply(res, 400, { errorMessage: 'Invalid function response mode', errorType: 'InvalidFunctionResponseMode' }, req);
    }
    if (mode === 'streaming') return this.stream(req, res, inv);
    readAll(req, LIMITS.responseBytes, (body) => {
      if (inv !== this.current || inv.answered) return this.reply(res, 400, { errorMessage: 'Invalid request ID', errorType: 'InvalidRequestID' });
      inv.answered = true;
      this.lastAnswered = id;
      this.deliveredCurrent = false;
      if (body === undefined) {
        this.reply(res, 413, { errorMessage: `Exceeded maximum allowed payload size (${LIMITS.responseBytes} bytes).`, errorType: 'RequestEntityTooLarge' });
        return this.events.onResponseTooLarge(id);
      }
      this.reply(res, 202, OK);
      if (kind === 'response') this.events.onResponse(id, body, header(req, 'content-type'));
      else this.events.onError(id, body, header(req, 'lambda-runtime-function-error-type'));
    });
  }

  /** A streaming /response: chunks go on as they arrive; the answer ends when the body does. */
  private stream(req: IncomingMessage, res: ServerResponse, inv: NonNullable<RuntimeApi['current']>): void {
    inv.streaming = true;
    const id = inv.requestId;
    const target = this.events.onStreamStart(id, header(req, 'content-type') ?? 'application/octet-stream');
    receiveStream(req, target, (outcome) => {
      if (inv !== this.current || inv.answered) return;
      inv.answered = true;
      this.lastAnswered = id;
      this.deliveredCurrent = false;
      if (outcome.kind === 'too-large') {
        // Stop the runtime's upload instead of reading up to the rest of a runaway stream.
        res.shouldKeepAlive = false;
        res.on('finish', () => req.socket.destroy());
        this.reply(res, 413, { errorMessage: `Exceeded maximum allowed payload size (${target.limit} bytes).`, errorType: 'RequestEntityTooLarge' });
        return this.events.onStreamTooLarge(id, target.limit);
      }
      if (outcome.kind === 'truncated') {
        return this.events.onStreamEnd(id, { type: 'Runtime.TruncatedResponse', body: platformError('Runtime.TruncatedResponse', `RequestId: ${id} Error: the response stream ended before its last chunk`) });
      }
      this.reply(res, 202, OK);
      this.events.onStreamEnd(id, outcome.error);
    });
  }

  private reply(res: ServerResponse, status: number, body: unknown, req?: IncomingMessage): void {
    // Drain an unread request body so the connection stays usable for the runtime's next call.
    req?.resume();
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
    res.end(text);
  }
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/** Read a body up to `max` bytes; `undefined` when it was larger (the rest is drained). */
function readAll(req: IncomingMessage, max: number, done: (body: Buffer | undefined) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size > max) over = true;
    else chunks.push(c);
  });
  req.on('end', () => done(over ? undefined : Buffer.concat(chunks, size)));
  req.on('error', () => undefined);
}

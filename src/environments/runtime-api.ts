/**
 * The Lambda Runtime API (2018-06-01) for ONE execution environment. Each environment gets its
 * own listener, so a runtime can only ever see and answer its own invocations (contract A1–A4).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { LIMITS } from '../control/limits.js';
import type { Clock } from '../shared/clock.js';
import { platformError, type Invocation } from './invocation.js';
import { loopbackPeerUid } from './peer-uid.js';
import { encodeFrame, Frame, FrameReader } from './runtime-channel.js';
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

/** Answers a channel may leave unread before it is cut off: two of the largest events. */
const MAX_UNREAD_BYTES = 2 * (LIMITS.syncPayloadBytes + 64 * 1024);

type Current = Invocation & { timeoutMs: number; answered: boolean; streaming?: boolean };
interface ApiError {
  errorMessage: string;
  errorType: string;
}
/** Where the runtime waits for its next event: a parked HTTP GET /next, or the channel. */
interface NextWaiter {
  send(inv: Current, deadlineMs: number): void;
  refuse(status: number, error: ApiError): void;
}
/** What an answer (a /response or /error) gets back: an HTTP-like status and body. */
type Verdict = [status: number, body: string | ApiError];

export class RuntimeApi {
  private server: Server;
  private parked?: NextWaiter;
  private current?: Current;
  /** The last invocation answered: a second answer to it is a state error even once the next invocation is queued. */
  private lastAnswered?: string;
  /** Whether `current` has been handed to the runtime (a /next answered with it). */
  private deliveredCurrent = false;
  /** Whether the runtime has reported an init failure (no more /next after that). */
  private initFailed = false;
  /** A stem cell: the runtime's parked GET /specialise, or the environment it is to receive. */
  private stemWaiting?: (env: Record<string, string>) => void;
  private stemEnv?: Record<string, string>;
  /** The built-in runtime's private channel (runtime-channel.ts), when it has one. */
  private channel?: Duplex;

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
    // Every field named, none added later: one object shape for every invocation (a spread of
    // invocations of varying shapes cost ~4% of the server's CPU in inline-cache misses).
    const { requestId, payload, invokedFunctionArn, traceId, clientContext, cognitoIdentity, sink } = inv;
    this.current = { requestId, payload, invokedFunctionArn, traceId, clientContext, cognitoIdentity, sink, timeoutMs, answered: false, streaming: false };
    this.deliveredCurrent = false;
    // An async retry keeps its request id (as on AWS) and may land on the environment that answered it last.
    if (this.lastAnswered === inv.requestId) this.lastAnswered = undefined;
    if (this.parked) {
      const waiter = this.parked;
      this.parked = undefined;
      this.sendNext(waiter);
    }
  }

  /** Give a stem cell's runtime its function's environment (answers its wait, now or when it asks). */
  specialise(env: Record<string, string>): void {
    this.stemEnv = env;
    if (this.stemWaiting) {
      const send = this.stemWaiting;
      this.stemWaiting = undefined;
      send(env);
    }
  }

  /**
   * Serve a built-in runtime over its private channel as well (runtime-channel.ts). Its frames go
   * through the same state machine as HTTP requests; answers the runtime does not act on (the
   * 202s, and the 4xx a misbehaving client would get) are not sent.
   */
  attachChannel(socket: Duplex): void {
    this.channel = socket;
    // A runtime that asks and asks without reading the answers (a function writing frames to its
    // own fd 3) would make the server hold every answer: past what two full events take, it is
    // cut off instead (its runtime then exits, and its invocation reports it).
    const write = (frame: Buffer): void => {
      if (socket.writableLength > MAX_UNREAD_BYTES) socket.destroy();
      else socket.write(frame);
    };
    const waiter: NextWaiter = {
      send: (inv, deadlineMs) => {
        const fields = [inv.requestId, String(deadlineMs), inv.invokedFunctionArn, inv.traceId, inv.clientContext ?? '', inv.cognitoIdentity ?? '', ''];
        write(encodeFrame(Frame.Invoke, fields, inv.payload, 'latin1'));
      },
      refuse: (status, error) => write(encodeFrame(Frame.Refused, [String(status)], JSON.stringify(error))),
    };
    const reader = new FrameReader(
      LIMITS.responseBytes,
      (kind, f, body) => {
        switch (kind) {
          case Frame.Next:
            return this.next(waiter);
          case Frame.Response:
          case Frame.Error: {
            const kindName = kind === Frame.Response ? 'response' : 'error';
            if (this.refusal(f[0] ?? '', kindName)) return;
            this.accept(f[0] ?? '', kindName, body, f[1] || undefined);
            return;
          }
          case Frame.InitError:
            return this.initError(body ?? Buffer.from('{}'), f[0] || undefined);
          case Frame.StemWaiting:
            if (!this.events.onStemReady) return;
            return this.stemWait((env) => write(encodeFrame(Frame.Specialise, [], JSON.stringify(env))));
          default:
            socket.destroy();
        }
      },
      () => socket.destroy(),
    );
    socket.on('data', (chunk: Buffer) => reader.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (this.parked === waiter) this.parked = undefined;
    });
  }

  close(): void {
    this.stemWaiting = undefined;
    this.parked = undefined;
    this.channel?.destroy();
    this.server.close();
    this.server.closeAllConnections();
  }

  /** A stem cell's runtime waits for its function: answer now if it is known, or when it is. */
  private stemWait(send: (env: Record<string, string>) => void): void {
    if (this.stemEnv) return send(this.stemEnv);
    this.stemWaiting = send;
    this.events.onStemReady!();
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '';
    // A stem cell's warm-up round trip, answered at once.
    if (url === `${SPECIALISE}?warm` && req.method === 'POST' && this.events.onStemReady) return this.reply(res, 200, OK, req);
    if (url === SPECIALISE && req.method === 'GET' && this.events.onStemReady) {
      res.on('close', () => {
        if (this.stemWaiting === send) this.stemWaiting = undefined;
      });
      const send = (env: Record<string, string>) => this.reply(res, 200, { env });
      return this.stemWait(send);
    }
    if (!url.startsWith(PREFIX)) return this.reply(res, 404, { errorMessage: 'Not found', errorType: 'InvalidURL' }, req);
    const path = url.slice(PREFIX.length);
    if (req.method === 'GET' && path === 'invocation/next') return this.nextHttp(res);
    if (req.method === 'POST' && path === 'init/error') {
      return readAll(req, LIMITS.responseBytes, (body) => {
        this.reply(res, 202, OK);
        this.initError(body ?? Buffer.from('{}'), header(req, 'lambda-runtime-function-error-type'));
      });
    }
    const m = /^invocation\/([^/]+)\/(response|error)$/.exec(path);
    if (req.method === 'POST' && m) return this.answer(req, res, decodeURIComponent(m[1]!), m[2] as 'response' | 'error');
    this.reply(res, 404, { errorMessage: 'Not found', errorType: 'InvalidURL' }, req);
  }

  private initError(body: Buffer, errorType: string | undefined): void {
    this.initFailed = true;
    this.events.onInitError(body, errorType);
  }

  /** GET /next over HTTP: the response is parked until there is an event. */
  private nextHttp(res: ServerResponse): void {
    const waiter: NextWaiter = {
      send: (inv, deadlineMs) => {
        const headers: Record<string, string> = {
          ...this.fixedHeaders,
          'content-type': 'application/json',
          'lambda-runtime-aws-request-id': inv.requestId,
          'lambda-runtime-deadline-ms': String(deadlineMs),
          'lambda-runtime-invoked-function-arn': inv.invokedFunctionArn,
          'lambda-runtime-trace-id': inv.traceId,
          'content-length': String(inv.payload.length),
        };
        if (inv.clientContext) headers['lambda-runtime-client-context'] = inv.clientContext;
        if (inv.cognitoIdentity) headers['lambda-runtime-cognito-identity'] = inv.cognitoIdentity;
        res.writeHead(200, headers);
        res.end(inv.payload);
      },
      refuse: (status, error) => this.reply(res, status, error),
    };
    res.on('close', () => {
      if (this.parked === waiter) this.parked = undefined;
    });
    this.next(waiter);
  }

  private next(waiter: NextWaiter): void {
    if (this.initFailed) return waiter.refuse(403, { errorMessage: 'State transition from InitError to Ready failed for runtime.', errorType: 'InvalidStateTransition' });
    const inFlight = this.current && !this.current.answered;
    // A /next while an invocation is still unanswered means the runtime moved on without answering.
    if (inFlight && this.deliveredCurrent) {
      return waiter.refuse(403, { errorMessage: 'State transition from Running to Ready failed for runtime. Error: the invocation has not been answered', errorType: 'InvalidStateTransition' });
    }
    this.events.onNext();
    if (inFlight) this.sendNext(waiter);
    else this.parked = waiter;
  }

  private sendNext(waiter: NextWaiter): void {
    this.deliveredCurrent = true;
    // The deadline counts from delivery: a cold start's init does not eat the timeout.
    waiter.send(this.current!, this.clock.now() + this.current!.timeoutMs);
    this.events.onDelivered();
  }

  private answer(req: IncomingMessage, res: ServerResponse, id: string, kind: 'response' | 'error'): void {
    const refused = this.refusal(id, kind);
    if (refused) return this.reply(res, refused[0], refused[1], req);
    const inv = this.current!;
    const mode = kind === 'response' ? header(req, 'lambda-runtime-function-response-mode') : undefined;
    if (mode !== undefined && mode !== 'streaming') {
      // As AWS's emulator does, the invocation fails at once (its caller is not left waiting for an
      // answer that will not come), and the runtime is told why.
      req.resume();
      this.accept(id, 'error', platformError('Runtime.InvalidResponseModeHeader', `RequestId: ${id} Error: invalid function response mode ${JSON.stringify(mode)}`), 'Runtime.InvalidResponseModeHeader');
      return this.reply(res, 400, { errorMessage: 'Invalid function response mode', errorType: 'InvalidFunctionResponseMode' });
    }
    if (mode === 'streaming') return this.stream(req, res, inv);
    readAll(req, LIMITS.responseBytes, (body) => {
      const type = kind === 'response' ? header(req, 'content-type') : header(req, 'lambda-runtime-function-error-type');
      const [status, answer] = this.accept(id, kind, body, type);
      this.reply(res, status, answer);
    });
  }

  /** Why an answer to `id` cannot be taken now, before its body is read (undefined: it can). */
  private refusal(id: string, kind: 'response' | 'error'): Verdict | undefined {
    const inv = this.current;
    if ((inv && inv.requestId === id && (inv.answered || inv.streaming)) || id === this.lastAnswered) {
      const to = kind === 'response' ? 'InvocationResponse' : 'InvocationErrorResponse';
      return [403, { errorMessage: `State transition from InvocationResponse to ${to} failed for runtime. Error: the invocation was already answered`, errorType: 'InvalidStateTransition' }];
    }
    if (!inv || inv.requestId !== id || !this.deliveredCurrent) return [400, { errorMessage: 'Invalid request ID', errorType: 'InvalidRequestID' }];
    return undefined;
  }

  /**
   * Take a whole answer (`body` undefined: it was over the limit). `type` is the response's
   * content type or the error's type.
   */
  private accept(id: string, kind: 'response' | 'error', body: Buffer | undefined, type: string | undefined): Verdict {
    const inv = this.current;
    if (!inv || inv.requestId !== id || inv.answered) return [400, { errorMessage: 'Invalid request ID', errorType: 'InvalidRequestID' }];
    inv.answered = true;
    this.lastAnswered = id;
    this.deliveredCurrent = false;
    if (body === undefined) {
      this.events.onResponseTooLarge(id);
      return [413, { errorMessage: `Exceeded maximum allowed payload size (${LIMITS.responseBytes} bytes).`, errorType: 'RequestEntityTooLarge' }];
    }
    if (kind === 'response') this.events.onResponse(id, body, type);
    else this.events.onError(id, body, type);
    return [202, OK];
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

// Stratus's private channel to the platform (a socket pair at the fd named by
// _STRATUS_RUNTIME_FD): the Runtime API's messages as one frame each, instead of HTTP requests.
// A warm invoke is then one read and one write here, with no HTTP client or parser in between.
// Streaming responses still go over the HTTP Runtime API (loaded only when a handler streams).
//
// A frame: kind (1 byte), head length (u32 LE), body length (u32 LE), head (fields separated by
// NUL), body. The platform's side is src/environments/runtime-channel.ts.

import type { ClientRequest } from 'node:http';
import type { Socket } from 'node:net';
import type { ErrorResponse } from './errors.js';
import { RuntimeApiClient, type NextInvocation, type RuntimeClient } from './rapid.js';

const net = process.getBuiltinModule('node:net');

const NEXT = 0x4e;
const RESPONSE = 0x52;
const ERROR = 0x45;
const INIT_ERROR = 0x46;
const STEM_WAITING = 0x57;
const INVOKE = 0x49;
const SPECIALISE = 0x53;
const REFUSED = 0x58;
const HEAD = 9;

/** Header names the invoke loop reads, in the order of an Invoke frame's fields. */
const INVOKE_FIELDS = [
  'lambda-runtime-aws-request-id',
  'lambda-runtime-deadline-ms',
  'lambda-runtime-invoked-function-arn',
  'lambda-runtime-trace-id',
  'lambda-runtime-client-context',
  'lambda-runtime-cognito-identity',
  'lambda-runtime-aws-tenant-id',
];

function frame(kind: number, fields: readonly string[], body = ''): Buffer {
  const head = fields.join('\0');
  const headLen = Buffer.byteLength(head);
  const bodyLen = Buffer.byteLength(body);
  const out = Buffer.allocUnsafe(HEAD + headLen + bodyLen);
  out[0] = kind;
  out.writeUInt32LE(headLen, 1);
  out.writeUInt32LE(bodyLen, 5);
  out.write(head, HEAD, 'utf8');
  out.write(body, HEAD + headLen, 'utf8');
  return out;
}

interface Waiter {
  kinds: number[];
  resolve: (f: { kind: number; head: Buffer; body: Buffer }) => void;
  reject: (err: Error) => void;
}

export class ChannelClient implements RuntimeClient {
  private readonly socket: Socket;
  private buf: Buffer = Buffer.alloc(0);
  private waiter: Waiter | undefined;
  private closed: Error | undefined;
  private http: RuntimeApiClient | undefined;

  constructor(fd: number, private readonly httpAddress: string | undefined) {
    this.socket = new net.Socket({ fd, readable: true, writable: true });
    // Unreferenced except while waiting for the platform: a handler's own work alone decides when
    // the event loop drains (callbackWaitsForEmptyEventLoop, never-settling promises).
    this.socket.unref();
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    const lost = (err?: Error): void => {
      this.closed = err ?? new Error('the platform closed the runtime channel');
      const w = this.waiter;
      this.waiter = undefined;
      w?.reject(this.closed);
    };
    this.socket.on('error', lost);
    this.socket.on('close', () => lost());
  }

  async specialise(): Promise<Record<string, string>> {
    const f = await this.request(frame(STEM_WAITING, []), [SPECIALISE]);
    return JSON.parse(f.body.toString('utf8')) as Record<string, string>;
  }

  async next(): Promise<NextInvocation> {
    const f = await this.request(frame(NEXT, []), [INVOKE, REFUSED]);
    if (f.kind === REFUSED) throw new Error(`Failed to get next invocation: HTTP ${f.head.toString('utf8')} ${f.body.toString('utf8')}`);
    // Latin1: the head's values are bytes, as HTTP header values are (a client context's UTF-8
    // JSON is decoded by the invoke loop, as it is for HTTP).
    const values = f.head.toString('latin1').split('\0');
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    for (let i = 0; i < INVOKE_FIELDS.length; i++) if (values[i]) headers[INVOKE_FIELDS[i]!] = values[i]!;
    return { body: f.body.toString('utf8'), headers };
  }

  // An answer is followed at once by the next /next: both leave in one write (see post()).
  postResponse(id: string, body: string): Promise<void> {
    return this.post(frame(RESPONSE, [id, 'application/json'], body));
  }

  postError(id: string, error: ErrorResponse): Promise<void> {
    return this.post(frame(ERROR, [id, ''], JSON.stringify(error)));
  }

  /** Resolves once the report has left this process (the caller exits right after); never rejects. */
  postFatal(id: string | undefined, error: ErrorResponse): Promise<void> {
    let body: string;
    try {
      body = JSON.stringify(error);
    } catch {
      body = JSON.stringify({ errorType: error.errorType, errorMessage: String(error.errorMessage) });
    }
    const f = id === undefined ? frame(INIT_ERROR, [error.errorType], body) : frame(ERROR, [id, ''], body);
    return this.send(f).catch(() => undefined);
  }

  openResponseStream(id: string, contentType: string): ClientRequest {
    if (!this.httpAddress) throw new Error('AWS_LAMBDA_RUNTIME_API is not set');
    this.http ??= new RuntimeApiClient(this.httpAddress);
    return this.http.openResponseStream(id, contentType);
  }

  /**
   * Queue an answer without waiting for it to be written: the invoke loop asks for the next event
   * in the same turn, and the socket is uncorked after it, so the two frames cost one system call.
   * A failed write closes the channel, which the next request then reports.
   */
  private post(buf: Buffer): Promise<void> {
    if (this.closed) return Promise.reject(this.closed);
    this.socket.cork();
    this.socket.write(buf);
    process.nextTick(() => this.socket.uncork());
    return Promise.resolve();
  }

  private send(buf: Buffer): Promise<void> {
    if (this.closed) return Promise.reject(this.closed);
    return new Promise((resolve, reject) => this.socket.write(buf, (err) => (err ? reject(err) : resolve())));
  }

  /** Write a frame and wait for one of `kinds` in reply; the socket keeps the process alive meanwhile. */
  private request(out: Buffer, kinds: number[]): Promise<{ kind: number; head: Buffer; body: Buffer }> {
    if (this.closed) return Promise.reject(this.closed);
    if (this.waiter) return Promise.reject(new Error('a request to the platform is already waiting'));
    return new Promise((resolve, reject) => {
      this.waiter = { kinds, resolve, reject };
      this.socket.ref();
      this.socket.write(out);
      // A reply already buffered (unlikely: the platform answers after our request) is taken now.
      this.drainFrames();
    });
  }

  private onData(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    this.drainFrames();
  }

  private drainFrames(): void {
    while (this.waiter && this.buf.length >= HEAD) {
      const headLen = this.buf.readUInt32LE(1);
      const end = HEAD + headLen + this.buf.readUInt32LE(5);
      if (this.buf.length < end) return;
      const kind = this.buf[0]!;
      const head = this.buf.subarray(HEAD, HEAD + headLen);
      const body = this.buf.subarray(HEAD + headLen, end);
      this.buf = this.buf.subarray(end);
      const w = this.waiter;
      if (!w.kinds.includes(kind)) {
        this.waiter = undefined;
        w.reject(new Error(`unexpected frame ${kind} from the platform`));
        return;
      }
      this.waiter = undefined;
      this.socket.unref();
      w.resolve({ kind, head, body });
    }
  }
}

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

const fs = process.getBuiltinModule('node:fs');

const NEXT = 0x4e;
const RESPONSE = 0x52;
const ERROR = 0x45;
const INIT_ERROR = 0x46;
const STEM_WAITING = 0x57;
const INVOKE = 0x49;
const SPECIALISE = 0x53;
const REFUSED = 0x58;
const HEAD = 9;
/** Bytes asked of each blocking read: a typical event in one read, a large one in a few. */
const READ_SIZE = 64 * 1024;

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

/** A frame from the platform, split into its parts. */
interface Received {
  kind: number;
  head: Buffer;
  body: Buffer;
}

interface Waiter {
  kinds: number[];
  resolve: (f: Received) => void;
  reject: (err: Error) => void;
}

/**
 * The channel works with plain blocking reads and writes on the fd, not a socket: an answer and
 * the next /next leave in one write(2), then the process waits for its event in read(2), as a
 * Lambda environment waits frozen. A wake then touches far less than a wake in the event loop
 * and a stream would, which on a VM is most of what a warm invocation costs (docs/performance.md),
 * and a cold start never loads `node:net` (~5 ms). Stem cells wait for their function the same
 * way. A socket is made only if the fd turns out non-blocking (not how the platform hands it over).
 */
export class ChannelClient implements RuntimeClient {
  private socket: Socket | undefined;
  /** Bytes received and not yet taken as frames, kept as chunks: joined once a frame is whole. */
  private chunks: Buffer[] = [];
  private have = 0;
  /** Bytes the frame at the front needs (the head's size until its lengths are known). */
  private need = HEAD;
  private waiter: Waiter | undefined;
  private closed: Error | undefined;
  private http: RuntimeApiClient | undefined;
  /** Frames posted and not written yet: they leave together with the next request. */
  private queued: Buffer[] = [];
  private delivered = false;
  private readBuffer: Buffer | undefined;

  constructor(
    private readonly fd: number,
    private readonly httpAddress: string | undefined,
  ) {}

  async specialise(): Promise<Record<string, string>> {
    // A stem cell waits for its function in read(2) too: nothing of its own needs the event loop.
    const f = await this.exchange(frame(STEM_WAITING, []), [SPECIALISE]);
    return JSON.parse(f.body.toString('utf8')) as Record<string, string>;
  }

  async next(): Promise<NextInvocation> {
    // A warm environment lets the event loop turn once before it waits: what the invocation left
    // ready (I/O callbacks, timers due) runs, as it would before Lambda froze the environment.
    // The answer has left already (exchange() writes it with this /next, before the turn).
    const f = await this.exchange(frame(NEXT, []), [INVOKE, REFUSED], this.delivered);
    this.delivered = true;
    if (f.kind === REFUSED) throw new Error(`Failed to get next invocation: HTTP ${f.head.toString('utf8')} ${f.body.toString('utf8')}`);
    // Latin1: the head's values are bytes, as HTTP header values are (a client context's UTF-8
    // JSON is decoded by the invoke loop, as it is for HTTP). An empty field is an absent header.
    const v = f.head.toString('latin1').split('\0');
    return {
      body: f.body.toString('utf8'),
      requestId: v[0] || undefined,
      deadlineMs: v[1] || undefined,
      invokedFunctionArn: v[2] || undefined,
      traceId: v[3] || undefined,
      clientContext: v[4] || undefined,
      cognitoIdentity: v[5] || undefined,
      tenantId: v[6] || undefined,
    };
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
   * in the same turn, and the queue is written with that request (with a socket: the socket is
   * uncorked after it), so the two frames cost one system call. Should the request not come in
   * this turn, the answer leaves on its own at the end of it.
   * A failed write closes the channel, which the next request then reports.
   */
  private post(buf: Buffer): Promise<void> {
    if (this.closed) return Promise.reject(this.closed);
    if (!this.socket) {
      this.queued.push(buf);
      process.nextTick(() => this.flushQueued());
      return Promise.resolve();
    }
    this.socket.cork();
    this.socket.write(buf);
    process.nextTick(() => this.socket?.uncork());
    return Promise.resolve();
  }

  private send(buf: Buffer): Promise<void> {
    if (this.closed) return Promise.reject(this.closed);
    if (!this.socket) {
      this.queued.push(buf);
      this.flushQueued();
      return this.closed ? Promise.reject(this.closed) : Promise.resolve();
    }
    const socket = this.socket;
    return new Promise((resolve, reject) => socket.write(buf, (err) => (err ? reject(err) : resolve())));
  }

  /**
   * Write `out` (after any queued answer, in one write) and wait for one of `kinds` in reply:
   * blocking in read(2), after one turn of the event loop when `turn` is set; on the socket when
   * there is one.
   */
  private async exchange(out: Buffer, kinds: number[], turn = false): Promise<Received> {
    if (this.socket) return this.request(out, kinds);
    this.queued.push(out);
    this.flushQueued();
    if (turn) await new Promise((resolve) => setImmediate(resolve));
    return this.waitBlocking(kinds) ?? this.reply(kinds);
  }

  /** Write a frame on the socket and wait there for one of `kinds` in reply. */
  private request(out: Buffer, kinds: number[]): Promise<Received> {
    if (this.closed) return Promise.reject(this.closed);
    if (this.waiter) return Promise.reject(new Error('a request to the platform is already waiting'));
    this.socket!.write(out);
    return this.reply(kinds);
  }

  /** Wait on the socket (made now if need be) for one of `kinds`; it keeps the process alive meanwhile. */
  private reply(kinds: number[]): Promise<Received> {
    if (this.closed) return Promise.reject(this.closed);
    this.openSocket();
    return new Promise((resolve, reject) => {
      this.waiter = { kinds, resolve, reject };
      this.socket!.ref();
      // A reply already buffered (unlikely: the platform answers after our request) is taken now.
      this.drainFrames();
    });
  }

  /** Write the queued frames with one blocking write (before the socket exists). */
  private flushQueued(): void {
    if (!this.queued.length || this.socket) return;
    const out = this.queued.length === 1 ? this.queued[0]! : Buffer.concat(this.queued);
    this.queued = [];
    let off = 0;
    try {
      while (off < out.length) off += fs.writeSync(this.fd, out, off);
    } catch (err) {
      // A non-blocking fd (not how the platform hands it over, but possible): the socket takes the rest.
      if ((err as { code?: string }).code !== 'EAGAIN') return void this.lost(err as Error);
      this.openSocket();
      (this.socket as Socket | undefined)?.write(out.subarray(off));
    }
  }

  /**
   * The reply to a /next already written, read blocking: the event loop does not run while the
   * environment waits for its event, as a Lambda environment is frozen until one arrives. On a cold
   * start the event is already waiting; warm, this is where the process sleeps, and waking in
   * read(2) touches far less than waking in the event loop and a stream (docs/performance.md).
   * Undefined when the fd turned out non-blocking: the socket then waits instead.
   */
  private waitBlocking(kinds: number[]): Received | undefined {
    if (this.socket) return undefined;
    for (;;) {
      if (this.closed) throw this.closed;
      const f = this.takeFrame();
      if (f) {
        if (!kinds.includes(f.kind)) throw this.lost(new Error(`unexpected frame ${f.kind} from the platform`));
        return f;
      }
      // A large frame's rest is read into a buffer of its size (a 6 MB event in a few reads); a
      // small one into the one kept for reading, and copied out.
      const large = this.need - this.have > READ_SIZE;
      const chunk = large ? Buffer.allocUnsafe(this.need - this.have) : (this.readBuffer ??= Buffer.allocUnsafe(READ_SIZE));
      let n: number;
      try {
        n = fs.readSync(this.fd, chunk, 0, chunk.length, null);
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'EINTR') continue;
        if (code === 'EAGAIN') return undefined;
        throw this.lost(err as Error);
      }
      if (n === 0) throw this.lost();
      this.received(large ? chunk.subarray(0, n) : Buffer.from(chunk.subarray(0, n)));
    }
  }

  private openSocket(): void {
    if (this.socket || this.closed) return;
    const socket = (this.socket = new (process.getBuiltinModule('node:net').Socket)({ fd: this.fd, readable: true, writable: true }));
    // Unreferenced except while waiting for the platform: a handler's own work alone decides when
    // the event loop drains (callbackWaitsForEmptyEventLoop, never-settling promises).
    socket.unref();
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.lost(err));
    socket.on('close', () => this.lost());
  }

  private lost(err?: Error): Error {
    this.closed ??= err ?? new Error('the platform closed the runtime channel');
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(this.closed);
    return this.closed;
  }

  /** The next whole frame received, if there is one. */
  private takeFrame(): Received | undefined {
    if (this.have < this.need) return undefined;
    // Joined only now: joining every chunk as it came would copy a large event over and over.
    const buf = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.have);
    const headLen = buf.readUInt32LE(1);
    const end = HEAD + headLen + buf.readUInt32LE(5);
    if (buf.length < end) {
      this.chunks = [buf];
      this.need = end;
      return undefined;
    }
    const f = { kind: buf[0]!, head: buf.subarray(HEAD, HEAD + headLen), body: buf.subarray(HEAD + headLen, end) };
    this.chunks = buf.length > end ? [buf.subarray(end)] : [];
    this.have = buf.length - end;
    this.need = HEAD;
    return f;
  }

  private received(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.have += chunk.length;
  }

  private onData(chunk: Buffer): void {
    this.received(chunk);
    this.drainFrames();
  }

  private drainFrames(): void {
    while (this.waiter) {
      const f = this.takeFrame();
      if (!f) return;
      const w = this.waiter;
      this.waiter = undefined;
      if (!w.kinds.includes(f.kind)) {
        w.reject(new Error(`unexpected frame ${f.kind} from the platform`));
        return;
      }
      this.socket?.unref();
      w.resolve(f);
    }
  }
}

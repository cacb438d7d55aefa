/**
 * The private channel between the server and a built-in runtime (Node.js, Python): a socket pair
 * made at spawn time, the runtime's end at fd 3. It carries what the Runtime API carries, as one
 * frame per message instead of two HTTP requests and their answers per invocation, which is most
 * of what a warm invoke used to cost. Nothing else can reach it: it is not on any address, so
 * there is no peer check to make. Custom runtimes and AWS's runtime clients keep the HTTP Runtime
 * API (runtime-api.ts); both transports drive the same state machine. See docs/runtime-channel.md.
 *
 * A frame: kind (1 byte), head length (u32 LE), body length (u32 LE), head (UTF-8 fields
 * separated by NUL), body (bytes).
 */

/** Stdio index of the runtime's end, and the variable that tells a built-in runtime to use it. */
export const CHANNEL_FD = 3;
export const CHANNEL_VAR = '_STRATUS_RUNTIME_FD';

export const Frame = {
  // runtime → server
  /** Ready for the next event (GET /next). */
  Next: 0x4e, // N
  /** An invocation's response: head = request id, content type. */
  Response: 0x52, // R
  /** An invocation's error: head = request id, error type. */
  Error: 0x45, // E
  /** Init failed: head = error type. */
  InitError: 0x46, // F
  /** A stem cell waits for its function (GET /stratus/specialise). */
  StemWaiting: 0x57, // W
  // server → runtime
  /** An event: head = request id, deadline ms, invoked ARN, trace id, client context, cognito identity, tenant id. */
  Invoke: 0x49, // I
  /** A stem cell's function: body = its environment as JSON. */
  Specialise: 0x53, // S
  /** A refused /next: head = HTTP-like status; body = the error JSON. */
  Refused: 0x58, // X
} as const;

const HEAD = 9;
const MAX_HEAD = 64 * 1024;

/**
 * `encoding` of the head: an Invoke's is latin1, because its client context is already a byte
 * string (HTTP header semantics: invoke.ts decodeClientContext); everything else is UTF-8.
 */
export function encodeFrame(kind: number, fields: readonly string[], body?: Buffer | string, encoding: BufferEncoding = 'utf8'): Buffer {
  const head = fields.length ? Buffer.from(fields.join('\0'), encoding) : undefined;
  const bodyLen = body === undefined ? 0 : typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  const out = Buffer.allocUnsafe(HEAD + (head?.length ?? 0) + bodyLen);
  out[0] = kind;
  out.writeUInt32LE(head?.length ?? 0, 1);
  out.writeUInt32LE(bodyLen, 5);
  let at = HEAD;
  if (head) at += head.copy(out, at);
  if (typeof body === 'string') out.write(body, at, 'utf8');
  else if (body) body.copy(out, at);
  return out;
}

/**
 * Splits the runtime's byte stream into frames. A body longer than `maxBody` is never held: it is
 * skipped as it arrives and the frame is delivered with `body` undefined (the response-too-large
 * case). A malformed head is a protocol error (the caller drops the runtime).
 */
export class FrameReader {
  /** Bytes received and not yet taken as frames, kept as chunks: joined once a frame can be read. */
  private chunks: Buffer[] = [];
  private have = 0;
  /** Bytes the frame at the front needs before it can be read (its head first). */
  private need = HEAD;
  /** Bytes of an oversized body still to skip, and the frame it belongs to. */
  private skipping = 0;
  private skipped?: { kind: number; fields: string[] };

  constructor(
    private readonly maxBody: number,
    private readonly onFrame: (kind: number, fields: string[], body: Buffer | undefined) => void,
    private readonly onProtocolError: (why: string) => void,
  ) {}

  push(chunk: Buffer): void {
    if (this.skipping) {
      const n = Math.min(this.skipping, chunk.length);
      this.skipping -= n;
      chunk = chunk.subarray(n);
      if (this.skipping) return;
      const f = this.skipped!;
      this.skipped = undefined;
      this.onFrame(f.kind, f.fields, undefined);
    }
    if (chunk.length) {
      this.chunks.push(chunk);
      this.have += chunk.length;
    }
    while (this.have >= this.need) {
      // Joined only now: joining every chunk as it came would copy a large answer over and over.
      const buf = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.have);
      this.chunks = [buf];
      const kind = buf[0]!;
      const headLen = buf.readUInt32LE(1);
      const bodyLen = buf.readUInt32LE(5);
      if (headLen > MAX_HEAD) return this.onProtocolError(`frame head of ${headLen} bytes`);
      if (bodyLen > this.maxBody) {
        if (buf.length < HEAD + headLen) {
          this.need = HEAD + headLen;
          return;
        }
        const fields = buf.toString('utf8', HEAD, HEAD + headLen).split('\0');
        const have = buf.length - HEAD - headLen;
        if (have >= bodyLen) {
          this.rest(buf, HEAD + headLen + bodyLen);
          this.onFrame(kind, fields, undefined);
          continue;
        }
        this.skipping = bodyLen - have;
        this.skipped = { kind, fields };
        this.rest(buf, buf.length);
        return;
      }
      const end = HEAD + headLen + bodyLen;
      if (buf.length < end) {
        this.need = end;
        return;
      }
      const fields = headLen ? buf.toString('utf8', HEAD, HEAD + headLen).split('\0') : [];
      // A copy: the frame's body outlives the chunk it came in (it becomes the invoke's answer).
      const body = Buffer.from(buf.subarray(HEAD + headLen, end));
      this.rest(buf, end);
      this.onFrame(kind, fields, body);
    }
  }

  /** Keep what follows `end` in `buf` (the start of the next frame) and wait for a head again. */
  private rest(buf: Buffer, end: number): void {
    this.chunks = end < buf.length ? [buf.subarray(end)] : [];
    this.have = buf.length - end;
    this.need = HEAD;
  }
}

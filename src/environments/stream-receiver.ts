/**
 * The body of a streaming `/response` (contract A5): a chunked POST whose chunks are passed on as
 * they arrive, with backpressure (the runtime's request is paused while the reader is slow), a
 * size cap, and an error reported in the trailers `Lambda-Runtime-Function-Error-Type` /
 * `Lambda-Runtime-Function-Error-Body` (base64 of the error JSON).
 */
import type { IncomingMessage } from 'node:http';
import { platformError } from './invocation.js';

/** Where a streamed body goes. */
export interface StreamTarget {
  /** The most bytes the whole body may hold. */
  readonly limit: number;
  /** One piece of the body; false asks for a pause until `onDrain`. */
  write(chunk: Buffer): boolean;
  onDrain(cb: () => void): void;
}

export type StreamOutcome =
  | { kind: 'end'; error?: { type: string; body: Buffer } }
  | { kind: 'too-large' }
  /** The request ended without its final chunk (the runtime died or dropped the connection). */
  | { kind: 'truncated' };

const TYPE_TRAILER = 'lambda-runtime-function-error-type';
const BODY_TRAILER = 'lambda-runtime-function-error-body';

/** Pass `req`'s body to `target` as it arrives; `done` is called once, with how it ended. */
export function receiveStream(req: IncomingMessage, target: StreamTarget, done: (outcome: StreamOutcome) => void): void {
  let size = 0;
  let settled = false;
  const settle = (o: StreamOutcome) => {
    if (settled) return;
    settled = true;
    done(o);
  };
  req.on('data', (c: Buffer) => {
    if (settled) return;
    size += c.length;
    if (size > target.limit) {
      req.pause();
      return settle({ kind: 'too-large' });
    }
    if (!target.write(c)) {
      req.pause();
      target.onDrain(() => req.resume());
    }
  });
  req.on('end', () => settle({ kind: 'end', error: trailerError(req) }));
  req.on('close', () => {
    if (!req.complete) settle({ kind: 'truncated' });
  });
  req.on('error', () => undefined);
}

/** The error a runtime reported in the trailers, if any. */
function trailerError(req: IncomingMessage): { type: string; body: Buffer } | undefined {
  const type = req.trailers[TYPE_TRAILER];
  const b64 = req.trailers[BODY_TRAILER];
  if (!type && !b64) return undefined;
  const body = b64 ? Buffer.from(b64, 'base64') : Buffer.alloc(0);
  const errorType = type || errorTypeOf(body) || 'Runtime.Unknown';
  return { type: errorType, body: body.length > 0 ? body : platformError(errorType, '') };
}

function errorTypeOf(body: Buffer): string | undefined {
  try {
    const t = (JSON.parse(body.toString('utf8')) as { errorType?: unknown }).errorType;
    return typeof t === 'string' ? t : undefined;
  } catch {
    return undefined;
  }
}

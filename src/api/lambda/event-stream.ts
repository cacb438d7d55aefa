/**
 * The response of InvokeWithResponseStream (contract C4): HTTP 200 with the function's content
 * type, then binary event-stream messages (AWS's `application/vnd.amazon.eventstream` framing:
 * length-prefixed, CRC-checked, typed headers) — a `PayloadChunk` per piece of the response as it
 * arrives, and one `InvokeComplete` at the end with the error and the log tail.
 *
 * The framing is @smithy/eventstream-codec, the codec AWS's own SDKs decode these messages with.
 */
import type { ServerResponse } from 'node:http';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import type { InvocationResult, ResponseSink } from '../../environments/invocation.js';
import { logTail } from './invoke.js';

const codec = new EventStreamCodec(
  (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'),
  (text) => Buffer.from(text, 'utf8'),
);

/** One event message, as the SDK's event-stream deserializer expects it. */
export function eventMessage(eventType: 'PayloadChunk' | 'InvokeComplete', body: Uint8Array): Uint8Array {
  return codec.encode({
    headers: {
      ':event-type': { type: 'string', value: eventType },
      ':content-type': { type: 'string', value: eventType === 'PayloadChunk' ? 'application/octet-stream' : 'application/json' },
      ':message-type': { type: 'string', value: 'event' },
    },
    body,
  });
}

/** What InvokeComplete says about a failed invocation: the error's type and message. */
export function completeError(body: Buffer): { ErrorCode: string; ErrorDetails: string } {
  try {
    const e = JSON.parse(body.toString('utf8')) as { errorType?: unknown; errorMessage?: unknown };
    return { ErrorCode: typeof e.errorType === 'string' ? e.errorType : 'Unhandled', ErrorDetails: typeof e.errorMessage === 'string' ? e.errorMessage : body.toString('utf8') };
  } catch {
    return { ErrorCode: 'Unhandled', ErrorDetails: body.toString('utf8') };
  }
}

/** Writes one InvokeWithResponseStream response: headers when the stream opens, chunks as they come. */
export class InvokeEventStream {
  private opened = false;
  private version = '$LATEST';

  /** Producers paused until the client catches up (or goes away). */
  private waiting: (() => void)[] = [];

  constructor(private readonly res: ServerResponse, private readonly requestId: string) {
    const wake = () => {
      for (const cb of this.waiting.splice(0)) cb();
    };
    res.on('drain', wake);
    res.on('close', wake);
  }

  /** The sink the environment streams into, for the version that runs. */
  sinkFor(version: string): ResponseSink {
    this.version = version;
    return {
      start: (contentType) => this.open(contentType),
      write: (chunk) => this.chunk(chunk),
      onDrain: (cb) => {
        // A client that went away never drains: let the runtime run on into the void.
        if (this.res.destroyed || !this.res.writableNeedDrain) cb();
        else this.waiting.push(cb);
      },
    };
  }

  /**
   * End the response with what the invocation returned. A buffered (non-streaming) function's
   * response goes out now as one chunk, as on AWS; a failure becomes InvokeComplete's error.
   */
  complete(result: InvocationResult, tail: boolean): void {
    if (!result.streamed) {
      this.open(result.contentType ?? 'application/json');
      if (!result.error) this.chunk(result.body);
    }
    const done: Record<string, string> = result.error ? completeError(result.body) : {};
    if (tail) done.LogResult = logTail(result.log);
    if (!this.res.destroyed) this.res.end(eventMessage('InvokeComplete', Buffer.from(JSON.stringify(done))));
  }

  private open(contentType: string): void {
    if (this.opened) return;
    this.opened = true;
    this.res.writeHead(200, {
      'content-type': contentType,
      'x-amz-executed-version': this.version,
      'x-amzn-RequestId': this.requestId,
    });
    // The client learns at once that the function started answering, before the first chunk.
    this.res.flushHeaders();
  }

  private chunk(bytes: Buffer): boolean {
    if (bytes.length === 0 || this.res.destroyed) return true;
    return this.res.write(eventMessage('PayloadChunk', bytes));
  }
}

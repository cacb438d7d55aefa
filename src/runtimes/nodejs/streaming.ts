// The writable stream a streaming handler (awslambda.streamifyResponse) writes its response to.
// It is a chunked POST /runtime/invocation/{id}/response with
// `Lambda-Runtime-Function-Response-Mode: streaming`; an error after the body has started is
// sent as HTTP trailers (contract A5).

import type { ClientRequest } from 'node:http';
import type { RuntimeClient } from './rapid.js';
import { InvalidStreamingOperation, toErrorResponse } from './errors.js';

type Chunk = string | Uint8Array;
type Callback = (err?: Error | null) => void;

/** What the user's handler receives as `responseStream`. */
export interface ResponseStream {
  write(chunk: unknown, encoding?: BufferEncoding | Callback, cb?: Callback): boolean;
  end(chunk?: unknown, encoding?: BufferEncoding | Callback, cb?: Callback): ResponseStream;
  setContentType(contentType: string): void;
  _onBeforeFirstWrite?: (write: (chunk: Chunk) => void) => void;
  readonly writableFinished: boolean;
  readonly writableEnded: boolean;
  [key: string]: unknown;
}

export interface StreamHandle {
  stream: ResponseStream;
  /** Settles when the platform has answered the POST (after the body was ended). */
  responseDone: Promise<void>;
  /** Ends the response with the error in the trailers; `cb` runs once the request is sent. */
  fail(error: unknown, cb: () => void): void;
}

// Only the Writable and EventEmitter surface is exposed, not the ClientRequest itself, so user
// code cannot set arbitrary headers or reach the socket (AWS exposes the same surface).
const PASS_THROUGH_METHODS = [
  'cork', 'uncork', 'destroy',
  'addListener', 'emit', 'eventNames', 'getMaxListeners', 'listenerCount', 'listeners', 'off', 'on',
  'once', 'prependListener', 'prependOnceListener', 'rawListeners', 'removeAllListeners',
  'removeListener', 'setMaxListeners',
] as const;
const READ_ONLY_PROPS = [
  'writableFinished', 'writableObjectMode', 'writableBuffer', 'writableEnded', 'writableNeedDrain',
  'writableHighWaterMark', 'writableCorked', 'writableLength',
] as const;
const READ_WRITE_PROPS = ['destroyed', 'writable'] as const;

/** Opens the streaming response for invocation `id`. */
export function createResponseStream(client: RuntimeClient, id: string): StreamHandle {
  const req: ClientRequest = client.openResponseStream(id, 'application/octet-stream');
  let started = false;

  const responseDone = new Promise<void>((resolve, reject) => {
    req.on('response', (res) => {
      res.resume();
      res.on('end', resolve);
      res.on('error', reject);
      res.on('aborted', () => reject(new Error('Runtime API closed the streaming response')));
    });
    req.on('error', reject);
  });
  // Awaited only on the success path; without this a failed POST would surface as an
  // unhandled rejection, which the runtime treats as fatal.
  responseDone.catch(() => {});

  const stream = {} as ResponseStream;
  for (const name of PASS_THROUGH_METHODS) {
    const fn = (req as unknown as Record<string, (...a: unknown[]) => unknown>)[name];
    stream[name] = (...args: unknown[]) => {
      const r = fn.apply(req, args);
      // Chainable emitter methods return the stream the user holds, not the request.
      return r === req ? stream : r;
    };
  }
  for (const prop of READ_ONLY_PROPS) {
    Object.defineProperty(stream, prop, { get: () => (req as unknown as Record<string, unknown>)[prop] });
  }
  for (const prop of READ_WRITE_PROPS) {
    Object.defineProperty(stream, prop, {
      get: () => (req as unknown as Record<string, unknown>)[prop],
      set: (v: unknown) => {
        (req as unknown as Record<string, unknown>)[prop] = v;
      },
    });
  }

  const beforeFirstWrite = (): void => {
    if (started) return;
    started = true;
    // HttpResponseStream.from installs this to send its JSON prelude and delimiter first.
    stream._onBeforeFirstWrite?.((c) => req.write(c));
  };

  stream.setContentType = (contentType: string) => {
    if (started) throw new InvalidStreamingOperation('Cannot set content-type, too late.');
    req.setHeader('Content-Type', contentType);
  };

  stream.write = (chunk: unknown, encoding?: BufferEncoding | Callback, cb?: Callback): boolean => {
    // Non-binary values are sent as JSON, as AWS does.
    const data: Chunk = typeof chunk === 'string' || chunk instanceof Uint8Array ? chunk : JSON.stringify(chunk);
    beforeFirstWrite();
    return typeof encoding === 'function'
      ? req.write(data, encoding)
      : req.write(data, encoding ?? 'utf8', cb);
  };

  // As in AWS's client, `end` goes straight to the request: a last chunk given to it is sent as it
  // is (a string or bytes; anything else throws), and it never sends HttpResponseStream's prelude,
  // which only `write` does. So `from(s, {statusCode: 404}); s.end('Not found')` gives a function
  // URL no prelude (a 502), and a bare `end()` a 200 without the prelude's headers, on AWS and
  // here alike (aws-lambda-nodejs-runtime-interface-client#97; docs/streaming.md).
  stream.end = (chunk?: unknown, encoding?: BufferEncoding | Callback, cb?: Callback): ResponseStream => {
    started = true;
    (req.end as (...a: unknown[]) => unknown)(chunk, encoding, cb);
    return stream;
  };

  const fail = (error: unknown, cb: () => void): void => {
    if (req.writableEnded || req.destroyed) {
      // Already ended by the handler (or the connection is gone): nothing more can be sent.
      responseDone.then(cb, cb);
      return;
    }
    const body = toErrorResponse(error);
    try {
      req.addTrailers({
        'Lambda-Runtime-Function-Error-Type': headerSafe(body.errorType),
        'Lambda-Runtime-Function-Error-Body': Buffer.from(JSON.stringify(body)).toString('base64'),
      });
    } catch {
      // Trailers are only refused once the request is finished; the end below still closes it.
    }
    req.end(() => cb());
  };

  return { stream, responseDone, fail };
}

// Header values may only hold visible ASCII and tabs; an error name could hold anything.
function headerSafe(value: string): string {
  return /^[\t\x20-\x7e]*$/.test(value) ? value : value.replace(/[^\t\x20-\x7e]/g, '?');
}

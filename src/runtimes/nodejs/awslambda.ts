// The `awslambda` global that AWS's Node runtime gives user code (contract B1, A5):
// `awslambda.streamifyResponse(handler, {highWaterMark})` marks a handler as streaming, and
// `awslambda.HttpResponseStream.from(stream, prelude)` frames a function-URL HTTP response.

/** Mark set on a handler by streamifyResponse; the value "response" means response streaming. */
export const STREAMING_SYMBOL = Symbol.for('aws.lambda.runtime.handler.streaming');
/** Optional highWaterMark for the response stream, set by streamifyResponse. */
export const HIGH_WATER_MARK_SYMBOL = Symbol.for('aws.lambda.runtime.handler.streaming.highWaterMark');

/** Content type that tells the platform the stream starts with a JSON prelude (contract A5). */
export const HTTP_INTEGRATION_CONTENT_TYPE = 'application/vnd.awslambda.http-integration-response';

/** The part of our response stream that HttpResponseStream.from relies on. */
export interface PreludeCapableStream {
  setContentType(contentType: string): void;
  _onBeforeFirstWrite?: (write: (chunk: string | Uint8Array) => void) => void;
}

/** AWS's HttpResponseStream: prefixes the body with `<json prelude>` + 8 NUL bytes. */
export class HttpResponseStream {
  static from<T extends PreludeCapableStream>(stream: T, prelude: unknown): T {
    stream.setContentType(HTTP_INTEGRATION_CONTENT_TYPE);
    // Serialised now, as on AWS, so later mutations of the prelude object do not leak in.
    const metadata = JSON.stringify(prelude);
    stream._onBeforeFirstWrite = (write) => {
      write(metadata);
      // The delimiter: the prelude itself is JSON, which cannot contain NUL bytes.
      write(new Uint8Array(8));
    };
    return stream;
  }
}

function streamifyResponse<F extends (...args: never[]) => unknown>(
  handler: F,
  options?: { highWaterMark?: unknown },
): F {
  const marks = handler as unknown as Record<symbol, unknown>;
  marks[STREAMING_SYMBOL] = 'response';
  if (typeof options?.highWaterMark === 'number') {
    marks[HIGH_WATER_MARK_SYMBOL] = Math.trunc(options.highWaterMark);
  }
  return handler;
}

/** Installs `globalThis.awslambda` (done before user code loads, as on AWS). */
export function installAwsLambdaGlobal(): void {
  (globalThis as Record<string, unknown>).awslambda = { streamifyResponse, HttpResponseStream };
}

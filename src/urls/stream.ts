/**
 * A RESPONSE_STREAM function URL's answer, sent to the HTTP client as the function writes it
 * (chunked transfer encoding). A stream opened with `awslambda.HttpResponseStream.from` starts
 * with a JSON prelude `{statusCode, headers, cookies}` and 8 NUL bytes (contract A5): the status
 * line and headers come from it, the rest is the body. Any other stream is a 200 with the stream's
 * content type.
 */
import type { ServerResponse } from 'node:http';
import type { InvocationResult, ResponseSink } from '../environments/invocation.js';
import { FUNCTION_ERROR, isObject, responseHeaders } from './response.js';

/** Content type of a stream that starts with an HTTP prelude (AWS's HttpResponseStream). */
export const HTTP_INTEGRATION = 'application/vnd.awslambda.http-integration-response';
const DELIMITER = Buffer.alloc(8);
/** A prelude is a small JSON object; this much without its delimiter means there is none. */
const MAX_PRELUDE_BYTES = 1024 * 1024;

type Headers = Record<string, string | string[]>;

export interface UrlStreamOptions {
  requestId: string;
  /** HEAD: headers only. */
  head: boolean;
  /** Adds the URL's CORS headers (they win over the function's). */
  decorate: (headers: Headers) => void;
}

export class UrlStream {
  /** 'prelude': still reading the prelude; 'body': headers decided; 'failed': answered 502, the rest is dropped. */
  private phase: 'waiting' | 'prelude' | 'body' | 'failed' = 'waiting';
  private contentType = 'application/octet-stream';
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private waiting: (() => void)[] = [];

  constructor(private readonly res: ServerResponse, private readonly opts: UrlStreamOptions) {
    const wake = () => {
      for (const cb of this.waiting.splice(0)) cb();
    };
    res.on('drain', wake);
    res.on('close', wake);
  }

  /** The sink the environment streams into. */
  sink(): ResponseSink {
    return {
      start: (contentType) => {
        this.contentType = contentType;
        this.phase = contentType === HTTP_INTEGRATION ? 'prelude' : 'body';
      },
      write: (chunk) => this.chunk(chunk),
      onDrain: (cb) => {
        if (this.res.destroyed || !this.res.writableNeedDrain) cb();
        else this.waiting.push(cb);
      },
    };
  }

  /**
   * The invocation is over. Returns false when nothing was streamed (a buffered function): the
   * caller answers as for a BUFFERED URL. Otherwise ends the response: cleanly on success, cut
   * short on a failure after the headers (the client sees an incomplete chunked body), or a 502
   * when the function failed before sending anything.
   */
  finish(result: InvocationResult): boolean {
    if (!result.streamed) return false;
    if (this.phase === 'failed') return true;
    if (!this.res.headersSent && (result.error || this.pendingBytes > 0)) {
      // Failed (or ended inside its prelude) before the client saw anything: Lambda's 502.
      this.send(FUNCTION_ERROR.status, { ...FUNCTION_ERROR.headers });
      this.res.end(this.opts.head ? undefined : FUNCTION_ERROR.body);
      return true;
    }
    if (result.error) {
      this.res.destroy();
      return true;
    }
    // An HTTP-integration stream that ended with no byte at all (AWS's client sends no prelude for
    // `end()` without a `write()`): a 200 with no headers of the function's, as on AWS.
    if (!this.res.headersSent) this.send(200, { 'content-type': this.phase === 'prelude' ? 'application/octet-stream' : this.contentType });
    this.res.end();
    return true;
  }

  private chunk(bytes: Buffer): boolean {
    if (this.res.destroyed || this.phase === 'failed' || bytes.length === 0) return true;
    if (this.phase === 'prelude') return this.preludeChunk(bytes);
    if (!this.res.headersSent) this.send(200, { 'content-type': this.contentType });
    return this.opts.head ? true : this.res.write(bytes);
  }

  /** Gather bytes until the delimiter; then send the status and headers, and the body so far. */
  private preludeChunk(bytes: Buffer): boolean {
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    const all = Buffer.concat(this.pending, this.pendingBytes);
    const at = all.indexOf(DELIMITER);
    if (at === -1) {
      if (this.pendingBytes > MAX_PRELUDE_BYTES) this.fail();
      return true;
    }
    this.pending = [];
    this.pendingBytes = 0;
    const prelude = parsePrelude(all.subarray(0, at));
    if (!prelude) {
      this.fail();
      return true;
    }
    this.phase = 'body';
    this.send(prelude.status, prelude.headers);
    const rest = all.subarray(at + DELIMITER.length);
    return rest.length === 0 || this.opts.head ? true : this.res.write(rest);
  }

  private fail(): void {
    this.phase = 'failed';
    this.pending = [];
    this.pendingBytes = 0;
    this.send(FUNCTION_ERROR.status, { ...FUNCTION_ERROR.headers });
    this.res.end(this.opts.head ? undefined : FUNCTION_ERROR.body);
  }

  private send(status: number, headers: Headers): void {
    this.opts.decorate(headers);
    this.res.statusCode = status;
    this.res.setHeader('x-amzn-RequestId', this.opts.requestId);
    for (const [k, v] of Object.entries(headers)) this.res.setHeader(k, v);
    // Out now, so the client sees the status before the first body byte exists.
    this.res.flushHeaders();
  }
}

/** The prelude's status and headers; undefined when it is not a JSON object with a valid status. */
function parsePrelude(bytes: Buffer): { status: number; headers: Headers } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isObject(parsed)) return undefined;
  const status = parsed.statusCode === undefined ? 200 : Number(parsed.statusCode);
  if (!Number.isInteger(status) || status < 100 || status > 599) return undefined;
  const headers = responseHeaders(parsed);
  headers['content-type'] ??= 'application/octet-stream';
  return { status, headers };
}

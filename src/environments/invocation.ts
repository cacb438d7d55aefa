/** One invocation as the engine carries it from the Invoke API to a runtime and back. */

export interface Invocation {
  requestId: string;
  /** The raw event bytes (already checked to be JSON). */
  payload: Buffer;
  /** ARN exactly as invoked (qualified if the caller used a qualifier). */
  invokedFunctionArn: string;
  traceId: string;
  /** Decoded client-context JSON, sync invokes only. */
  clientContext?: string;
  cognitoIdentity?: string;
  /**
   * Where a streamed response goes as it arrives (InvokeWithResponseStream, streaming function
   * URLs). Without it a streamed response is collected and returned whole, under the buffered limit.
   */
  sink?: ResponseSink;
}

/** Receives a streamed response while the function is still running (contract A5). */
export interface ResponseSink {
  /** The runtime opened a streaming response with this content type; chunks follow. */
  start(contentType: string): void;
  /** One piece of the body; false asks the producer to wait for `onDrain`. */
  write(chunk: Buffer): boolean;
  onDrain(cb: () => void): void;
}

/** What came back: a response, a function error, or a platform error, with the body the caller receives. */
export interface InvocationResult {
  body: Buffer;
  /** Set for any function, runtime or platform error: the caller sees X-Amz-Function-Error: Unhandled. */
  error?: { type: string };
  /** Milliseconds from delivery to the runtime until its answer. */
  durationMs: number;
  /** Set when this invocation cold-started its environment. */
  initDurationMs?: number;
  maxMemoryUsedMB: number;
  /** This invocation's log text, START through REPORT. */
  log: string;
  /** The runtime's Content-Type for its response (buffered or streamed). */
  contentType?: string;
  /** Set when the response was streamed to the invocation's sink: `body` then holds only an error, if any. */
  streamed?: true;
  /** The environment died before the event reached its runtime: nothing ran, run it elsewhere. */
  undelivered?: true;
}

/** The platform's own error bodies (contract A6), in AWS's key order. */
export const platformError = (errorType: string, errorMessage: string): Buffer =>
  Buffer.from(JSON.stringify({ errorType, errorMessage }));

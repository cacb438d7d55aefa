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
  /** The environment died before the event reached its runtime: nothing ran, run it elsewhere. */
  undelivered?: true;
}

/** The platform's own error bodies (contract A6), in AWS's key order. */
export const platformError = (errorType: string, errorMessage: string): Buffer =>
  Buffer.from(JSON.stringify({ errorType, errorMessage }));

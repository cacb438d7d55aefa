// The invoke loop: GET /next, call the handler, POST the result or the error, repeat
// (contract A1, B1 "Invocation"). Behaviour that user code can observe follows AWS's client:
// when a response is sent relative to the event loop draining, first-call-wins callbacks,
// what is reported when a promise never settles, and how process-level failures end the process.

import type { HandlerFunction, HandlerMetadata } from './handler.js';
import type { NextInvocation, RuntimeClient } from './rapid.js';
import { NodeJsExit, toErrorResponse } from './errors.js';
import { logError, setRequestId, setTenantId } from './logging.js';
import type { createResponseStream } from './streaming.js';

/** Values of the context that come from the environment, read once at start. */
export interface FunctionInfo {
  functionName: string | undefined;
  functionVersion: string | undefined;
  memoryLimitInMB: string | undefined;
  logGroupName: string | undefined;
  logStreamName: string | undefined;
}

type Callback = (err?: unknown, result?: unknown) => void;
const noop = (): void => {};

/** Exit codes of AWS's runtime for a fatal uncaught exception and an unhandled rejection. */
export const EXIT_UNCAUGHT = 129;
export const EXIT_UNHANDLED_REJECTION = 128;

/** Owns the per-process lifecycle: the invoke loop, 'beforeExit' handling, fatal exits. */
export class Runtime {
  private handler: HandlerFunction | undefined;
  private metadata: HandlerMetadata | undefined;
  // What to do when the event loop runs dry (process 'beforeExit'); set per invocation.
  private onDrain: () => void = noop;
  // The invocation a fatal error is reported against; undefined during init (→ /init/error).
  private currentId: string | undefined;
  private polling = false;
  private dying = false;
  // Loaded only for streaming handlers, to keep it off the common cold-start path.
  private createStream: typeof createResponseStream | undefined;

  constructor(
    private readonly client: RuntimeClient,
    private readonly info: FunctionInfo,
  ) {}

  /** Called from process 'beforeExit'. */
  drain(): void {
    const f = this.onDrain;
    this.onDrain = noop;
    f();
  }

  /**
   * Reports a fatal error (to /init/error during init, else to the current invocation's /error)
   * and exits with `exitCode`, as AWS does for uncaught exceptions (129) and unhandled
   * rejections (128). Only the first fatal error is reported.
   */
  fatal(error: unknown, exitCode: number): void {
    if (this.dying) return;
    this.dying = true;
    this.onDrain = noop;
    void this.client.postFatal(this.currentId, toErrorResponse(error)).then(() => process.exit(exitCode));
  }

  /** Starts polling for invocations with the loaded handler. */
  start(handler: HandlerFunction, metadata: HandlerMetadata): void {
    this.handler = handler;
    this.metadata = metadata;
    if (!metadata.streaming) {
      this.next();
      return;
    }
    // Loaded only for a streaming handler; require(), not import(), which would set up the ES
    // module loader for a module of our own.
    try {
      this.createStream = (require('./streaming.js') as typeof import('./streaming.js')).createResponseStream;
    } catch (err) {
      return this.fatal(err, EXIT_UNCAUGHT);
    }
    this.next();
  }

  private next(): void {
    // Guards against a second poll being started for the same iteration (e.g. a drain listener
    // and a completion racing); only one /next may be outstanding.
    if (this.polling || this.dying) return;
    this.polling = true;
    this.client.next().then(
      (inv) => {
        this.polling = false;
        if (this.dying) return;
        if (this.metadata!.streaming) void this.invokeStreaming(inv);
        else this.invoke(inv);
      },
      (err) => this.topLevelError(err),
    );
  }

  // Errors here mean the Runtime API is unusable or the runtime has a bug; AWS logs them and
  // takes the uncaught-exception path.
  private topLevelError(err: unknown): void {
    console.log(`Unexpected Top Level Error: ${String(err)}`);
    this.fatal(err, EXIT_UNCAUGHT);
  }

  private begin(inv: NextInvocation): string {
    const id = inv.requestId;
    if (typeof id !== 'string' || id === '') throw new Error('invocation id is missing or invalid');
    this.currentId = id;
    setRequestId(id);
    setTenantId(inv.tenantId);
    return id;
  }

  private postResult(id: string, result: unknown): void {
    if (this.dying) return;
    let body: string | undefined;
    try {
      // AWS sends `null` for an undefined result.
      body = JSON.stringify(result === undefined ? null : result);
    } catch {
      body = undefined;
    }
    if (body === undefined) {
      // Circular structures, BigInt, or a value JSON cannot represent (a function).
      this.postError(id, new Error('Unable to stringify response body'), true);
      return;
    }
    this.client.postResponse(id, body).then(
      () => this.next(),
      (err) => this.topLevelError(err),
    );
  }

  private postError(id: string, error: unknown, log: boolean): void {
    if (this.dying) return;
    if (log) logError('Invoke Error', error);
    this.client.postError(id, toErrorResponse(error)).then(
      () => this.next(),
      (err) => this.topLevelError(err),
    );
  }

  private invoke(inv: NextInvocation): void {
    let id: string;
    try {
      id = this.begin(inv);
    } catch (err) {
      this.topLevelError(err);
      return;
    }

    let finished = false; // first call of callback/succeed/fail/done wins
    let completed = false; // a success has been posted
    let waitForEmptyEventLoop = true;

    const complete = (result: unknown): void => {
      if (completed) {
        console.error('Invocation has already been reported as done; a second result is ignored.');
        return;
      }
      completed = true;
      this.postResult(id, result);
    };
    const done: Callback = (err, result) => {
      this.onDrain = noop;
      if (err !== undefined && err !== null) this.postError(id, err, true);
      else complete(result);
    };
    // The node-style callback honours callbackWaitsForEmptyEventLoop: by default the result is
    // sent only once everything the handler started has finished (the loop drains).
    const callback: Callback = (err, result) => {
      this.onDrain = noop;
      if (err !== undefined && err !== null) this.postError(id, err, true);
      else if (!waitForEmptyEventLoop) complete(result);
      else this.onDrain = () => setImmediate(() => complete(result));
    };
    const once = <A extends unknown[]>(fn: (...args: A) => void) =>
      (...args: A): void => {
        if (finished) return;
        fn(...args);
        finished = true;
      };

    const succeed = once((result?: unknown) => done(null, result));
    // fail() with nothing to report still fails the invocation, with AWS's "handled" error.
    const fail = once((err?: unknown) => (err === undefined || err === null ? done('handled') : done(err, null)));
    const onceDone = once(done);
    const onceCallback = once(callback);

    // If the loop drains with nothing reported: a sync or callback handler that never called
    // back succeeds with null; an async handler whose promise never settled is an error.
    const isAsync = this.metadata!.isAsync;
    this.onDrain = () => {
      completed = true;
      if (isAsync) this.postError(id, new NodeJsExit(), true);
      else this.postResult(id, null);
    };

    try {
      const event = JSON.parse(inv.body) as unknown;
      const base = {
        get callbackWaitsForEmptyEventLoop(): boolean {
          return waitForEmptyEventLoop;
        },
        set callbackWaitsForEmptyEventLoop(value: boolean) {
          waitForEmptyEventLoop = value;
        },
        succeed,
        fail,
        done: onceDone,
      };
      const context = this.attachInvokeData(base, id, inv);
      // Called as a method of the Runtime, as AWS does: stack traces read "at Runtime.handler".
      const result = this.handler!(event, context, onceCallback);
      if (isPromiseLike(result)) {
        // Promise.resolve returns a native promise unchanged and adopts other thenables, whose
        // own `then` may not return anything chainable.
        Promise.resolve(result).then(succeed, fail).catch(fail);
      }
    } catch (err) {
      onceCallback(err);
    }
  }

  private async invokeStreaming(inv: NextInvocation): Promise<void> {
    let id: string;
    try {
      id = this.begin(inv);
    } catch (err) {
      this.topLevelError(err);
      return;
    }

    let waitForEmptyEventLoop = true;
    const { stream, responseDone, fail } = this.createStream!(this.client, id);
    const scheduleNext = (): void => {
      this.onDrain = noop;
      if (!waitForEmptyEventLoop) this.next();
      else this.onDrain = () => setImmediate(() => this.next());
    };
    const failInvoke = (err: unknown): void => {
      logError('Invoke Error', err);
      fail(err, scheduleNext);
    };
    // Should the loop drain while the handler is still pending, move on to the next event.
    this.onDrain = () => this.next();

    try {
      const base = {
        get callbackWaitsForEmptyEventLoop(): boolean {
          return waitForEmptyEventLoop;
        },
        set callbackWaitsForEmptyEventLoop(value: boolean) {
          waitForEmptyEventLoop = value;
        },
      };
      const context = this.attachInvokeData(base, id, inv);
      const event = JSON.parse(inv.body) as unknown;
      const returned = this.handler!(event, stream, context);
      if (!isPromiseLike(returned)) {
        // AWS's wire text for a non-async streaming handler.
        failInvoke('Streaming does not support non-async handlers.');
        return;
      }
      const result = await returned;
      if (result !== undefined) console.warn('Streaming handlers ignore return values.');
      // Waits until the handler has ended the stream and the platform has accepted it; a
      // handler may keep writing after its promise resolved.
      await responseDone;
      if (!stream.writableFinished) {
        failInvoke('Response stream is not finished.');
        return;
      }
      scheduleNext();
    } catch (err) {
      failInvoke(err);
    }
  }

  // Adds the environment- and event-derived fields to the context, in AWS's key order (it shows
  // when users log or spread the context), one named store each: the same few shapes every time,
  // where Object.assign took V8's generic path. Client context or identity JSON that does not
  // parse fails the invocation.
  private attachInvokeData<T extends object>(base: T, id: string, inv: NextInvocation) {
    if (inv.traceId) process.env._X_AMZN_TRACE_ID = inv.traceId;
    else delete process.env._X_AMZN_TRACE_ID;

    const deadline = Number(inv.deadlineMs);
    const info = this.info;
    const context = base as T & InvokeData;
    context.functionVersion = info.functionVersion;
    context.functionName = info.functionName;
    context.memoryLimitInMB = info.memoryLimitInMB;
    context.logGroupName = info.logGroupName;
    context.logStreamName = info.logStreamName;
    context.clientContext = parseJsonHeader(inv.clientContext, 'ClientContext');
    context.identity = parseJsonHeader(inv.cognitoIdentity, 'CognitoIdentity');
    context.invokedFunctionArn = inv.invokedFunctionArn;
    context.awsRequestId = id;
    context.tenantId = inv.tenantId;
    const getRemainingTimeInMillis = (): number => deadline - Date.now();
    context.getRemainingTimeInMillis = getRemainingTimeInMillis;
    return context;
  }
}

/** The fields attachInvokeData adds to a context. */
interface InvokeData {
  functionVersion: string | undefined;
  functionName: string | undefined;
  memoryLimitInMB: string | undefined;
  logGroupName: string | undefined;
  logStreamName: string | undefined;
  clientContext: unknown;
  identity: unknown;
  invokedFunctionArn: string | undefined;
  awsRequestId: string;
  tenantId: string | undefined;
  getRemainingTimeInMillis: () => number;
}

function parseJsonHeader(raw: string | undefined, label: string): unknown {
  if (raw === undefined) return undefined;
  try {
    // Header values come as latin1 (one char per byte); the JSON is UTF-8.
    return JSON.parse(Buffer.from(raw, 'latin1').toString('utf8'));
  } catch (err) {
    // AWS's wire text; the invocation fails with it.
    throw new Error(`Cannot parse ${label} as json: ${String(err)}`);
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

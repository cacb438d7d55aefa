// Error types the runtime raises, and the two ways an error leaves the process:
// as a Runtime API error body (the Invoke payload the caller sees) and as a log line.
// The shapes and texts are AWS's (contract B1), because callers and tools match on them.

// Builtins come from process.getBuiltinModule rather than static imports: an ESM import of a
// builtin builds a namespace of all its exports (for node:fs that even loads fs/promises),
// which costs milliseconds on the cold-start path. Needs Node >= 20.16.
const { types } = process.getBuiltinModule('node:util');

/** Body of POST /runtime/invocation/{id}/error and /runtime/init/error (contract A4). */
export interface ErrorResponse {
  errorType: string;
  errorMessage: string;
  trace?: string[];
}

// Each class keeps its bare class name (the JSON log format reports constructor.name, e.g.
// "ImportModuleError") while `name` carries AWS's "Runtime." prefix, which is what the
// Invoke payload's errorType and the text log show.
export class ImportModuleError extends Error {}
export class HandlerNotFound extends Error {}
export class MalformedHandlerName extends Error {}
export class UserCodeSyntaxError extends Error {}
export class MalformedStreamingHandler extends Error {}
export class InvalidStreamingOperation extends Error {}

export class NodeJsExit extends Error {
  constructor() {
    // AWS's exact text: a caller sees it as the errorMessage when an async handler's
    // promise never settles and the event loop runs dry.
    super(
      'The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly caused by a Promise that was never settled. For more information, see https://nodejs.org/docs/latest/api/process.html#exit-codes',
    );
  }
}

export class UnhandledPromiseRejection extends Error {
  // Enumerable own fields on purpose: AWS's text log of this error includes them.
  reason: unknown;
  promise: unknown;
  constructor(reason: unknown, promise: unknown) {
    super(safeString(reason));
    this.reason = reason;
    this.promise = promise;
  }
}

for (const cls of [
  ImportModuleError,
  HandlerNotFound,
  MalformedHandlerName,
  UserCodeSyntaxError,
  MalformedStreamingHandler,
  InvalidStreamingOperation,
  NodeJsExit,
  UnhandledPromiseRejection,
]) {
  // On the prototype (not per instance) so that the stack header, computed at construction,
  // already reads "Runtime.X: ..." as on AWS.
  cls.prototype.name = `Runtime.${cls.name}`;
}

// Error(reason) stringifies its argument; a Symbol or an object whose toString throws would
// make the constructor itself throw inside our unhandledRejection listener.
function safeString(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

interface ErrorLike {
  name: string;
  message: string;
  stack: string;
}

// AWS treats any object with non-empty string name/message/stack as an error, so that errors
// from other realms or libraries that build their own error objects serialise the same way.
function isErrorLike(value: unknown): value is ErrorLike {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.name === 'string' &&
    v.name !== '' &&
    typeof v.message === 'string' &&
    v.message !== '' &&
    typeof v.stack === 'string' &&
    v.stack !== ''
  );
}

// DEL characters are percent-encoded as AWS does, because the platform may carry parts of the
// error in HTTP headers (streaming trailers) where they are not allowed.
const escapeDel = (s: string): string => (s.includes('\x7F') ? s.replaceAll('\x7F', '%7F') : s);

/** Turns any thrown or passed value into the Runtime API error body, as AWS's client does. */
export function toErrorResponse(error: unknown): ErrorResponse {
  try {
    if (types.isNativeError(error) || isErrorLike(error)) {
      const e = error as ErrorLike;
      return {
        errorType: escapeDel(e.name),
        errorMessage: escapeDel(e.message),
        trace: escapeDel(e.stack).split('\n'),
      };
    }
    return {
      errorType: typeof error,
      errorMessage: (error as { toString(): string }).toString(),
      trace: [],
    };
  } catch {
    // A getter that throws, a missing stack or a null-prototype object: AWS falls back to this
    // fixed body (without a trace) rather than failing the report.
    return {
      errorType: 'handled',
      errorMessage:
        'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack',
    };
  }
}

/** Wraps a non-Error value so that logs always show an error with a stack, as on AWS. */
export function intoError(value: unknown): Error {
  return value instanceof Error ? value : new Error(value as string);
}

// Error's name/message/stack are not enumerable, so JSON.stringify would drop them; the text
// log spells them out (plus `code` and any own enumerable fields), stack split into lines.
function enumerableErrorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    const out = Object.assign(
      { errorType: value.name, errorMessage: value.message, code: (value as { code?: unknown }).code },
      value,
    ) as unknown as Record<string, unknown>;
    if (typeof value.stack === 'string') out.stack = value.stack.split('\n');
    return out;
  }
  return value;
}

/** The tab-prefixed JSON AWS appends to "Invoke Error" / "Uncaught Exception" text log lines. */
export function toFormattedLog(error: Error): string {
  try {
    return '\t' + JSON.stringify(error, enumerableErrorReplacer);
  } catch {
    // Circular or BigInt fields: fall back to the plain error body, which always serialises.
    return '\t' + JSON.stringify(toErrorResponse(error));
  }
}

// Console patching, as in AWS's managed Node runtime (contract B1 "Logging"): every console
// call becomes exactly one stdout line that carries the time, the request id and the level.
// The platform reads stdout line by line, so newlines inside a message become '\r' to keep
// one call = one log event, as AWS does.

const { format } = process.getBuiltinModule('node:util'); // see errors.ts on why not `import`
import { intoError, toFormattedLog } from './errors.js';

type LogFn = (message?: unknown, ...params: unknown[]) => void;
type Writer = (level: Level, message: unknown, params: unknown[]) => void;

interface Level {
  name: string;
  priority: number;
}

const LEVELS: Record<string, Level> = {
  TRACE: { name: 'TRACE', priority: 1 },
  DEBUG: { name: 'DEBUG', priority: 2 },
  INFO: { name: 'INFO', priority: 3 },
  WARN: { name: 'WARN', priority: 4 },
  ERROR: { name: 'ERROR', priority: 5 },
  FATAL: { name: 'FATAL', priority: 6 },
};

// Kept on globalThis under AWS's symbols: libraries (e.g. Powertools) read the current request
// id from there, and it survives if this module were ever loaded twice.
const REQUEST_ID = Symbol.for('aws.lambda.runtime.requestId');
const TENANT_ID = Symbol.for('aws.lambda.runtime.tenantId');
const store = globalThis as unknown as Record<symbol, string | undefined>;

/** Sets the request id shown in log lines. AWS never clears it after an invocation. */
export function setRequestId(id: string): void {
  store[REQUEST_ID] = id;
}

/** Sets the tenant id added to JSON log lines (multi-tenant functions). */
export function setTenantId(id: string | undefined): void {
  store[TENANT_ID] = id;
}

const { writeSync } = process.getBuiltinModule('node:fs');

const writeLine = (line: string): void => {
  // One regex pass only when needed: most log messages have no newline.
  const text = (line.includes('\n') ? line.replace(/\n/g, '\r') : line) + '\n';
  // Straight to fd 1, as process.stdout does for a pipe on Linux (a blocking write), without
  // making process.stdout: for a pipe that loads node:net and a socket, ~5 ms of a cold start.
  // Anything unusual (a non-blocking stdout, say) goes through process.stdout as before.
  const bytes = Buffer.from(text);
  let off = 0;
  try {
    while (off < bytes.length) off += writeSync(1, bytes, off);
  } catch {
    process.stdout.write(bytes.subarray(off));
  }
};

const writeText: Writer = (level, message, params) => {
  // AWS formats (message, ...params), so console.log() with no argument prints "undefined".
  writeLine(
    `${new Date().toISOString()}\t${store[REQUEST_ID]}\t${level.name}\t${format(message, ...params)}`,
  );
};

// In JSON mode an Error logged on its own keeps its details as structured fields.
function jsonErrorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    return Object.assign(
      {
        errorType: value.constructor?.name ?? 'UnknownError',
        errorMessage: value.message,
        stackTrace: typeof value.stack === 'string' ? value.stack.split('\n') : value.stack,
      },
      value,
    );
  }
  return value;
}

const writeJson: Writer = (level, message, params) => {
  const record: Record<string, unknown> = {
    timestamp: new Date().toISOString(),
    level: level.name,
    requestId: store[REQUEST_ID],
  };
  const tenantId = store[TENANT_ID];
  if (tenantId != null) record.tenantId = tenantId;

  if (params.length === 0) {
    // A single argument is kept as a JSON value (objects stay objects), as AWS does.
    record.message = message;
    let line: string;
    try {
      line = JSON.stringify(record, jsonErrorReplacer);
    } catch {
      record.message = format(message);
      line = JSON.stringify(record);
    }
    writeLine(line);
    return;
  }

  record.message = format(message, ...params);
  for (const p of [message, ...params]) {
    if (p instanceof Error) {
      record.errorType = p.constructor?.name ?? 'UnknownError';
      record.errorMessage = p.message;
      record.stackTrace = typeof p.stack === 'string' ? p.stack.split('\n') : [];
      break;
    }
  }
  writeLine(JSON.stringify(record));
};

let isJson = false;
let errorLine: LogFn = () => {};

/**
 * Replaces console.trace/debug/info/log/warn/error (and adds console.fatal) with the Lambda
 * log format. `format` is AWS_LAMBDA_LOG_FORMAT (JSON or Text), `level` AWS_LAMBDA_LOG_LEVEL.
 */
export function patchConsole(logFormat: string | undefined, logLevel: string | undefined): void {
  isJson = logFormat?.toUpperCase() === 'JSON';
  const write = isJson ? writeJson : writeText;
  const threshold = LEVELS[logLevel?.toUpperCase() ?? ''] ?? LEVELS.TRACE;
  const nop: LogFn = () => {};
  const make = (level: Level): LogFn =>
    level.priority >= threshold.priority
      ? (message?: unknown, ...params: unknown[]) => write(level, message, params)
      : nop;

  const c = console as unknown as Record<string, LogFn>;
  // console.trace prints no stack trace on Lambda: it is just the TRACE level.
  c.trace = make(LEVELS.TRACE);
  c.debug = make(LEVELS.DEBUG);
  c.info = make(LEVELS.INFO);
  c.log = c.info;
  c.warn = make(LEVELS.WARN);
  c.error = make(LEVELS.ERROR);
  // FATAL is never filtered out, as on AWS.
  c.fatal = (message?: unknown, ...params: unknown[]) => write(LEVELS.FATAL, message, params);
  errorLine = c.error;
}

/**
 * Logs a runtime-detected error the way AWS does: in text mode
 * `<time>\t<id>\tERROR\t<label> \t{json}`, in JSON mode the error as the message.
 */
export function logError(label: string, error: unknown): void {
  const err = intoError(error);
  if (isJson) errorLine(err);
  else errorLine(label, toFormattedLog(err));
}

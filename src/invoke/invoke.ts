/**
 * The invoke path: resolve the function, check the payload, place the invocation on an
 * environment, and hand back what the runtime answered. Kept lean: it runs on every request.
 */
import { functionStateConflict, StratusError } from '../errors/catalog.js';
import type { FunctionService } from '../control/functions.js';
import { LIMITS } from '../control/limits.js';
import type { EnvironmentPool } from '../environments/pool.js';
import type { InvocationResult, ResponseSink } from '../environments/invocation.js';
import type { Clock } from '../shared/clock.js';
import { hex, uuid } from '../shared/ids.js';

export type InvocationType = 'RequestResponse' | 'Event' | 'DryRun';

export interface InvokeRequest {
  functionName: string;
  qualifier?: string | null;
  type: InvocationType;
  payload: Buffer;
  /** Base64 client context from X-Amz-Client-Context (sync only). */
  clientContext?: string;
  /** The request id to run under, when the caller already handed one out (function URLs). */
  requestId?: string;
  /** For a streamed response (sync only): where it goes, given the version that runs. */
  sink?: (version: string) => ResponseSink;
  /** The payload is JSON this server serialised itself (a function URL's event): not parsed again to check it. */
  serialized?: boolean;
}

export type InvokeOutcome =
  | { kind: 'result'; requestId: string; version: string; result: InvocationResult }
  | { kind: 'accepted'; requestId: string }
  | { kind: 'dry-run'; requestId: string };

export interface InvokeDeps {
  functions: FunctionService;
  pool: EnvironmentPool;
  clock: Clock;
  runtimes: Readonly<Record<string, unknown>>;
  /** Where failures of background (Event) invocations are reported. */
  logError: (err: unknown) => void;
  /** The durable async queue: resolves once the event is stored (async-queue.ts runs it later). */
  accept: (e: { requestId: string; functionName: string; qualifier?: string; payload: Buffer }) => Promise<unknown>;
}

/** One stored async event, as the dispatcher hands it back to run. */
export interface QueuedInvocation {
  requestId: string;
  functionName: string;
  qualifier?: string;
}

const EMPTY_EVENT = Buffer.from('{}');

export class InvokeService {
  constructor(private readonly deps: InvokeDeps) {}

  async invoke(req: InvokeRequest): Promise<InvokeOutcome> {
    const ref = this.deps.functions.resolveRef(req.functionName, req.qualifier);
    const { config, invokedArn } = this.deps.functions.target(ref);
    if (config.state !== 'Active') throw functionStateConflict(config.state);
    const requestId = req.requestId ?? uuid();
    if (req.type === 'DryRun') return { kind: 'dry-run', requestId };

    const payload = req.payload.length === 0 ? EMPTY_EVENT : req.payload;
    if (req.type === 'Event' && payload.length > LIMITS.asyncPayloadBytes)
      throw new StratusError('RequestEntityTooLargeException', `${payload.length} byte payload is too large for the Event invocation type (limit ${LIMITS.asyncPayloadBytes} bytes)`);
    if (!req.serialized) checkJson(payload);
    if (!this.deps.runtimes[config.runtime])
      throw new StratusError('InvalidRuntimeException', `The runtime ${config.runtime} is not available on this Stratus server. Start it with --runtime ${config.runtime}=/path/to/interpreter.`);

    if (req.type === 'Event') {
      // Durable before the 202 (at-least-once); the qualifier is resolved again when it runs.
      await this.deps.accept({ requestId, functionName: ref.name, qualifier: ref.qualifier, payload });
      return { kind: 'accepted', requestId };
    }
    const inv = {
      requestId,
      payload,
      invokedFunctionArn: invokedArn,
      traceId: traceId(this.deps.clock.now()),
      clientContext: req.type === 'RequestResponse' ? decodeClientContext(req.clientContext) : undefined,
      sink: req.type === 'RequestResponse' ? req.sink?.(config.version) : undefined,
    };
    return { kind: 'result', requestId, version: config.version, result: await this.deps.pool.run(config, inv) };
  }

  /**
   * Run one attempt of a queued async event: resolve its function and qualifier now (they may
   * have changed since it was accepted), then run it like a synchronous invocation. Throws a
   * StratusError when the platform cannot run it (gone, not Active, runtime missing).
   */
  async runQueued(ev: QueuedInvocation, payload: Buffer): Promise<{ version: string; result: InvocationResult }> {
    // An alias with weights picks its version per attempt, as for a synchronous invoke.
    const { config, invokedArn } = this.deps.functions.target({ name: ev.functionName, qualifier: ev.qualifier });
    if (config.state !== 'Active') throw functionStateConflict(config.state);
    if (!this.deps.runtimes[config.runtime])
      throw new StratusError('InvalidRuntimeException', `The runtime ${config.runtime} is not available on this Stratus server.`);
    const inv = { requestId: ev.requestId, payload, invokedFunctionArn: invokedArn, traceId: traceId(this.deps.clock.now()) };
    return { version: config.version, result: await this.deps.pool.run(config, inv) };
  }
}

/** An X-Ray trace header like Lambda's: Root=1-<epoch hex>-<96-bit id>;Parent=<64-bit id>;Sampled=0. */
function traceId(nowMs: number): string {
  return `Root=1-${Math.floor(nowMs / 1000).toString(16)}-${hex(12)};Parent=${hex(8)};Sampled=0`;
}

function decodeClientContext(b64: string | undefined): string | undefined {
  if (!b64) return undefined;
  if (b64.length > 3583) throw new StratusError('InvalidParameterValueException', 'Client context must be 3583 bytes or less (base64-encoded).');
  const bytes = Buffer.from(b64, 'base64');
  try {
    JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new StratusError('InvalidRequestContentException', 'Client context must be a valid Base64-encoded JSON object.');
  }
  // HTTP header values are bytes: pass the UTF-8 through unchanged (latin1 maps byte to char).
  return bytes.toString('latin1');
}

/** Refuse a payload that is not JSON, with AWS's wording around the parser's detail. */
function checkJson(payload: Buffer): void {
  try {
    JSON.parse(payload.toString('utf8'));
  } catch (err) {
    const detail = (err as Error).message;
    throw new StratusError('InvalidRequestContentException', `Could not parse request body into json: Could not parse payload into json: ${detail}`);
  }
}

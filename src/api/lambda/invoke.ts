/** Lambda API: Invoke (contract C4), wire ⇄ the invoke service. */
import { StratusError } from '../../errors/catalog.js';
import type { Route } from '../../gateway/router.js';
import { LIMITS } from '../../control/limits.js';
import type { InvocationType, InvokeService } from '../../invoke/invoke.js';

const TYPES = new Set(['RequestResponse', 'Event', 'DryRun']);

export function invokeRoutes(invoke: InvokeService): Route[] {
  return [
    {
      method: 'POST', path: '/2015-03-31/functions/{FunctionName}/invocations', operation: 'InvokeFunction', maxBody: LIMITS.syncPayloadBytes,
      handler: async (req) => {
        const type = (req.headers['x-amz-invocation-type'] as string | undefined) ?? 'RequestResponse';
        if (!TYPES.has(type))
          throw new StratusError('ValidationException', `1 validation error detected: Value '${type}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]`);
        const logType = (req.headers['x-amz-log-type'] as string | undefined) ?? 'None';
        if (logType !== 'None' && logType !== 'Tail')
          throw new StratusError('ValidationException', `1 validation error detected: Value '${logType}' at 'logType' failed to satisfy constraint: Member must satisfy enum value set: [None, Tail]`);
        const out = await invoke.invoke({
          functionName: req.params.FunctionName!,
          qualifier: req.query.get('Qualifier'),
          type: type as InvocationType,
          payload: req.body,
          clientContext: req.headers['x-amz-client-context'] as string | undefined,
          // The gateway's request id becomes the invocation's: one id, not two, per request.
          requestId: req.requestId,
        });
        // As on AWS, the response's request id is the invocation's (an async event keeps it through its retries and destination record).
        if (out.kind === 'dry-run') return { status: 204, headers: { 'x-amzn-RequestId': out.requestId } };
        if (out.kind === 'accepted') return { status: 202, headers: { 'x-amzn-RequestId': out.requestId } };
        // A literal, not a spread: the spread took V8's slow path on every invoke.
        const headers: Record<string, string> = { 'x-amzn-RequestId': out.requestId, 'content-type': 'application/json', 'x-amz-executed-version': out.version };
        if (out.result.error) headers['x-amz-function-error'] = out.result.error.type;
        if (logType === 'Tail') headers['x-amz-log-result'] = logTail(out.result.log);
        return { status: 200, headers, body: out.result.body };
      },
    },
  ];
}

/** Base64 of the last 4 KB of the invocation's log (contract A12). */
export function logTail(log: string): string {
  const bytes = Buffer.from(log, 'utf8');
  return bytes.subarray(Math.max(0, bytes.length - LIMITS.logTailBytes)).toString('base64');
}

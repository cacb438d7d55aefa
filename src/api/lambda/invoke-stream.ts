/** Lambda API: InvokeWithResponseStream (contract C4), wire ⇄ the invoke service, streamed. */
import { StratusError } from '../../errors/catalog.js';
import type { Route } from '../../gateway/router.js';
import { LIMITS } from '../../control/limits.js';
import type { InvokeService } from '../../invoke/invoke.js';
import { InvokeEventStream } from './event-stream.js';

export function invokeStreamRoutes(invoke: InvokeService): Route[] {
  return [
    {
      method: 'POST', path: '/2021-11-15/functions/{FunctionName}/response-streaming-invocations', operation: 'InvokeWithResponseStream',
      maxBody: LIMITS.syncPayloadBytes,
      stream: async (req, res) => {
        const type = (req.headers['x-amz-invocation-type'] as string | undefined) ?? 'RequestResponse';
        // Event is not offered here: a streamed answer needs a caller waiting for it.
        if (type !== 'RequestResponse' && type !== 'DryRun')
          throw new StratusError('ValidationException', `1 validation error detected: Value '${type}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [RequestResponse, DryRun]`);
        const logType = (req.headers['x-amz-log-type'] as string | undefined) ?? 'None';
        if (logType !== 'None' && logType !== 'Tail')
          throw new StratusError('ValidationException', `1 validation error detected: Value '${logType}' at 'logType' failed to satisfy constraint: Member must satisfy enum value set: [None, Tail]`);
        const stream = new InvokeEventStream(res, req.requestId);
        // Errors before the function answers (not found, throttled, bad payload) are thrown as
        // ordinary AWS errors; once the stream has opened, everything ends in InvokeComplete.
        const out = await invoke.invoke({
          functionName: req.params.FunctionName!,
          qualifier: req.query.get('Qualifier'),
          type,
          payload: req.body,
          clientContext: req.headers['x-amz-client-context'] as string | undefined,
          requestId: req.requestId,
          sink: (version) => stream.sinkFor(version),
        });
        if (out.kind !== 'result') {
          res.writeHead(204, { 'x-amzn-RequestId': req.requestId });
          res.end();
          return;
        }
        stream.complete(out.result, logType === 'Tail');
      },
    },
  ];
}

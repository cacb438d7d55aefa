/**
 * One route for every AWS JSON 1.1 service Stratus speaks. They all `POST /` and name the
 * operation in `X-Amz-Target: <prefix>.<Operation>` (CloudWatch Logs `Logs_20140328`, EventBridge
 * `AWSEvents`), so a single route dispatches by target prefix instead of each service claiming `/`.
 */
import { StratusError } from '../errors/catalog.js';
import { toJsonError } from '../errors/wire.js';
import type { ApiResponse, Route } from '../gateway/router.js';
import { jsonBody } from './lambda/json.js';

export type JsonOperation = (body: Record<string, unknown>) => unknown;

export interface JsonService {
  /** The X-Amz-Target prefix before the dot. */
  prefix: string;
  /** The SigV4 signing name requests for this service are scoped to (`logs`, `events`). */
  signingName: string;
  operations: Record<string, JsonOperation>;
  /** Runs before every operation of this service (e.g. flushing buffered logs). */
  before?: () => void;
}

const reply = (body: unknown): ApiResponse => ({ status: 200, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: JSON.stringify(body) });

export function awsJsonRoute(services: JsonService[], maxBody = 1024 * 1024): Route {
  const byPrefix = new Map(services.map((s) => [s.prefix, s]));
  return {
    method: 'POST', path: '/', operation: 'AwsJson', maxBody,
    signingName: (headers) => {
      const target = String(headers['x-amz-target'] ?? '');
      return byPrefix.get(target.slice(0, target.indexOf('.')))?.signingName;
    },
    handler: (req) => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const dot = target.indexOf('.');
      const service = byPrefix.get(target.slice(0, dot));
      const op = service && dot > 0 && Object.hasOwn(service.operations, target.slice(dot + 1)) ? service.operations[target.slice(dot + 1)] : undefined;
      try {
        if (!service || !op) throw new StratusError('UnknownOperationException', `Unknown operation ${target || '(no X-Amz-Target)'}`);
        service.before?.();
        return reply(op(jsonBody(req.body)) ?? {});
      } catch (err) {
        if (err instanceof StratusError) return toJsonError(err);
        throw err;
      }
    },
  };
}

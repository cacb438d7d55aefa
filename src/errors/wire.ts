import { CATALOG, StratusError, internalError } from './catalog.js';

export interface WireError {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Turn any thrown value into AWS's restJson1 error shape; unknown throws become ServiceException (never a stack trace). */
export function toWireError(err: unknown): WireError {
  const e = err instanceof StratusError ? err : internalError();
  const entry = CATALOG[e.code];
  const body: Record<string, unknown> = e.bare ? { [entry.field]: null } : { Type: entry.fault, [entry.field]: e.message, ...e.extra };
  return {
    status: e.status,
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': e.code },
    body: JSON.stringify(body),
  };
}

/**
 * AWS JSON 1.0/1.1 services (CloudWatch Logs, EventBridge) answer errors as `{"__type", "message"}`
 * and, unlike Lambda's REST API, with 400 for every client error (ResourceNotFoundException too);
 * authentication, size and throttling keep their own statuses.
 */
export function toJsonError(e: StratusError): WireError {
  const keep = e.status >= 500 || e.status === 403 || e.status === 413 || e.status === 429;
  return {
    status: keep ? e.status : 400,
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': e.code },
    body: JSON.stringify({ __type: e.code, message: e.message, ...e.extra }),
  };
}

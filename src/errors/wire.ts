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
  const body: Record<string, unknown> = { Type: entry.fault, [entry.field]: e.message, ...e.extra };
  return {
    status: e.status,
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': e.code },
    body: JSON.stringify(body),
  };
}

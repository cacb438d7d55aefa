/** Small helpers shared by the Lambda API handlers. */
import { StratusError, validationError } from '../../errors/catalog.js';
import type { ApiResponse } from '../../gateway/router.js';

/** Parse a JSON request body into an object; an empty body is `{}`. */
export function jsonBody(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new StratusError('InvalidRequestContentException', `Could not parse request body into json: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new StratusError('InvalidRequestContentException', 'Could not parse request body into json: the body must be a JSON object');
  return parsed as Record<string, unknown>;
}

export const json = (status: number, body: unknown): ApiResponse => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

export const noContent = (): ApiResponse => ({ status: 204 });

/** List operations answer at most 50 items per page whatever MaxItems (1–10000) says (contract C0). */
export function pageSize(query: URLSearchParams, page = 50): number {
  const max = query.get('MaxItems');
  if (max === null) return page;
  const n = Number(max);
  if (!Number.isInteger(n) || n < 1 || n > 10_000)
    throw validationError([{ value: max, path: 'maxItems', constraint: n < 1 ? 'Member must have value greater than or equal to 1' : 'Member must have value less than or equal to 10000' }]);
  return Math.min(n, page);
}

/** Opaque pagination markers: the last item's key, base64url. */
export const encodeMarker = (key: string): string => Buffer.from(key).toString('base64url');
export const decodeMarker = (marker: string | null): string | undefined => (marker ? Buffer.from(marker, 'base64url').toString('utf8') : undefined);

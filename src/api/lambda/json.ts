/** Small helpers shared by the Lambda API handlers. */
import { StratusError } from '../../errors/catalog.js';
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

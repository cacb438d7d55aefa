/**
 * What a function returned → the HTTP response a function URL sends (AWS "Invoking Lambda
 * function URLs", response payload format): an object with statusCode is a structured response;
 * any other JSON is a 200 application/json whose body is the JSON itself (a string: its text); a
 * function error is a 502 "Internal Server Error". A RESPONSE_STREAM URL sends a function that
 * did not stream its answer as it is (`rawUrlResponse`).
 */

export interface UrlResponse {
  status: number;
  /** Header name → one value, or several (sent as repeated header lines). */
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/** Lambda's answer when the function failed (error, crash, timeout). */
export const FUNCTION_ERROR: UrlResponse = {
  status: 502,
  headers: { 'content-type': 'application/json' },
  body: Buffer.from('Internal Server Error'),
};

// Framing is ours to decide: a function cannot set these.
const HOP_BY_HOP = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive']);

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const scalar = (v: unknown): v is string | number | boolean => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

/** Map a function's response bytes (and whether it failed) to the HTTP response. */
export function mapUrlResponse(payload: Buffer, failed: boolean): UrlResponse {
  if (failed) return FUNCTION_ERROR;
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload.toString('utf8'));
  } catch {
    // Not JSON (a custom runtime may post any bytes): sent as it is.
    return { status: 200, headers: { 'content-type': 'application/json' }, body: payload };
  }
  // A JSON string is sent as its text, without the quotes (AWS: a function returning "hello"
  // answers `hello`, content-length 5); numbers, arrays, null and other objects as they are.
  if (typeof parsed === 'string') return { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(parsed, 'utf8') };
  if (!isObject(parsed) || !('statusCode' in parsed)) return { status: 200, headers: { 'content-type': 'application/json' }, body: payload };

  const status = Number(parsed.statusCode);
  if (!Number.isInteger(status) || status < 100 || status > 599) return FUNCTION_ERROR;
  const headers = responseHeaders(parsed);
  headers['content-type'] ??= 'application/json';
  let body: Buffer;
  const b = parsed.body;
  if (b === undefined || b === null) body = Buffer.alloc(0);
  else if (typeof b === 'string') body = parsed.isBase64Encoded === true ? Buffer.from(b, 'base64') : Buffer.from(b, 'utf8');
  else body = Buffer.from(JSON.stringify(b));
  return { status, headers, body };
}

/**
 * A RESPONSE_STREAM URL whose function answered without streaming: AWS sends the answer's bytes
 * as the body of a 200, uninterpreted (a `{statusCode, body}` object is not mapped).
 */
export function rawUrlResponse(payload: Buffer, failed: boolean, contentType: string | undefined): UrlResponse {
  if (failed) return FUNCTION_ERROR;
  return { status: 200, headers: { 'content-type': contentType ?? 'application/json' }, body: payload };
}

/**
 * The headers of a structured response (or a streaming response's prelude): `multiValueHeaders`,
 * then `headers` (which win), then one `Set-Cookie` per cookie; names lower-cased, framing dropped.
 */
export function responseHeaders(parsed: Record<string, unknown>): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  const add = (name: string, value: string) => {
    const k = name.toLowerCase();
    if (HOP_BY_HOP.has(k)) return;
    const cur = headers[k];
    headers[k] = cur === undefined ? value : Array.isArray(cur) ? [...cur, value] : [cur, value];
  };
  if (isObject(parsed.multiValueHeaders)) {
    for (const [k, vs] of Object.entries(parsed.multiValueHeaders)) if (Array.isArray(vs)) for (const v of vs) if (scalar(v)) add(k, String(v));
  }
  // Single-value headers replace multi-value ones of the same name.
  if (isObject(parsed.headers)) {
    for (const [k, v] of Object.entries(parsed.headers)) {
      if (!scalar(v)) continue;
      delete headers[k.toLowerCase()];
      add(k, String(v));
    }
  }
  if (Array.isArray(parsed.cookies)) for (const c of parsed.cookies) if (typeof c === 'string') add('set-cookie', c);
  return headers;
}

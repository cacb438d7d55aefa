/** Validation of CreateFunctionUrlConfig / UpdateFunctionUrlConfig input, with AWS's texts (contract C3, D3). */
import { invalidParameter, validationError, type Violation } from '../errors/catalog.js';
import type { Cors, InvokeMode, UrlAuthType } from './model.js';

/** The model's pattern for a URL qualifier: an alias name (never a version number or $LATEST). */
export const URL_QUALIFIER_PATTERN = '((?!^\\d+$)^[0-9a-zA-Z-_]+$)';
const URL_QUALIFIER_RE = /^(?!\d+$)[0-9a-zA-Z_-]+$/;

/** Refuse a URL qualifier that is not an alias name, with AWS's ValidationException. */
export function checkUrlQualifier(q: string | undefined): void {
  if (q !== undefined && (q.length > 128 || !URL_QUALIFIER_RE.test(q)))
    throw validationError([{ value: q, path: 'qualifier', constraint: `Member must satisfy regular expression pattern: ${URL_QUALIFIER_PATTERN}` }]);
}

const AUTH_TYPES = ['AWS_IAM', 'NONE'];
// In AWS's order, which its error text shows.
const INVOKE_MODES = ['RESPONSE_STREAM', 'BUFFERED'];
/** AWS accepts these in AllowMethods (the console offers the same list). */
const METHODS = new Set(['GET', 'PUT', 'HEAD', 'POST', 'PATCH', 'DELETE', '*']);

export interface UrlInput {
  authType?: UrlAuthType;
  cors?: Cors;
  invokeMode?: InvokeMode;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parse the body of Create (authType required) or Update (all optional). */
export function parseUrlInput(body: Record<string, unknown>, create: boolean): UrlInput {
  const v: Violation[] = [];
  const out: UrlInput = {};
  if (body.AuthType === undefined || body.AuthType === null) {
    if (create) v.push({ value: null, path: 'authType', constraint: 'Member must not be null' });
  } else if (typeof body.AuthType !== 'string' || !AUTH_TYPES.includes(body.AuthType)) {
    v.push({ value: body.AuthType, path: 'authType', constraint: `Member must satisfy enum value set: [${AUTH_TYPES.join(', ')}]` });
  } else out.authType = body.AuthType as UrlAuthType;
  if (body.InvokeMode !== undefined && body.InvokeMode !== null) {
    if (typeof body.InvokeMode !== 'string' || !INVOKE_MODES.includes(body.InvokeMode))
      v.push({ value: body.InvokeMode, path: 'invokeMode', constraint: `Member must satisfy enum value set: [${INVOKE_MODES.join(', ')}]` });
    else out.invokeMode = body.InvokeMode as InvokeMode;
  }
  if (body.Cors !== undefined && body.Cors !== null) {
    if (!isObject(body.Cors)) throw invalidParameter('Cors must be an object.');
    out.cors = parseCors(body.Cors, v);
  }
  if (v.length) throw validationError(v);
  if (out.cors?.allowMethods) {
    const bad = out.cors.allowMethods.find((m) => !METHODS.has(m.toUpperCase()));
    if (bad !== undefined) throw invalidParameter(`Invalid CORS configuration: AllowMethods value '${bad}' is not one of GET, PUT, HEAD, POST, PATCH, DELETE or *.`);
  }
  return out;
}

function parseCors(c: Record<string, unknown>, v: Violation[]): Cors {
  const out: Cors = {};
  if (c.AllowCredentials !== undefined && c.AllowCredentials !== null) {
    if (typeof c.AllowCredentials !== 'boolean') throw invalidParameter('Cors.AllowCredentials must be a boolean.');
    out.allowCredentials = c.AllowCredentials;
  }
  const list = (key: string, path: string, maxItems: number, minLen: number, maxLen: number): string[] | undefined => {
    const raw = c[key];
    if (raw === undefined || raw === null) return undefined;
    if (!Array.isArray(raw) || raw.some((s) => typeof s !== 'string')) throw invalidParameter(`Cors.${key} must be a list of strings.`);
    // AWS prints a list value as Java does: [a, b].
    if (raw.length > maxItems) v.push({ value: `[${raw.join(', ')}]`, path, constraint: `Member must have length less than or equal to ${maxItems}` });
    raw.forEach((s: string, i) => {
      if (s.length > maxLen) v.push({ value: s, path: `${path}.${i + 1}.member`, constraint: `Member must have length less than or equal to ${maxLen}` });
      if (s.length < minLen) v.push({ value: s, path: `${path}.${i + 1}.member`, constraint: `Member must have length greater than or equal to ${minLen}` });
    });
    return raw as string[];
  };
  // Limits from the Lambda model: headers ≤100 of ≤1024 characters, methods ≤6 of ≤6, origins ≤100 of 1–253.
  const allowHeaders = list('AllowHeaders', 'cors.allowHeaders', 100, 0, 1024);
  const allowMethods = list('AllowMethods', 'cors.allowMethods', 6, 0, 6);
  const allowOrigins = list('AllowOrigins', 'cors.allowOrigins', 100, 1, 253);
  const exposeHeaders = list('ExposeHeaders', 'cors.exposeHeaders', 100, 0, 1024);
  if (allowHeaders) out.allowHeaders = allowHeaders;
  if (allowMethods) out.allowMethods = allowMethods;
  if (allowOrigins) out.allowOrigins = allowOrigins;
  if (exposeHeaders) out.exposeHeaders = exposeHeaders;
  if (c.MaxAge !== undefined && c.MaxAge !== null) {
    const n = c.MaxAge;
    if (typeof n !== 'number' || !Number.isInteger(n)) throw invalidParameter('Cors.MaxAge must be an integer.');
    if (n < 0) v.push({ value: n, path: 'cors.maxAge', constraint: 'Member must have value greater than or equal to 0' });
    else if (n > 86400) v.push({ value: n, path: 'cors.maxAge', constraint: 'Member must have value less than or equal to 86400' });
    else out.maxAge = n;
  }
  return out;
}

// Server-side verification of AWS Signature Version 4 (Authorization header and presigned URLs).
//
// The expected signature is computed (sigv4-canonical.ts, checked against the @smithy/signature-v4
// code the AWS SDK for JavaScript signs with) from exactly the headers the client listed in
// SignedHeaders, the whole received query, the client's date and the client's credential scope.
// The order of checks and the error texts are AWS's: recorded AWS responses kept in dynalite's
// validation code, the scratchstack-aws-signature error-ordering notes, AWS's "Troubleshoot signed
// requests" page, and issue reports quoting Lambda (e.g. brefphp/bref#1250, iann0036/iamlive#58,
// erlcloud/erlcloud#690, serverless/enterprise#11).

import { timingSafeEqual } from 'node:crypto';
import { ALGORITHM, canonicalRequest, sha256Hex, signature, signingKey, stringToSign, type Query } from './sigv4-canonical.js';

/** An incoming HTTP request as the gateway received it. */
export interface SignedRequest {
  method: string;
  /** As received: still percent-encoded, without the query string. */
  rawPath: string;
  /** Raw query string without the leading '?'. */
  query: string;
  /** Node's lower-cased header map. */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export type AuthErrorCode =
  | 'MissingAuthenticationTokenException'
  | 'UnrecognizedClientException'
  | 'InvalidSignatureException'
  | 'IncompleteSignatureException'
  | 'AccessDenied';

export type AuthResult =
  | { ok: true; accessKeyId: string; region: string; service: string; sessionToken?: string }
  | { ok: false; code: AuthErrorCode; message: string; status: 400 | 403 };

/** Looks up the secret for an access key (and its session token, if the request carried one). */
export type SecretLookup = (
  accessKeyId: string,
  sessionToken: string | undefined,
) => string | undefined | Promise<string | undefined>;

export interface VerifyOptions {
  /** Allowed clock difference for header-signed requests; AWS uses 5 minutes. */
  maxSkewMs?: number;
  /** When set, the credential scope must name this region / service (AWS's scope checks). */
  region?: string;
  service?: string;
  /** Accept x-amz-content-sha256: UNSIGNED-PAYLOAD (body then not covered). Default true. */
  allowUnsignedPayload?: boolean;
}

const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
const MAX_PRESIGN_SECONDS = 604800; // one week, the SigV4 presign ceiling
const BASIC_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

const MSG_MISMATCH = 'The request signature we calculated does not match the signature you provided. '
  + 'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

interface Parsed {
  presigned: boolean;
  algorithm: string;
  credential: string;
  signedHeaders: string[];
  signature: string;
  date: string;
  sessionToken?: string;
  expires?: string;
}

const fail = (code: AuthErrorCode, message: string, status: 400 | 403 = 403): AuthResult =>
  ({ ok: false, code, message, status });

const header = (h: SignedRequest['headers'], name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v.join(',') : v;
};

const first = (q: Query, name: string): string | undefined => {
  const v = q[name];
  return Array.isArray(v) ? v[0] : v;
};

/** Verifies the SigV4 signature of `req` as of `now`; resolves to the caller or AWS's error. */
export async function verifySigV4(
  req: SignedRequest,
  secretFor: SecretLookup,
  now: Date,
  opts: VerifyOptions = {},
): Promise<AuthResult> {
  const query = parseQuery(req.query);
  const auth = header(req.headers, 'authorization');
  const presigned = query['X-Amz-Algorithm'] !== undefined || query['X-Amz-Signature'] !== undefined;

  if (auth !== undefined && presigned) {
    return fail('InvalidSignatureException',
      "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.");
  }
  if (auth === undefined && !presigned) {
    // Lambda's own answer to an unsigned request (403, x-amzn-ErrorType MissingAuthenticationTokenException).
    return fail('MissingAuthenticationTokenException', 'Missing Authentication Token');
  }
  const p = auth !== undefined ? parseAuthHeader(auth, req.headers) : parseAuthQuery(query);
  if ('ok' in p) return p;

  // AWS's order: date format, then freshness, then Host signed, then algorithm, credential, scope, key.
  const signedAt = parseDate(p.date);
  if (signedAt === undefined) {
    return fail('IncompleteSignatureException',
      `Date must be in ISO-8601 'basic format'. Got '${p.date}'. See http://en.wikipedia.org/wiki/ISO_8601`, 400);
  }
  const fresh = checkTime(p, signedAt, now, opts.maxSkewMs ?? 5 * 60_000);
  if (fresh) return fresh;
  if (!p.signedHeaders.includes('host')) {
    return fail('InvalidSignatureException', "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  }
  if (p.algorithm !== ALGORITHM) {
    return fail('IncompleteSignatureException',
      `Unsupported AWS 'algorithm': '${p.algorithm}' (only AWS4-HMAC-SHA256 for now). `, 400);
  }
  const scope = p.credential.split('/');
  if (scope.length !== 5) {
    return fail('IncompleteSignatureException', 'Credential must have exactly 5 slash-delimited elements, '
      + `e.g. keyid/date/region/service/term, got '${p.credential}'`, 400);
  }
  const [accessKeyId, scopeDate, region, service, terminator] = scope as [string, string, string, string, string];
  let scopeErrors = '';
  if (opts.region !== undefined && region !== opts.region) {
    scopeErrors += `Credential should be scoped to a valid region, not '${region}'. `;
  }
  if (opts.service !== undefined && service !== opts.service) {
    scopeErrors += `Credential should be scoped to correct service: '${opts.service}'. `;
  }
  if (terminator !== 'aws4_request') {
    scopeErrors += `Credential should be scoped with a valid terminator: 'aws4_request', not '${terminator}'. `;
  }
  if (scopeDate !== p.date.slice(0, 8)) {
    scopeErrors += 'Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '
      + `'${scopeDate}' != '${p.date.slice(0, 8)}', from '${p.date}'.`;
  }
  if (scopeErrors) return fail('InvalidSignatureException', scopeErrors);

  const found = secretFor(accessKeyId, p.sessionToken);
  const secret = typeof found === 'object' ? await found : found;
  if (secret === undefined) {
    return fail('UnrecognizedClientException', 'The security token included in the request is invalid.');
  }

  // Non-S3 services hash the body themselves, so the canonical request always carries the body's own
  // hash: a signed x-amz-content-sha256 (or a presigned X-Amz-Content-Sha256) that does not match it
  // fails the signature. Only UNSIGNED-PAYLOAD opts the body out.
  const claimed = p.presigned ? queryPayloadHash(query) : header(req.headers, 'x-amz-content-sha256');
  if (claimed === UNSIGNED_PAYLOAD && opts.allowUnsignedPayload === false) {
    return fail('InvalidSignatureException', MSG_MISMATCH);
  }
  const payloadHash = claimed === UNSIGNED_PAYLOAD ? claimed : sha256Hex(req.body);

  // The canonical request holds exactly the client's signed headers (so its own x-amz-date, or Date,
  // and x-amz-security-token) and the whole received query but X-Amz-Signature.
  const headers = new Map<string, string>();
  for (const name of p.signedHeaders) {
    const v = header(req.headers, name);
    if (v !== undefined) headers.set(name, v);
  }
  const canonical = canonicalRequest({ method: req.method, rawPath: req.rawPath, query, headers, payloadHash });
  const toSign = stringToSign(p.date, p.credential.slice(accessKeyId.length + 1), canonical);
  const expected = signature(signingKey(accessKeyId, secret, scopeDate, region, service), toSign);
  if (!safeEqual(expected, p.signature)) return fail('InvalidSignatureException', MSG_MISMATCH);
  return p.sessionToken === undefined
    ? { ok: true, accessKeyId, region, service }
    : { ok: true, accessKeyId, region, service, sessionToken: p.sessionToken };
}

function parseAuthHeader(value: string, headers: SignedRequest['headers']): Parsed | AuthResult {
  const trimmed = value.trim();
  const space = trimmed.search(/\s/);
  const algorithm = space < 0 ? trimmed : trimmed.slice(0, space);
  const params = new Map<string, string>();
  // AWS splits on commas and whitespace; a stray space inside Credential is a classic cause of
  // "'<x>' not a valid key=value pair (missing equal-sign) in Authorization header".
  for (const part of (space < 0 ? '' : trimmed.slice(space)).split(/[,\s]+/)) {
    if (!part) continue;
    const eq = part.indexOf('=');
    if (eq < 0) {
      return fail('IncompleteSignatureException',
        `'${part}' not a valid key=value pair (missing equal-sign) in Authorization header: '${value}'.`, 400);
    }
    params.set(part.slice(0, eq), part.slice(eq + 1));
  }
  // AWS also accepts an RFC 1123 Date header when X-Amz-Date is absent; the string to sign then
  // carries that time in basic format.
  const httpDate = header(headers, 'date');
  const date = header(headers, 'x-amz-date')
    ?? (httpDate !== undefined && !Number.isNaN(Date.parse(httpDate)) ? basic(new Date(httpDate)) : httpDate);
  let missing = '';
  for (const name of ['Credential', 'Signature', 'SignedHeaders']) {
    if (!params.get(name)) missing += `Authorization header requires '${name}' parameter. `;
  }
  if (date === undefined) {
    missing += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
  }
  if (missing) return fail('IncompleteSignatureException', `${missing}Authorization=${value}`, 400);
  const token = header(headers, 'x-amz-security-token');
  return {
    presigned: false, algorithm, date: date!,
    credential: params.get('Credential')!, signature: params.get('Signature')!,
    signedHeaders: params.get('SignedHeaders')!.split(';'),
    ...(token !== undefined && { sessionToken: token }),
  };
}

function parseAuthQuery(query: Query): Parsed | AuthResult {
  let missing = '';
  for (const name of ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-SignedHeaders', 'X-Amz-Date']) {
    if (!first(query, name)) missing += `AWS query-string parameters must include '${name}'. `;
  }
  if (missing) return fail('IncompleteSignatureException', `${missing}Re-examine the query-string parameters.`, 400);
  const token = first(query, 'X-Amz-Security-Token');
  const expires = first(query, 'X-Amz-Expires');
  return {
    presigned: true, algorithm: first(query, 'X-Amz-Algorithm')!, date: first(query, 'X-Amz-Date')!,
    credential: first(query, 'X-Amz-Credential')!, signature: first(query, 'X-Amz-Signature')!,
    signedHeaders: first(query, 'X-Amz-SignedHeaders')!.split(';'),
    ...(token !== undefined && { sessionToken: token }),
    ...(expires !== undefined && { expires }),
  };
}

/** Requests must be within the skew window; presigned ones with X-Amz-Expires within that instead. */
function checkTime(p: Parsed, signedAt: Date, now: Date, skewMs: number): AuthResult | undefined {
  const t = signedAt.getTime();
  const n = now.getTime();
  const window = () => (skewMs % 60_000 === 0 ? `${skewMs / 60_000} min.` : `${Math.round(skewMs / 1000)} sec.`);
  if (t > n + skewMs) {
    return fail('InvalidSignatureException', `Signature not yet current: ${p.date} is still later than `
      + `${basic(new Date(n + skewMs))} (${basic(now)} + ${window()})`);
  }
  if (p.expires !== undefined) {
    // S3's presigned-URL wording; Lambda has no presigned URLs of its own. Without X-Amz-Expires,
    // non-S3 services hold presigned requests to the ordinary skew window, and so do we.
    if (!/^\d+$/.test(p.expires)) return fail('IncompleteSignatureException', 'X-Amz-Expires should be a number', 400);
    const seconds = Number(p.expires);
    if (seconds > MAX_PRESIGN_SECONDS) {
      return fail('IncompleteSignatureException',
        'X-Amz-Expires must be less than a week (in seconds) that is 604800', 400);
    }
    return n > t + seconds * 1000 ? fail('AccessDenied', 'Request has expired') : undefined;
  }
  if (t < n - skewMs) {
    return fail('InvalidSignatureException', `Signature expired: ${p.date} is now earlier than `
      + `${basic(new Date(n - skewMs))} (${basic(now)} - ${window()})`);
  }
  return undefined;
}

/** Decodes a raw query string into smithy's query shape; repeated keys become arrays. */
function parseQuery(raw: string): Query {
  const q: Query = Object.create(null); // a key named __proto__ must stay an ordinary key
  if (!raw) return q;
  for (const pair of raw.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const k = decode(eq < 0 ? pair : pair.slice(0, eq));
    const v = eq < 0 ? '' : decode(pair.slice(eq + 1));
    const prev = q[k];
    if (prev === undefined) q[k] = v;
    else if (Array.isArray(prev)) prev.push(v);
    else q[k] = [prev, v];
  }
  return q;
}

/** A presigner hoists x-amz-content-sha256 into the query under whatever case it was given. */
function queryPayloadHash(query: Query): string | undefined {
  for (const k in query) if (k.toLowerCase() === 'x-amz-content-sha256') return first(query, k);
  return undefined;
}

// '+' stays a literal plus: SigV4 clients encode spaces as %20, and AWS canonicalises '+' as %2B.
function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s; // malformed escapes simply fail to match the client's signature
  }
}

// Requests signed in the same second carry the same date: parse it once.
let lastDate: { s: string; d: Date } | undefined;

function parseDate(s: string): Date | undefined {
  if (lastDate?.s === s) return lastDate.d;
  const m = BASIC_DATE.exec(s);
  if (!m) return undefined;
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
  if (basic(d) !== s) return undefined; // rejects 20240231T... and similar rollovers
  lastDate = { s, d };
  return d;
}

function basic(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'latin1');
  const y = Buffer.from(b, 'latin1');
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The event a function URL hands its function: API Gateway's HTTP API payload format 2.0, as
 * Lambda builds it for function URLs (contract F; AWS "Invoking Lambda function URLs").
 */

export interface UrlRequest {
  urlId: string;
  region: string;
  method: string;
  /** The path as received (still percent-encoded), `/` at least. */
  rawPath: string;
  /** The query string as received, without `?`. */
  rawQuery: string;
  /** Node's `rawHeaders`: name, value, name, value… in arrival order. */
  rawHeaders: string[];
  body: Buffer;
  sourceIp: string;
  protocol: string;
  requestId: string;
  nowMs: number;
  /** `anonymous` for AuthType NONE; the caller's account for AWS_IAM. */
  accountId: string;
  /** The signed caller, for AuthType AWS_IAM. */
  iam?: { accessKey: string; accountId: string };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

/** `26/Nov/2026:22:10:00 +0000`, the CLF-style time API Gateway writes. */
export function clfTime(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

/**
 * Function URLs pass a body as text only when its content type is `text/*` or `application/json`;
 * anything else (including no content type, forms and XML) arrives base64-encoded with
 * isBase64Encoded true (observed AWS behaviour; docs/urls.md).
 */
export function isTextBody(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return type.startsWith('text/') || type === 'application/json';
}

/** The payload 2.0 event for one request. */
export function buildUrlEvent(r: UrlRequest): Record<string, unknown> {
  // Repeated headers are joined with commas (no space); cookies leave the headers for `cookies`.
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let i = 0; i + 1 < r.rawHeaders.length; i += 2) {
    const name = r.rawHeaders[i]!.toLowerCase();
    const value = r.rawHeaders[i + 1]!;
    if (name === 'cookie') {
      for (const c of value.split(';')) if (c.trim()) cookies.push(c.trim());
      continue;
    }
    // Hop-by-hop: they describe the client's connection to Lambda's front end, not the request
    // (AWS's events do not carry them).
    if (name === 'connection' || name === 'keep-alive') continue;
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  headers['x-forwarded-for'] ??= r.sourceIp;
  headers['x-forwarded-proto'] ??= 'http';
  headers['x-amzn-trace-id'] ??= `Root=1-${Math.floor(r.nowMs / 1000).toString(16)}-${r.requestId.replace(/-/g, '').slice(0, 24)}`;

  const domainName = `${r.urlId}.lambda-url.${r.region}.localhost`;
  const event: Record<string, unknown> = {
    version: '2.0',
    routeKey: '$default',
    rawPath: r.rawPath,
    rawQueryString: r.rawQuery,
  };
  if (cookies.length) event.cookies = cookies;
  event.headers = headers;
  const query = queryParameters(r.rawQuery);
  if (query) event.queryStringParameters = query;
  const requestContext: Record<string, unknown> = {
    accountId: r.accountId,
    apiId: r.urlId,
    domainName,
    domainPrefix: r.urlId,
    http: { method: r.method, path: r.rawPath, protocol: r.protocol, sourceIp: r.sourceIp, userAgent: headers['user-agent'] ?? '' },
    requestId: r.requestId,
    routeKey: '$default',
    stage: '$default',
    time: clfTime(r.nowMs),
    timeEpoch: r.nowMs,
  };
  if (r.iam) {
    requestContext.authorizer = {
      iam: {
        accessKey: r.iam.accessKey,
        accountId: r.iam.accountId,
        callerId: r.iam.accountId,
        cognitoIdentity: null,
        principalOrgId: null,
        userArn: `arn:aws:iam::${r.iam.accountId}:root`,
        userId: r.iam.accountId,
      },
    };
  }
  event.requestContext = requestContext;
  const text = isTextBody(headers['content-type']);
  if (r.body.length) event.body = text ? r.body.toString('utf8') : r.body.toString('base64');
  event.isBase64Encoded = r.body.length > 0 && !text;
  return event;
}

/** `a=1&a=2&b=x` → `{a: "1,2", b: "x"}`; undefined when there is no query (AWS then omits the member). */
export function queryParameters(raw: string): Record<string, string> | undefined {
  if (!raw) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(raw)) out[k] = k in out ? `${out[k]},${v}` : v;
  return Object.keys(out).length ? out : undefined;
}

// SigV4 verification, driven by the real signer the AWS SDK uses and by a real LambdaClient.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignatureV4 } from '@smithy/signature-v4';
import { Hash } from '@smithy/hash-node';
import {
  GetAccountSettingsCommand, InvokeCommand, LambdaClient, ListFunctionsCommand, UntagResourceCommand,
} from '@aws-sdk/client-lambda';
import { verifySigV4, type AuthResult, type SignedRequest, type VerifyOptions } from '../src/gateway/sigv4.js';

const KEY = 'AKIDEXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const T0 = new Date('2024-05-01T12:00:00Z');
const HOST = '127.0.0.1:9000';
const INVOKE_PATH = '/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Af%3A%24LATEST/invocations';
const MISMATCH = 'The request signature we calculated does not match the signature you provided. '
  + 'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

const lookup = (id: string): string | undefined => (id === KEY ? SECRET : undefined);

/** A signer built as @aws-sdk/client-lambda builds it (applyChecksum left at its default, true). */
function sdkSigner(opts: { secret?: string; sessionToken?: string; applyChecksum?: boolean } = {}) {
  return new SignatureV4({
    credentials: { accessKeyId: KEY, secretAccessKey: opts.secret ?? SECRET,
      ...(opts.sessionToken !== undefined && { sessionToken: opts.sessionToken }) },
    region: 'us-east-1', service: 'lambda', sha256: Hash.bind(null, 'sha256'), uriEscapePath: true,
    ...(opts.applyChecksum !== undefined && { applyChecksum: opts.applyChecksum }),
  });
}

type Query = Record<string, string | string[]>;
interface Req { method?: string; path: string; query?: Query; headers?: Record<string, string>; body?: string }

// smithy's escapeUri, as the SDK's node-http-handler writes the query onto the wire.
const esc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
type WireQuery = Record<string, string | string[] | null>;
const wireQuery = (q: WireQuery) => Object.keys(q).sort()
  .flatMap((k) => ([] as string[]).concat(q[k] ?? []).map((v) => `${esc(k)}=${esc(v)}`)).join('&');

function toWire(r: { method: string; path: string; query?: WireQuery; headers: Record<string, string> }, body: Buffer): SignedRequest {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers)) headers[k.toLowerCase()] = v;
  return { method: r.method, rawPath: r.path, query: wireQuery(r.query ?? {}), headers, body };
}

async function sign(r: Req, at = T0, signer = sdkSigner()): Promise<SignedRequest> {
  const body = Buffer.from(r.body ?? '');
  const headers = { host: HOST, ...(r.body !== undefined && { 'content-length': String(body.length) }), ...r.headers };
  const signed = await signer.sign({ method: r.method ?? 'GET', protocol: 'http:', hostname: '127.0.0.1', port: 9000,
    path: r.path, query: r.query ?? {}, headers, ...(r.body !== undefined && { body }) }, { signingDate: at });
  return toWire({ ...signed, headers: signed.headers as Record<string, string> }, body);
}

async function presign(r: Req, expiresIn: number, at = T0, signer = sdkSigner()): Promise<SignedRequest> {
  const signed = await signer.presign({ method: r.method ?? 'GET', protocol: 'http:', hostname: '127.0.0.1', port: 9000,
    path: r.path, query: r.query ?? {}, headers: { host: HOST, ...r.headers } }, { signingDate: at, expiresIn });
  return toWire({ ...signed, headers: signed.headers as Record<string, string> }, Buffer.alloc(0));
}

const verify = (req: SignedRequest, now = T0, opts?: VerifyOptions) => verifySigV4(req, lookup, now, opts);
const ok: AuthResult = { ok: true, accessKeyId: KEY, region: 'us-east-1', service: 'lambda' };
const err = (code: string, message: string, status = 403) => ({ ok: false, code, message, status });
const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);

const listTags: Req = {
  path: '/2017-03-31/tags/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Af',
  query: { tagKeys: ['b', 'a', 'a b'], Marker: "x y/z+1=2&3~*!'()%", Empty: '' },
};
const createFn: Req = {
  method: 'POST', path: '/2015-03-31/functions', headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ FunctionName: 'f', Runtime: 'nodejs20.x', Environment: { Variables: { A: 'é ü' } } }),
};
const invoke: Req = {
  method: 'POST', path: INVOKE_PATH, query: { Qualifier: '$LATEST' },
  headers: { 'content-type': 'application/octet-stream', 'x-amz-invocation-type': 'RequestResponse' },
  body: '{"hello":"world"}',
};

test('requests signed as the SDK signs them verify', async () => {
  assert.deepEqual(await verify(await sign(listTags)), ok);
  assert.deepEqual(await verify(await sign(createFn)), ok);
  assert.deepEqual(await verify(await sign(invoke)), ok);
  assert.deepEqual(await verify(await sign({ path: '/2015-03-31/functions/my-fn%3A%24LATEST/configuration' })), ok);
  assert.deepEqual(await verify(await sign({ path: '/2015-03-31/functions/my%20fn%20x/policy', method: 'DELETE' })), ok);
  assert.deepEqual(await verify(await sign({ method: 'PUT', path: '/2015-03-31/functions/f/code', body: '' })), ok);
  // botocore-style: no x-amz-content-sha256 header, so the body hash is only in the canonical request.
  assert.deepEqual(await verify(await sign(createFn, T0, sdkSigner({ applyChecksum: false }))), ok);
  // Within the 5-minute window either way.
  assert.deepEqual(await verify(await sign(invoke), minutes(4.9)), ok);
  assert.deepEqual(await verify(await sign(invoke), minutes(-4.9)), ok);
});

test('the canonical path double-escapes the already-encoded path, as the SDK does', async () => {
  const req = await sign(invoke);
  // The same characters sent unencoded form a different canonical path, so the signature fails.
  const raw = { ...req, rawPath: '/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST/invocations' };
  assert.deepEqual(await verify(raw), err('InvalidSignatureException', MISMATCH));
});

test('tampering with any signed part is caught', async () => {
  const mismatch = err('InvalidSignatureException', MISMATCH);
  const inv = await sign(invoke);
  assert.deepEqual(await verify({ ...inv, body: Buffer.from('{"hello":"World"}') }), mismatch);
  assert.deepEqual(await verify({ ...inv, rawPath: inv.rawPath.replace('%3Af%3A', '%3Ag%3A') }), mismatch);
  assert.deepEqual(await verify({ ...inv, query: 'Qualifier=1' }), mismatch);
  assert.deepEqual(await verify({ ...inv, query: '' }), mismatch);
  assert.deepEqual(await verify({ ...inv, query: `${inv.query}&extra=1` }), mismatch);
  assert.deepEqual(await verify({ ...inv, method: 'PUT' }), mismatch);
  assert.deepEqual(await verify({ ...inv, headers: { ...inv.headers, 'x-amz-invocation-type': 'Event' } }), mismatch);
  assert.deepEqual(await verify({ ...inv, headers: { ...inv.headers, host: 'evil:9000' } }), mismatch);
  assert.deepEqual(await verify({ ...inv, headers: { ...inv.headers, 'x-amz-date': '20240501T120001Z' } }), mismatch);
  // Unsigned headers may change freely.
  assert.deepEqual(await verify({ ...inv, headers: { ...inv.headers, 'x-forwarded-for': '10.0.0.1' } }), ok);

  const tags = await sign(listTags);
  assert.deepEqual(await verify({ ...tags, query: tags.query.replace('tagKeys=a&', '') }), mismatch);
  assert.deepEqual(await verify({ ...tags, query: tags.query.replace('a%20b', 'a+b') }), mismatch);

  const botocore = await sign(createFn, T0, sdkSigner({ applyChecksum: false }));
  assert.deepEqual(await verify({ ...botocore, body: Buffer.from('{}') }), mismatch);

  assert.deepEqual(await verify(await sign(invoke, T0, sdkSigner({ secret: 'not-the-secret' }))), mismatch);
  const unknown = { ...inv, headers: { ...inv.headers, authorization: inv.headers['authorization']!.toString()
    .replace(`Credential=${KEY}/`, 'Credential=AKIDUNKNOWN/') } };
  assert.deepEqual(await verify(unknown),
    err('UnrecognizedClientException', 'The security token included in the request is invalid.'));
});

test('clock skew beyond the window is refused with AWS wording', async () => {
  assert.deepEqual(await verify(await sign(invoke, minutes(-10))), err('InvalidSignatureException',
    'Signature expired: 20240501T115000Z is now earlier than 20240501T115500Z (20240501T120000Z - 5 min.)'));
  assert.deepEqual(await verify(await sign(invoke, minutes(10))), err('InvalidSignatureException',
    'Signature not yet current: 20240501T121000Z is still later than 20240501T120500Z (20240501T120000Z + 5 min.)'));
  // The window is configurable; the message follows it.
  assert.deepEqual(await verify(await sign(invoke, minutes(-10)), T0, { maxSkewMs: 15 * 60_000 }), ok);
  assert.deepEqual(await verify(await sign(invoke, minutes(-20)), T0, { maxSkewMs: 15 * 60_000 }),
    err('InvalidSignatureException',
      'Signature expired: 20240501T114000Z is now earlier than 20240501T114500Z (20240501T120000Z - 15 min.)'));
});

test('requests without a signature get Missing Authentication Token', async () => {
  const req = await sign(invoke);
  const { authorization: _, ...headers } = req.headers;
  assert.deepEqual(await verify({ ...req, headers }),
    err('MissingAuthenticationTokenException', 'Missing Authentication Token'));
});

test('malformed Authorization headers are IncompleteSignatureException', async () => {
  const req = await sign(invoke);
  const withAuth = (authorization: string, extra: Record<string, string | undefined> = {}) =>
    verify({ ...req, headers: { ...req.headers, authorization, ...extra } });
  const cred = `${KEY}/20240501/us-east-1/lambda/aws4_request`;

  assert.deepEqual(await withAuth(`AWS4-HMAC-SHA256 Credential=${cred}`), err('IncompleteSignatureException',
    "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. "
    + `Authorization=AWS4-HMAC-SHA256 Credential=${cred}`, 400));
  assert.deepEqual(await withAuth('eyJhbGciOiJIUzI1NiJ9.e30.sig', { 'x-amz-date': undefined }), err('IncompleteSignatureException',
    "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. "
    + "Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either "
    + "a 'X-Amz-Date' or a 'Date' header. Authorization=eyJhbGciOiJIUzI1NiJ9.e30.sig", 400));
  const spaced = `AWS4-HMAC-SHA256 Credential=${KEY} /20240501/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=00`;
  assert.deepEqual(await withAuth(spaced), err('IncompleteSignatureException',
    `'/20240501/us-east-1/lambda/aws4_request' not a valid key=value pair (missing equal-sign) in Authorization header: '${spaced}'.`, 400));
  assert.deepEqual(await withAuth(`AWS4-HMAC-SHA512 Credential=${cred}, SignedHeaders=host;x-amz-date, Signature=00`),
    err('IncompleteSignatureException', "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512' (only AWS4-HMAC-SHA256 for now). ", 400));
  assert.deepEqual(await withAuth(`AWS4-HMAC-SHA256 Credential=${KEY}/20240501/lambda, SignedHeaders=host;x-amz-date, Signature=00`),
    err('IncompleteSignatureException', 'Credential must have exactly 5 slash-delimited elements, '
      + `e.g. keyid/date/region/service/term, got '${KEY}/20240501/lambda'`, 400));
  assert.deepEqual(await withAuth(`AWS4-HMAC-SHA256 Credential=${cred}, SignedHeaders=host, Signature=00`, { 'x-amz-date': '2024-05-01' }),
    err('IncompleteSignatureException',
      "Date must be in ISO-8601 'basic format'. Got '2024-05-01'. See http://en.wikipedia.org/wiki/ISO_8601", 400));
  assert.deepEqual(await withAuth(`AWS4-HMAC-SHA256 Credential=${cred}, SignedHeaders=x-amz-date, Signature=00`),
    err('InvalidSignatureException', "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."));
  assert.deepEqual(await withAuth(`AWS4-HMAC-SHA256 Credential=${KEY}/20240430/us-east-1/lambda/aws4_reqest, SignedHeaders=host, Signature=00`),
    err('InvalidSignatureException', "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4_reqest'. "
      + "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20240430' != '20240501', from '20240501T120000Z'."));
});

test('the credential scope can be pinned to a region and service', async () => {
  const req = await sign(invoke);
  assert.deepEqual(await verify(req, T0, { region: 'us-east-1', service: 'lambda' }), ok);
  assert.deepEqual(await verify(req, T0, { region: 'eu-west-1', service: 'sqs' }), err('InvalidSignatureException',
    "Credential should be scoped to a valid region, not 'us-east-1'. Credential should be scoped to correct service: 'sqs'. "));
});

test('x-amz-content-sha256: UNSIGNED-PAYLOAD is accepted unless disabled; a wrong hash is not', async () => {
  const unsigned = await sign({ ...createFn, headers: { ...createFn.headers, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
  assert.deepEqual(await verify(unsigned), ok);
  assert.deepEqual(await verify({ ...unsigned, body: Buffer.from('anything') }), ok);
  assert.deepEqual(await verify(unsigned, T0, { allowUnsignedPayload: false }), err('InvalidSignatureException', MISMATCH));
  const lying = await sign({ ...createFn, headers: { ...createFn.headers, 'x-amz-content-sha256': '0'.repeat(64) } });
  assert.deepEqual(await verify(lying), err('InvalidSignatureException', MISMATCH));
});

test('session tokens reach the key lookup and come back on success', async () => {
  const seen: Array<string | undefined> = [];
  const req = await sign(invoke, T0, sdkSigner({ sessionToken: 'tok/en+=' }));
  const res = await verifySigV4(req, (id, token) => { seen.push(token); return token === 'tok/en+=' ? lookup(id) : undefined; }, T0);
  assert.deepEqual(res, { ...ok, sessionToken: 'tok/en+=' });
  assert.deepEqual(seen, ['tok/en+=']);
  assert.deepEqual(await verifySigV4(req, () => undefined, T0),
    err('UnrecognizedClientException', 'The security token included in the request is invalid.'));
  // The token is a signed header: swapping it breaks the signature.
  const swapped = { ...req, headers: { ...req.headers, 'x-amz-security-token': 'other' } };
  assert.deepEqual(await verifySigV4(swapped, lookup, T0), err('InvalidSignatureException', MISMATCH));
});

test('presigned URLs verify, expire and resist tampering', async () => {
  const url = await presign(listTags, 60);
  assert.deepEqual(await verify(url), ok);
  assert.deepEqual(await verify(url, minutes(0.99)), ok);
  assert.deepEqual(await verify(url, minutes(1.02)), err('AccessDenied', 'Request has expired'));
  assert.deepEqual(await verify({ ...url, query: url.query.replace('Marker=x', 'Marker=y') }), err('InvalidSignatureException', MISMATCH));
  assert.deepEqual(await verify({ ...url, query: url.query.replace('X-Amz-Expires=60', 'X-Amz-Expires=600') }),
    err('InvalidSignatureException', MISMATCH));
  assert.deepEqual(await verify(await presign(listTags, 60, minutes(10))), err('InvalidSignatureException',
    'Signature not yet current: 20240501T121000Z is still later than 20240501T120500Z (20240501T120000Z + 5 min.)'));

  // S3-style: the payload is declared unsigned and the presigner hoists that into the query.
  const upload = await presign({ method: 'PUT', path: '/bucket/a%20key', headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } }, 300);
  assert.match(upload.query, /x-amz-content-sha256=UNSIGNED-PAYLOAD/);
  assert.deepEqual(await verify({ ...upload, body: Buffer.from('any bytes') }), ok);
  assert.deepEqual(await verify({ ...upload, query: upload.query.replace('=UNSIGNED-PAYLOAD', `=${'0'.repeat(64)}`) }),
    err('InvalidSignatureException', MISMATCH));

  const withToken = await presign(invoke, 300, T0, sdkSigner({ sessionToken: 'tok' }));
  assert.deepEqual(await verify(withToken), { ...ok, sessionToken: 'tok' });

  const header = await sign(invoke);
  assert.deepEqual(await verify({ ...url, headers: { ...url.headers, authorization: header.headers['authorization'] } }),
    err('InvalidSignatureException', "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."));
  assert.deepEqual(await verify({ ...url, query: 'X-Amz-Signature=00&X-Amz-Date=20240501T120000Z' }),
    err('IncompleteSignatureException', "AWS query-string parameters must include 'X-Amz-Algorithm'. AWS query-string "
      + "parameters must include 'X-Amz-Credential'. AWS query-string parameters must include 'X-Amz-SignedHeaders'. "
      + 'Re-examine the query-string parameters.', 400));
});

/** Reads a request, verifies it, and answers like a minimal Lambda API. */
function lambdaStub(seen: Array<{ path: string; query: string; result: AuthResult }>) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const signed: SignedRequest = { method: req.method ?? 'GET', rawPath: q < 0 ? url : url.slice(0, q),
      query: q < 0 ? '' : url.slice(q + 1), headers: req.headers, body };
    const result = await verifySigV4(signed, lookup, new Date());
    seen.push({ path: signed.rawPath, query: signed.query, result });
    if (!result.ok) {
      res.writeHead(result.status, { 'content-type': 'application/json', 'x-amzn-errortype': result.code });
      res.end(JSON.stringify({ message: result.message }));
    } else if (req.method === 'DELETE') {
      res.writeHead(204).end();
    } else if (signed.rawPath.endsWith('/invocations')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    } else {
      res.writeHead(200, { 'content-type': 'application/json' })
        .end(signed.rawPath.endsWith('/functions/') ? '{"Functions":[]}' : '{}');
    }
  };
}

test('a real LambdaClient is verified end to end over HTTP', async (t) => {
  const seen: Array<{ path: string; query: string; result: AuthResult }> = [];
  const server = createServer((req, res) => void lambdaStub(seen)(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new LambdaClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: KEY, secretAccessKey: SECRET } });
  t.after(() => client.destroy());

  await client.send(new GetAccountSettingsCommand({}));
  const out = await client.send(new InvokeCommand({
    FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST', Payload: Buffer.from('{"a":"b c"}'),
  }));
  assert.equal(out.StatusCode, 200);
  assert.equal(Buffer.from(out.Payload!).toString(), '{"a":"b c"}');
  await client.send(new ListFunctionsCommand({ Marker: "a b/c+d=e&f~*!'()", MaxItems: 5 }));
  await client.send(new UntagResourceCommand({
    Resource: 'arn:aws:lambda:us-east-1:000000000000:function:f', TagKeys: ['k1', 'k 2', 'k1'],
  }));

  assert.deepEqual(seen.map((s) => s.result), [ok, ok, ok, ok]);
  assert.equal(seen[1]!.path, INVOKE_PATH);
  assert.match(seen[3]!.query, /tagKeys=k1&tagKeys=k%202&tagKeys=k1/);

  // A client with the wrong secret gets AWS's error through the SDK's own error mapping.
  const wrong = new LambdaClient({ endpoint, region: 'us-east-1', maxAttempts: 1,
    credentials: { accessKeyId: KEY, secretAccessKey: 'wrong' } });
  t.after(() => wrong.destroy());
  await assert.rejects(wrong.send(new GetAccountSettingsCommand({})),
    (e: Error & { $metadata?: { httpStatusCode?: number } }) =>
      e.name === 'InvalidSignatureException' && e.message === MISMATCH && e.$metadata?.httpStatusCode === 403);
});

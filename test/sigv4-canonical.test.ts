// The lean SigV4 canonicalisation against @smithy/signature-v4's own, the code the AWS SDK for
// JavaScript signs with, on awkward paths, queries and header values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SignatureV4, getCanonicalHeaders, getSigningKey } from '@smithy/signature-v4';
import { Hash } from '@smithy/hash-node';
import {
  canonicalPath, canonicalQuery, canonicalRequest, escapeUri, signature, signingKey, stringToSign, type Query,
} from '../src/gateway/sigv4-canonical.js';

const sha256 = Hash.bind(null, 'sha256');
type SmithyRequest = Parameters<typeof getCanonicalHeaders>[0];

/** smithy's signer as @aws-sdk/client-lambda configures it, its canonicalisation steps exposed. */
class Reference extends SignatureV4 {
  canonical(req: SmithyRequest, payloadHash: string): string {
    const signed = new Set(Object.keys(req.headers));
    return this.createCanonicalRequest(req, getCanonicalHeaders(req, undefined, signed), payloadHash);
  }
  toSign(longDate: string, scope: string, canonical: string): Promise<string> {
    return this.createStringToSign(longDate, scope, canonical, 'AWS4-HMAC-SHA256');
  }
  path(path: string): string {
    return this.canonical({ method: 'GET', protocol: 'http:', hostname: '', path, query: {}, headers: {} }, '').split('\n')[1]!;
  }
}
const ref = new Reference({ credentials: { accessKeyId: '', secretAccessKey: '' }, region: 'us-east-1', service: 'lambda', sha256, uriEscapePath: true });

const PATHS = [
  '/', '', '/2015-03-31/functions/my-fn%3A%24LATEST/invocations', '/a//b/', '/a/./b/../c', '/..', '/a/b/..', '/a/b/../',
  '/bucket/a%20key', "/x/!'()*~", '/é/ü', '/a+b/c=d', 'relative/path', '/a/%2F/b',
];
const QUERIES: Query[] = [
  {},
  { Qualifier: '$LATEST' },
  { tagKeys: ['b', 'a', 'a b', 'a'], Marker: "x y/z+1=2&3~*!'()%", Empty: '' },
  { 'X-Amz-Signature': 'ff', 'x-amz-signature': 'ee', 'X-Amz-Date': '20240501T120000Z', z: 'é', A: '1', a: '2' },
  { list: [] as string[], k: 'v' },
];
const HEADERS: Record<string, string>[] = [
  { host: '127.0.0.1:9000', 'x-amz-date': '20240501T120000Z' },
  { host: 'h', 'content-type': ' application/json ', 'x-amz-meta': 'a  b\t\tc', folded: 'one\r\n two', tabs: '\tx\t', empty: '' },
  { host: 'h', 'user-agent': 'agent  x', expect: '100-continue', 'x-amzn-trace-id': 'Root=1', 'proxy-x': 'p', 'sec-x': 's' },
];

test('canonical paths match the SDK signer (double-escaped, dot segments resolved)', () => {
  for (const p of PATHS) {
    assert.equal(canonicalPath(p), ref.path(p), p);
    assert.equal(canonicalPath(p), ref.path(p), `${p} (cached)`);
  }
});

test('canonical queries match the SDK signer', () => {
  const reference = (query: Query) => ref.canonical({ method: 'GET', protocol: 'http:', hostname: '', path: '/', query, headers: {} }, '')
    .split('\n')[2];
  for (const q of QUERIES) assert.equal(canonicalQuery(q), reference(q), JSON.stringify(q));
  assert.equal(escapeUri("a b!'()*~é"), "a%20b%21%27%28%29%2A~%C3%A9");
});

test('whole canonical requests, strings to sign and signing keys match the SDK signer', async () => {
  const hash = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
  for (const path of PATHS) {
    for (const query of QUERIES) {
      for (const h of HEADERS) {
        for (const method of ['GET', 'POST']) {
          const mine = canonicalRequest({ method, rawPath: path, query, headers: new Map(Object.entries(h)), payloadHash: hash });
          const theirs = ref.canonical({ method, protocol: 'http:', hostname: '', path, query, headers: h }, hash);
          assert.equal(mine, theirs, `${method} ${path} ${JSON.stringify(query)} ${JSON.stringify(h)}`);
        }
      }
    }
  }
  const canonical = canonicalRequest({ method: 'POST', rawPath: PATHS[2]!, query: QUERIES[1]!, headers: new Map(Object.entries(HEADERS[0]!)), payloadHash: hash });
  const scope = '20240501/us-east-1/lambda/aws4_request';
  assert.equal(stringToSign('20240501T120000Z', scope, canonical), await ref.toSign('20240501T120000Z', scope, canonical));

  for (const secret of ['wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', 'ünïcode secret']) {
    const theirs = await getSigningKey(sha256, { accessKeyId: 'AKID', secretAccessKey: secret }, '20240501', 'us-east-1', 'lambda');
    assert.deepEqual(new Uint8Array(signingKey('AKID', secret, '20240501', 'us-east-1', 'lambda')), new Uint8Array(theirs));
    // Cached per key id and scope, but never across a changed secret.
    assert.deepEqual(new Uint8Array(signingKey('AKID', secret, '20240501', 'us-east-1', 'lambda')), new Uint8Array(theirs));
  }
  const h = new sha256(signingKey('AKID', 'k', '20240501', 'us-east-1', 'lambda'));
  h.update('to sign');
  assert.equal(signature(signingKey('AKID', 'k', '20240501', 'us-east-1', 'lambda'), 'to sign'), Buffer.from(await h.digest()).toString('hex'));
});

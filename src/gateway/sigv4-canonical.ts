// The SigV4 canonical request, string to sign and signature, on node:crypto.
//
// Verification runs on every signed API call (every Invoke), and going through
// @smithy/signature-v4's internals cost ~9% of the server's CPU per warm invoke: TextEncoder copies,
// a Hash object per digest, promises per step. This module computes the same strings the way the
// SigV4 specification defines them, configured as the AWS SDK for JavaScript signs for Lambda
// (uriEscapePath: the already-encoded path is escaped again). test/sigv4-canonical.test.ts checks it
// against smithy's own canonicalisation on awkward inputs, so the SDK stays the reference.

import * as crypto from 'node:crypto';
import { createHash, createHmac } from 'node:crypto';

export const ALGORITHM = 'AWS4-HMAC-SHA256';

/** A decoded query: repeated keys become arrays. */
export type Query = Record<string, string | string[]>;

/**
 * Hex SHA-256 in one call: crypto.hash (Node ≥ 20.12) skips the Hash object, about twice as fast on
 * small inputs; older Node 20 releases take the long way.
 */
export const sha256Hex: (data: string | Buffer) => string = typeof crypto.hash === 'function'
  ? (data) => crypto.hash('sha256', data, 'hex')
  : (data) => createHash('sha256').update(data).digest('hex');

/** RFC 3986 escaping as SigV4 wants it: encodeURIComponent plus the five characters it leaves alone. */
export function escapeUri(s: string): string {
  const e = encodeURIComponent(s);
  return /[!'()*]/.test(e) ? e.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`) : e;
}

// The same few paths are signed over and over (one per function and operation): remember their
// canonical form. Bounded: cleared whole when full, which costs one recomputation per path.
const MAX_PATHS = 1024;
const paths = new Map<string, string>();

/**
 * The canonical URI: `.` and `..` segments and empty segments resolved, then every segment escaped
 * again (the path arrives already percent-encoded; the SDKs escape it twice for every service but S3).
 */
export function canonicalPath(path: string): string {
  let out = paths.get(path);
  if (out !== undefined) return out;
  const segments: string[] = [];
  for (const s of path.split('/')) {
    if (s === '' || s === '.') continue;
    if (s === '..') segments.pop();
    else segments.push(s);
  }
  const normalized = `${path.startsWith('/') ? '/' : ''}${segments.join('/')}${segments.length > 0 && path.endsWith('/') ? '/' : ''}`;
  out = escapeUri(normalized).replace(/%2F/g, '/');
  if (paths.size >= MAX_PATHS) paths.clear();
  paths.set(path, out);
  return out;
}

/** The canonical query: every parameter but X-Amz-Signature (any case), escaped, sorted by key then value. */
export function canonicalQuery(query: Query): string {
  const keys: string[] = [];
  const byKey = new Map<string, string>();
  for (const key in query) {
    if (key.toLowerCase() === 'x-amz-signature') continue;
    const k = escapeUri(key);
    const v = query[key]!;
    keys.push(k);
    byKey.set(k, typeof v === 'string' ? `${k}=${escapeUri(v)}` : v.map((x) => `${k}=${escapeUri(x)}`).sort().join('&'));
  }
  if (keys.length === 0) return '';
  return keys.sort().map((k) => byKey.get(k)!).filter((s) => s !== '').join('&');
}

// A header value needs trimming or folding only when it has one of these; most have none.
const NEEDS_FOLDING = /[\r\n\t]| {2}|^ | $/;

/** A header value as SigV4 signs it: line breaks to spaces, runs of blanks to one space, trimmed at the ends. */
export function canonicalHeaderValue(v: string): string {
  if (!NEEDS_FOLDING.test(v)) return v;
  return v.replace(/[\r\n]/g, ' ').replace(/[ \t]+/g, ' ').replace(/^ | $/g, '');
}

/** What signs a request, besides its method, path and query. */
export interface CanonicalParts {
  method: string;
  rawPath: string;
  query: Query;
  /** The client's signed headers that the request carries (lower-case names), values as received. */
  headers: Map<string, string>;
  payloadHash: string;
}

/** The canonical request (the signed header list is the headers actually present, sorted). */
export function canonicalRequest(r: CanonicalParts): string {
  const names = [...r.headers.keys()].sort();
  let lines = '';
  for (const n of names) lines += `${n}:${canonicalHeaderValue(r.headers.get(n)!)}\n`;
  return `${r.method}\n${canonicalPath(r.rawPath)}\n${canonicalQuery(r.query)}\n${lines}\n${names.join(';')}\n${r.payloadHash}`;
}

/** The string to sign: algorithm, request date, credential scope, and the canonical request's hash. */
export function stringToSign(longDate: string, scope: string, canonical: string): string {
  return `${ALGORITHM}\n${longDate}\n${scope}\n${sha256Hex(canonical)}`;
}

// Derived signing keys per (key id, day, region, service), checked against the secret they were
// derived from. Four HMACs saved per request; bounded, oldest dropped first.
const MAX_KEYS = 4096;
const keys = new Map<string, { secret: string; key: Buffer }>();

/** The SigV4 signing key: HMAC chain over `AWS4<secret>`, day, region, service, aws4_request. */
export function signingKey(accessKeyId: string, secret: string, day: string, region: string, service: string): Buffer {
  const id = `${accessKeyId}/${day}/${region}/${service}`;
  const hit = keys.get(id);
  if (hit && hit.secret === secret) return hit.key;
  let key = createHmac('sha256', `AWS4${secret}`).update(day).digest();
  for (const part of [region, service, 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  keys.delete(id);
  keys.set(id, { secret, key });
  if (keys.size > MAX_KEYS) keys.delete(keys.keys().next().value!);
  return key;
}

/** The hex signature of a string to sign. */
export function signature(key: Buffer, toSign: string): string {
  return createHmac('sha256', key).update(toSign).digest('hex');
}

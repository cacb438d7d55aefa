/** Pure pieces of function URLs: the response mapping, query parsing, time format, body encoding and CORS matching. */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { StratusError } from '../src/errors/catalog.js';
import { matchFunctionUrl, serveFunctionUrl, type FunctionUrlDeps } from '../src/gateway/function-url.js';
import { systemClock } from '../src/shared/clock.js';
import { allowedOrigin, decorate } from '../src/urls/cors.js';
import { clfTime, isTextBody, queryParameters } from '../src/urls/event.js';
import { mapUrlResponse } from '../src/urls/response.js';

const map = (v: unknown) => mapUrlResponse(Buffer.from(JSON.stringify(v)), false);

describe('response mapping', () => {
  it('lets single-value headers replace multi-value ones, stringifies scalars and drops framing headers', () => {
    const r = map({ statusCode: 200, multiValueHeaders: { 'X-A': ['1', '2'], 'X-B': ['3', 4] }, headers: { 'x-a': 'only', 'X-N': 5, 'Content-Length': '999', 'X-Obj': { no: 1 } } });
    assert.deepEqual(r.headers, { 'x-a': 'only', 'x-b': ['3', '4'], 'x-n': '5', 'content-type': 'application/json' });
  });

  it('sends a non-string body as JSON, a missing body as nothing, and a numeric-string status as a status', () => {
    assert.equal(map({ statusCode: 200, body: { a: 1 } }).body.toString(), '{"a":1}');
    assert.equal(map({ statusCode: 204 }).body.length, 0);
    assert.equal(map({ statusCode: '418', body: 'tea' }).status, 418);
    assert.equal(map({ statusCode: 99 }).status, 502);
  });

  it('sends JSON without statusCode (arrays, numbers, null) as 200 application/json, and non-JSON bytes unchanged', () => {
    for (const v of [[1, 2], 42, null, { statusText: 'x' }]) {
      const r = map(v);
      assert.equal(r.status, 200);
      assert.equal(r.body.toString(), JSON.stringify(v));
    }
    const raw = mapUrlResponse(Buffer.from('plain <text>'), false);
    assert.equal(raw.status, 200);
    assert.equal(raw.body.toString(), 'plain <text>');
  });

  it('answers a function error with 502 Internal Server Error whatever the function returned', () => {
    const r = mapUrlResponse(Buffer.from('{"errorType":"Error","errorMessage":"boom"}'), true);
    assert.equal(r.status, 502);
    assert.equal(r.body.toString(), 'Internal Server Error');
  });
});

describe('event pieces', () => {
  it('joins repeated query keys with commas and decodes values', () => {
    assert.deepEqual(queryParameters('a=1&a=2&b=x%20y&c'), { a: '1,2', b: 'x y', c: '' });
    assert.equal(queryParameters(''), undefined);
  });

  it('writes the request time as API Gateway does', () => {
    assert.equal(clfTime(Date.UTC(2026, 10, 26, 22, 10, 0)), '26/Nov/2026:22:10:00 +0000');
    assert.equal(clfTime(Date.UTC(2020, 2, 2, 3, 4, 5)), '02/Mar/2020:03:04:05 +0000');
  });

  it('treats only text/* and application/json as text', () => {
    assert.equal(isTextBody('text/html; charset=utf-8'), true);
    assert.equal(isTextBody('Application/JSON'), true);
    for (const t of [undefined, 'application/octet-stream', 'application/x-www-form-urlencoded', 'application/xml', 'image/png']) assert.equal(isTextBody(t), false, String(t));
  });
});

describe('CORS matching', () => {
  it('matches origins case-insensitively, answers * with * unless credentials are allowed', () => {
    assert.equal(allowedOrigin({ allowOrigins: ['https://A.example'] }, 'https://a.example'), 'https://a.example');
    assert.equal(allowedOrigin({ allowOrigins: ['https://a.example'] }, 'https://b.example'), undefined);
    assert.equal(allowedOrigin({ allowOrigins: ['*'] }, 'https://b.example'), '*');
    assert.equal(allowedOrigin({ allowOrigins: ['*'], allowCredentials: true }, 'https://b.example'), 'https://b.example');
    assert.equal(allowedOrigin({ allowOrigins: ['*'] }, undefined), undefined);
  });

  it('replaces the function’s CORS headers and adds Origin to Vary', () => {
    const h: Record<string, string | string[]> = { 'access-control-allow-origin': 'https://evil', 'access-control-max-age': '1', vary: 'Accept' };
    decorate({ allowOrigins: ['https://a.example'], exposeHeaders: ['x-e'] }, 'https://a.example', h);
    assert.deepEqual(h, { 'access-control-allow-origin': 'https://a.example', 'access-control-expose-headers': 'x-e', vary: 'Accept, Origin' });
  });
});

describe('serving, with a small fake invoke service', () => {
  const ID = 'abcdefghijklmnopqrstuvwxyz234567';
  /** A gateway that serves one public URL whose invocations fail with `err`. */
  async function serveFailing(err: unknown): Promise<{ status: number; body: string }> {
    const deps = {
      urls: { byId: (id: string) => (id === ID ? { functionName: 'f', qualifier: '', urlId: ID, authType: 'NONE', invokeMode: 'BUFFERED', creationTime: 0, lastModifiedTime: 0 } : undefined) },
      policies: { allowsPublicUrl: () => true },
      invoke: { invoke: async () => Promise.reject(err) },
      clock: systemClock, region: 'us-east-1', accountId: '000000000000', logError: () => undefined,
    } as unknown as FunctionUrlDeps;
    const server = createServer((req, res) => {
      const target = matchFunctionUrl(req.headers.host, req.url!, 'us-east-1')!;
      void serveFunctionUrl(deps, req, res, target, req.url!, '');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/_stratus/url/${ID}/`);
      return { status: res.status, body: await res.text() };
    } finally {
      server.close();
    }
  }

  it('answers a throttled invocation with 429 Rate Exceeded., as AWS documents for URLs', async () => {
    const r = await serveFailing(new StratusError('TooManyRequestsException', 'Rate Exceeded.', { Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' }));
    assert.deepEqual(r, { status: 429, body: '{"Message":"Rate Exceeded."}' });
  });

  it('passes a platform refusal through with its status, and hides an unexpected failure behind a 500', async () => {
    assert.deepEqual(await serveFailing(new StratusError('ResourceConflictException', 'The operation cannot be performed at this time.')), {
      status: 409, body: '{"Message":"The operation cannot be performed at this time."}',
    });
    assert.deepEqual(await serveFailing(new Error('secret detail')), { status: 500, body: '{"Message":"Internal Server Error"}' });
  });

  it('matches the Host form on any port and only in its own region, and the path form', () => {
    assert.deepEqual(matchFunctionUrl(`${ID}.lambda-url.us-east-1.localhost:9`, '/a', 'us-east-1'), { urlId: ID, path: '/a' });
    assert.deepEqual(matchFunctionUrl(`${ID.toUpperCase()}.LAMBDA-URL.us-east-1.localhost`, '/', 'us-east-1'), { urlId: ID, path: '/' });
    assert.equal(matchFunctionUrl(`${ID}.lambda-url.eu-west-1.localhost:9`, '/a', 'us-east-1'), undefined);
    assert.deepEqual(matchFunctionUrl('127.0.0.1:9', `/_stratus/url/${ID}`, 'us-east-1'), { urlId: ID, path: '/' });
    assert.deepEqual(matchFunctionUrl('127.0.0.1:9', `/_stratus/url/${ID}/x/y`, 'us-east-1'), { urlId: ID, path: '/x/y' });
    assert.equal(matchFunctionUrl('127.0.0.1:9', '/2015-03-31/functions', 'us-east-1'), undefined);
  });
});

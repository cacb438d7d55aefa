/** Function URLs and resource policies: the API through the real SDK, and real HTTP requests through the URLs. */
import {
  AddPermissionCommand, CreateAliasCommand, CreateFunctionUrlConfigCommand, DeleteAliasCommand, PublishVersionCommand, UpdateFunctionCodeCommand,
  waitUntilFunctionUpdatedV2, DeleteFunctionCommand, DeleteFunctionUrlConfigCommand, GetFunctionUrlConfigCommand,
  GetPolicyCommand, ListFunctionUrlConfigsCommand, RemovePermissionCommand, UpdateFunctionUrlConfigCommand,
} from '@aws-sdk/client-lambda';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { before, describe, it } from 'node:test';
import { loadConfig } from '../src/config/config.js';
import { startPlatform } from '../src/platform.js';
import { allowPublicUrl, deploy } from './helpers/functions.js';
import { makeZip } from './helpers/zip.js';
import { clientFor, startTestServer, tempDir, type TestServer } from './helpers/server.js';

let s: TestServer;
const ARN = (name: string, q?: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}${q ? `:${q}` : ''}`;

const ECHO = 'exports.handler = async (e) => e;';
const RESPONDER = `
exports.handler = async (e) => {
  switch (e.rawPath) {
    case '/object': return { statusCode: 201, headers: { 'X-Custom': 'a', 'Content-Type': 'text/plain' }, multiValueHeaders: { 'x-multi': ['1', '2'] },
      cookies: ['a=1; Path=/', 'b=2; HttpOnly'], body: 'made' };
    case '/json': return { hello: 'world' };
    case '/string': return 'just text';
    case '/binary': return { statusCode: 200, headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from([0, 1, 2, 255]).toString('base64'), isBase64Encoded: true };
    case '/error': throw new Error('boom');
    case '/bad-status': return { statusCode: 'nope', body: 'x' };
    case '/cors': return { statusCode: 200, headers: { 'access-control-allow-origin': 'https://evil.example' }, body: 'x' };
    default: return { statusCode: 404, body: 'no route' };
  }
};`;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
  json: any;
}

/** A request through the Host form: `<id>.lambda-url.<region>.localhost:<port>`, sent to 127.0.0.1 (node's resolver may not map *.localhost). */
function viaHost(functionUrl: string, path: string, opts: { method?: string; headers?: Record<string, string | string[]>; body?: Buffer | string } = {}): Promise<Reply> {
  const u = new URL(functionUrl);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: u.port, path, method: opts.method ?? 'GET', headers: { host: u.host, ...opts.headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        const text = body.toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode!, headers: res.headers, body, text, json });
      });
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** The path form: `http://127.0.0.1:<port>/_stratus/url/<id>/<path>`. */
const pathUrl = (functionUrl: string, path: string) => {
  const u = new URL(functionUrl);
  return `http://127.0.0.1:${u.port}/_stratus/url/${u.hostname.split('.')[0]}${path}`;
};

async function publicUrl(name: string, extra: Record<string, unknown> = {}): Promise<string> {
  const out = await s.client.send(new CreateFunctionUrlConfigCommand({ FunctionName: name, AuthType: 'NONE', ...extra }));
  await allowPublicUrl(s.client, name);
  return out.FunctionUrl!;
}

const FORBIDDEN = 'Forbidden. For troubleshooting Function URL authorization issues, see: https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html';

const rejectsWith = (p: Promise<unknown>, name: string, status: number, message: string) =>
  assert.rejects(p, (e: any) => {
    assert.equal(e.name, name);
    assert.equal(e.$metadata.httpStatusCode, status);
    assert.equal(e.message, message);
    return true;
  });

before(async () => {
  s = await startTestServer();
  await deploy(s.client, 'echo', { 'index.js': ECHO });
  await deploy(s.client, 'responder', { 'index.js': RESPONDER });
});

describe('function URL configs (API)', () => {
  it('creates, gets, updates, lists and deletes a URL config in AWS shape', async () => {
    await deploy(s.client, 'cfg', { 'index.js': ECHO });
    const created = await s.client.send(new CreateFunctionUrlConfigCommand({
      FunctionName: 'cfg', AuthType: 'AWS_IAM', Cors: { AllowOrigins: ['https://a.example'], MaxAge: 60 },
    }));
    assert.equal(created.$metadata.httpStatusCode, 201);
    const port = new URL(s.url).port;
    assert.match(created.FunctionUrl!, new RegExp(`^http://[a-z2-7]{32}\\.lambda-url\\.us-east-1\\.localhost:${port}/$`));
    assert.equal(created.FunctionArn, ARN('cfg'));
    assert.equal(created.AuthType, 'AWS_IAM');
    assert.equal(created.InvokeMode, undefined, 'Create echoes InvokeMode only when it was given (AWS)');
    assert.deepEqual(created.Cors, { AllowOrigins: ['https://a.example'], MaxAge: 60 });
    assert.match(created.CreationTime!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    const got = await s.client.send(new GetFunctionUrlConfigCommand({ FunctionName: 'cfg' }));
    assert.equal(got.FunctionUrl, created.FunctionUrl);
    assert.match(got.LastModifiedTime!, /^\d{4}-\d\d-\d\dT/);
    assert.equal(got.InvokeMode, 'BUFFERED');

    const upd = await s.client.send(new UpdateFunctionUrlConfigCommand({ FunctionName: 'cfg', AuthType: 'NONE', InvokeMode: 'RESPONSE_STREAM' }));
    assert.equal(upd.AuthType, 'NONE');
    assert.equal(upd.InvokeMode, 'RESPONSE_STREAM');
    assert.deepEqual(upd.Cors, { AllowOrigins: ['https://a.example'], MaxAge: 60 }, 'Cors absent from an update keeps it');
    assert.equal(upd.FunctionUrl, created.FunctionUrl, 'the URL never changes');
    assert.equal((await s.client.send(new UpdateFunctionUrlConfigCommand({ FunctionName: 'cfg', AuthType: 'NONE' }))).InvokeMode, undefined);

    const list = await s.client.send(new ListFunctionUrlConfigsCommand({ FunctionName: 'cfg' }));
    assert.equal(list.FunctionUrlConfigs!.length, 1);
    assert.equal(list.FunctionUrlConfigs![0]!.FunctionUrl, created.FunctionUrl);

    await s.client.send(new DeleteFunctionUrlConfigCommand({ FunctionName: 'cfg' }));
    await rejectsWith(s.client.send(new GetFunctionUrlConfigCommand({ FunctionName: 'cfg' })), 'ResourceNotFoundException', 404, 'The resource you requested does not exist.');
    await rejectsWith(s.client.send(new DeleteFunctionUrlConfigCommand({ FunctionName: 'cfg' })), 'ResourceNotFoundException', 404, 'The resource you requested does not exist.');
    const again = await s.client.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'cfg', AuthType: 'NONE' }));
    assert.notEqual(again.FunctionUrl, created.FunctionUrl, 'a new URL config gets a new id');
  });

  it('answers with AWS’s errors and texts', async () => {
    await deploy(s.client, 'cfg-errors', { 'index.js': ECHO });
    await s.client.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'cfg-errors', AuthType: 'NONE' }));
    await rejectsWith(
      s.client.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'cfg-errors', AuthType: 'NONE' })),
      'ResourceConflictException', 409,
      `Failed to create function url config for [functionArn = ${ARN('cfg-errors')}]. Error message:  FunctionUrlConfig exists for this Lambda function`,
    );
    await rejectsWith(s.client.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'nope', AuthType: 'NONE' })), 'ResourceNotFoundException', 404, 'Function does not exist');
    await rejectsWith(s.client.send(new UpdateFunctionUrlConfigCommand({ FunctionName: 'nope', AuthType: 'NONE' })), 'ResourceNotFoundException', 404, 'Function does not exist');
    await rejectsWith(s.client.send(new GetFunctionUrlConfigCommand({ FunctionName: 'nope' })), 'ResourceNotFoundException', 404, 'The resource you requested does not exist.');
    const pattern = '((?!^\\d+$)^[0-9a-zA-Z-_]+$)';
    for (const q of ['1', '$LATEST']) {
      await rejectsWith(
        s.client.send(new GetFunctionUrlConfigCommand({ FunctionName: 'cfg-errors', Qualifier: q })), 'ValidationException', 400,
        `1 validation error detected: Value '${q}' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: ${pattern}`,
      );
    }
    await rejectsWith(
      s.client.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'cfg-errors', AuthType: 'OPEN' as any })), 'ValidationException', 400,
      "1 validation error detected: Value 'OPEN' at 'authType' failed to satisfy constraint: Member must satisfy enum value set: [AWS_IAM, NONE]",
    );
    await rejectsWith(
      s.client.send(new UpdateFunctionUrlConfigCommand({ FunctionName: 'cfg-errors', Cors: { MaxAge: 86401, AllowMethods: ['GET', 'PUT', 'POST', 'HEAD', 'PATCH', 'DELETE', '*'] } })),
      'ValidationException', 400,
      '2 validation errors detected: Value \'[GET, PUT, POST, HEAD, PATCH, DELETE, *]\' at \'cors.allowMethods\' failed to satisfy constraint: Member must have length less than or equal to 6; ' +
        "Value '86401' at 'cors.maxAge' failed to satisfy constraint: Member must have value less than or equal to 86400",
    );
    await rejectsWith(
      s.client.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'cfg-errors', AuthType: 'NONE', Qualifier: 'live' })),
      'ResourceNotFoundException', 404, 'Function does not exist',
    );
  });
});

describe('resource policies (API)', () => {
  it('adds, reads and removes statements in AWS’s shape', async () => {
    await deploy(s.client, 'pol', { 'index.js': ECHO });
    await rejectsWith(s.client.send(new GetPolicyCommand({ FunctionName: 'pol' })), 'ResourceNotFoundException', 404, 'The resource you requested does not exist.');
    await rejectsWith(s.client.send(new RemovePermissionCommand({ FunctionName: 'pol', StatementId: 'x' })), 'ResourceNotFoundException', 404, 'No policy is associated with the given resource.');

    const a = await s.client.send(new AddPermissionCommand({
      FunctionName: 'pol', StatementId: 's3', Action: 'lambda:InvokeFunction', Principal: 's3.amazonaws.com',
      SourceArn: 'arn:aws:s3:::my-bucket', SourceAccount: '123456789012',
    }));
    assert.equal(a.$metadata.httpStatusCode, 201);
    assert.deepEqual(JSON.parse(a.Statement!), {
      Sid: 's3', Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' }, Action: 'lambda:InvokeFunction', Resource: ARN('pol'),
      Condition: { StringEquals: { 'AWS:SourceAccount': '123456789012' }, ArnLike: { 'AWS:SourceArn': 'arn:aws:s3:::my-bucket' } },
    });
    const b = await s.client.send(new AddPermissionCommand({ FunctionName: 'pol', StatementId: 'acct', Action: 'lambda:InvokeFunction', Principal: '111122223333' }));
    assert.deepEqual(JSON.parse(b.Statement!).Principal, { AWS: 'arn:aws:iam::111122223333:root' });
    const c = await s.client.send(new AddPermissionCommand({ FunctionName: 'pol', StatementId: 'url', Action: 'lambda:InvokeFunctionUrl', Principal: '*', FunctionUrlAuthType: 'NONE' }));
    assert.deepEqual(JSON.parse(c.Statement!), {
      Sid: 'url', Effect: 'Allow', Principal: '*', Action: 'lambda:InvokeFunctionUrl', Resource: ARN('pol'),
      Condition: { StringEquals: { 'lambda:FunctionUrlAuthType': 'NONE' } },
    });
    // The October 2025 condition: InvokeFunction only through a function URL.
    const d = await s.client.send(new AddPermissionCommand({ FunctionName: 'pol', StatementId: 'via-url', Action: 'lambda:InvokeFunction', Principal: '*', InvokedViaFunctionUrl: true }));
    assert.deepEqual(JSON.parse(d.Statement!), {
      Sid: 'via-url', Effect: 'Allow', Principal: '*', Action: 'lambda:InvokeFunction', Resource: ARN('pol'),
      Condition: { Bool: { 'lambda:InvokedViaFunctionUrl': 'true' } },
    });

    const p = await s.client.send(new GetPolicyCommand({ FunctionName: 'pol' }));
    const doc = JSON.parse(p.Policy!);
    assert.equal(doc.Version, '2012-10-17');
    assert.equal(doc.Id, 'default');
    assert.deepEqual(doc.Statement.map((x: any) => x.Sid), ['s3', 'acct', 'url', 'via-url']);
    assert.match(p.RevisionId!, /^[0-9a-f-]{36}$/);

    await rejectsWith(
      s.client.send(new AddPermissionCommand({ FunctionName: 'pol', StatementId: 's3', Action: 'lambda:InvokeFunction', Principal: '*' })),
      'ResourceConflictException', 409, 'The statement id (s3) provided already exists. Please provide a new statement id, or remove the existing statement.',
    );
    await rejectsWith(
      s.client.send(new AddPermissionCommand({ FunctionName: 'pol', StatementId: 'n', Action: 'lambda:InvokeFunction', Principal: '*', RevisionId: 'stale' })),
      'PreconditionFailedException', 412, 'The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id',
    );
    await rejectsWith(
      s.client.send(new RemovePermissionCommand({ FunctionName: 'pol', StatementId: 'acct', RevisionId: 'stale' })),
      'PreconditionFailedException', 412, 'The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id',
    );
    await rejectsWith(s.client.send(new RemovePermissionCommand({ FunctionName: 'pol', StatementId: 'ghost' })), 'ResourceNotFoundException', 404, 'Statement ghost is not found in resource policy.');
    await s.client.send(new RemovePermissionCommand({ FunctionName: 'pol', StatementId: 'acct', RevisionId: p.RevisionId }));
    const after = JSON.parse((await s.client.send(new GetPolicyCommand({ FunctionName: 'pol' }))).Policy!);
    assert.deepEqual(after.Statement.map((x: any) => x.Sid), ['s3', 'url', 'via-url']);
    await s.client.send(new RemovePermissionCommand({ FunctionName: 'pol', StatementId: 's3' }));
    await s.client.send(new RemovePermissionCommand({ FunctionName: 'pol', StatementId: 'url' }));
    await s.client.send(new RemovePermissionCommand({ FunctionName: 'pol', StatementId: 'via-url' }));
    await rejectsWith(s.client.send(new GetPolicyCommand({ FunctionName: 'pol' })), 'ResourceNotFoundException', 404, 'The resource you requested does not exist.');
  });

  it('refuses $LATEST, bad principals, bad input and missing functions with AWS’s texts', async () => {
    await deploy(s.client, 'pol-errors', { 'index.js': ECHO });
    await rejectsWith(
      s.client.send(new AddPermissionCommand({ FunctionName: 'pol-errors', Qualifier: '$LATEST', StatementId: 'x', Action: 'lambda:InvokeFunction', Principal: '*' })),
      'InvalidParameterValueException', 400, 'We currently do not support adding policies for $LATEST.',
    );
    await rejectsWith(
      s.client.send(new AddPermissionCommand({ FunctionName: 'pol-errors', StatementId: 'x', Action: 'lambda:InvokeFunction', Principal: 'not-a-principal' })),
      'InvalidParameterValueException', 400, 'The provided principal was invalid. Please check the principal and try again.',
    );
    // A dot is for the namespaced ids AWS services add; AddPermission refuses it.
    for (const sid of ['bad id!', 'example.com']) {
      await rejectsWith(
        s.client.send(new AddPermissionCommand({ FunctionName: 'pol-errors', StatementId: sid, Action: 'lambda:InvokeFunction', Principal: '*' })),
        'ValidationException', 400,
        `1 validation error detected: Value '${sid}' at 'statementId' failed to satisfy constraint: Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)`,
      );
    }
    await rejectsWith(
      s.client.send(new AddPermissionCommand({ FunctionName: 'pol-errors', Qualifier: 'invalid-qualifier-with-?-char', StatementId: 'x', Action: 'lambda:InvokeFunction', Principal: '*' })),
      'ValidationException', 400,
      "1 validation error detected: Value 'invalid-qualifier-with-?-char' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: \\$(LATEST(\\.PUBLISHED)?)|[a-zA-Z0-9-_$]+",
    );
    // No alias can hold a `$`: such a qualifier is a missing version, not a missing alias.
    await rejectsWith(
      s.client.send(new AddPermissionCommand({ FunctionName: 'pol-errors', Qualifier: 'valid-with-$-but-doesnotexist', StatementId: 'x', Action: 'lambda:InvokeFunction', Principal: '*' })),
      'ResourceNotFoundException', 404, `Function not found: ${ARN('pol-errors', 'valid-with-$-but-doesnotexist')}`,
    );
    await rejectsWith(
      s.client.send(new AddPermissionCommand({ FunctionName: 'pol-errors', Qualifier: 'alias-doesnotexist', StatementId: 'x', Action: 'lambda:InvokeFunction', Principal: '*' })),
      'ResourceNotFoundException', 404, `Cannot find alias arn: ${ARN('pol-errors', 'alias-doesnotexist')}`,
    );
    // Each function-URL condition belongs to one action.
    await rejectsWith(
      s.client.send(new AddPermissionCommand({ FunctionName: 'pol-errors', StatementId: 'x', Action: 'lambda:InvokeFunction', Principal: '*', FunctionUrlAuthType: 'NONE' })),
      'InvalidParameterValueException', 400, 'FunctionUrlAuthType is only supported for lambda:InvokeFunctionUrl action',
    );
    await rejectsWith(
      s.client.send(new AddPermissionCommand({ FunctionName: 'pol-errors', StatementId: 'x', Action: 'lambda:InvokeFunctionUrl', Principal: '*', InvokedViaFunctionUrl: true })),
      'InvalidParameterValueException', 400, 'InvokedViaFunctionUrl is only supported for lambda:InvokeFunction action',
    );
    await rejectsWith(
      s.client.send(new AddPermissionCommand({ FunctionName: 'nope', StatementId: 'x', Action: 'lambda:InvokeFunction', Principal: '*' })),
      'ResourceNotFoundException', 404, `Function not found: ${ARN('nope')}`,
    );
    await rejectsWith(s.client.send(new GetPolicyCommand({ FunctionName: 'nope' })), 'ResourceNotFoundException', 404, 'The resource you requested does not exist.');
    await rejectsWith(s.client.send(new RemovePermissionCommand({ FunctionName: 'nope', StatementId: 'x' })), 'ResourceNotFoundException', 404, `No policy found for: ${ARN('nope')}`);
    await rejectsWith(s.client.send(new RemovePermissionCommand({ FunctionName: 'pol-errors', StatementId: 'x' })), 'ResourceNotFoundException', 404, 'No policy is associated with the given resource.');
  });

  it('refuses a policy over 20 KB with PolicyLengthExceededException', async () => {
    await deploy(s.client, 'pol-big', { 'index.js': ECHO });
    const add = (i: number) => s.client.send(new AddPermissionCommand({
      FunctionName: 'pol-big', StatementId: `s${i}`, Action: 'lambda:InvokeFunction', Principal: 'sns.amazonaws.com',
      SourceArn: `arn:aws:sns:us-east-1:123456789012:${'t'.repeat(4000)}${i}`,
    }));
    for (let i = 0; i < 4; i++) await add(i);
    await assert.rejects(add(4), (e: any) => e.name === 'PolicyLengthExceededException' && /^The final policy size \(\d+\) is bigger than the limit \(20480\)\.$/.test(e.message));
    assert.equal(JSON.parse((await s.client.send(new GetPolicyCommand({ FunctionName: 'pol-big' }))).Policy!).Statement.length, 4);
  });
});

describe('serving a URL', () => {
  it('refuses a NONE URL without both public permissions (AWS’s 403), then serves it once they are added', async () => {
    await deploy(s.client, 'gated', { 'index.js': ECHO });
    const { FunctionUrl } = await s.client.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'gated', AuthType: 'NONE' }));
    let r = await viaHost(FunctionUrl!, '/');
    assert.equal(r.status, 403);
    assert.equal(r.headers['x-amzn-errortype'], 'AccessDeniedException');
    assert.deepEqual(r.json, { Message: FORBIDDEN });
    // A permission for someone else (or with a condition a URL request cannot meet) does not open it.
    await s.client.send(new AddPermissionCommand({ FunctionName: 'gated', StatementId: 'other', Action: 'lambda:InvokeFunctionUrl', Principal: '111122223333' }));
    await s.client.send(new AddPermissionCommand({ FunctionName: 'gated', StatementId: 'iam-only', Action: 'lambda:InvokeFunctionUrl', Principal: '*', FunctionUrlAuthType: 'AWS_IAM' }));
    assert.equal((await viaHost(FunctionUrl!, '/')).status, 403);
    // Since October 2025 the InvokeFunctionUrl grant alone is not enough: InvokeFunction (through the URL) too.
    await s.client.send(new AddPermissionCommand({ FunctionName: 'gated', StatementId: 'public', Action: 'lambda:InvokeFunctionUrl', Principal: '*', FunctionUrlAuthType: 'NONE' }));
    assert.equal((await viaHost(FunctionUrl!, '/')).status, 403);
    await s.client.send(new AddPermissionCommand({ FunctionName: 'gated', StatementId: 'via-url', Action: 'lambda:InvokeFunction', Principal: '*', InvokedViaFunctionUrl: true }));
    r = await viaHost(FunctionUrl!, '/');
    assert.equal(r.status, 200);
    assert.equal(r.json.requestContext.accountId, 'anonymous');
    await s.client.send(new RemovePermissionCommand({ FunctionName: 'gated', StatementId: 'public' }));
    assert.equal((await viaHost(FunctionUrl!, '/')).status, 403);
    // One statement for every action (lambda:*) opens it too.
    await s.client.send(new AddPermissionCommand({ FunctionName: 'gated', StatementId: 'all', Action: 'lambda:*', Principal: '*' }));
    assert.equal((await viaHost(FunctionUrl!, '/')).status, 200);
  });

  it('hands the function AWS’s payload 2.0 event (Host form): path, query, repeated headers, cookies, JSON body', async () => {
    const url = await publicUrl('echo');
    const id = new URL(url).hostname.split('.')[0]!;
    const before = Date.now();
    const r = await viaHost(url, '/a/b%20c?x=1&x=2&y=z%21&flag', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Rep': ['one', 'two'], Cookie: 'a=1; b=2', 'User-Agent': 'test-agent/1' },
      body: '{"k":1}',
    });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/json');
    const e = r.json;
    assert.equal(e.version, '2.0');
    assert.equal(e.routeKey, '$default');
    assert.equal(e.rawPath, '/a/b%20c');
    assert.equal(e.rawQueryString, 'x=1&x=2&y=z%21&flag');
    assert.deepEqual(e.queryStringParameters, { x: '1,2', y: 'z!', flag: '' });
    assert.deepEqual(e.cookies, ['a=1', 'b=2']);
    assert.equal(e.headers['x-rep'], 'one,two');
    assert.equal(e.headers['content-type'], 'application/json');
    assert.equal(e.headers.cookie, undefined, 'cookies move to the cookies member');
    assert.equal(e.headers.connection, undefined, 'hop-by-hop headers are not passed on');
    assert.equal(e.headers.host, new URL(url).host);
    assert.equal(e.body, '{"k":1}');
    assert.equal(e.isBase64Encoded, false);
    const rc = e.requestContext;
    assert.equal(rc.accountId, 'anonymous');
    assert.equal(rc.apiId, id);
    assert.equal(rc.domainName, `${id}.lambda-url.us-east-1.localhost`);
    assert.equal(rc.domainPrefix, id);
    assert.deepEqual(rc.http, { method: 'POST', path: '/a/b%20c', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test-agent/1' });
    assert.match(rc.requestId, /^[0-9a-f-]{36}$/);
    assert.equal(r.headers['x-amzn-requestid'], rc.requestId);
    assert.equal(rc.routeKey, '$default');
    assert.equal(rc.stage, '$default');
    assert.ok(rc.timeEpoch >= before && rc.timeEpoch <= Date.now());
    assert.match(rc.time, /^\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000$/);
    assert.equal(rc.authorizer, undefined);
  });

  it('serves the path form, base64-encodes binary bodies and omits what is absent', async () => {
    const url = (await s.client.send(new GetFunctionUrlConfigCommand({ FunctionName: 'echo' }))).FunctionUrl!;
    const bytes = Buffer.from([0, 1, 2, 250, 251, 255]);
    let res = await fetch(pathUrl(url, '/up'), { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: bytes });
    assert.equal(res.status, 200);
    let e = await res.json();
    assert.equal(e.rawPath, '/up');
    assert.equal(e.isBase64Encoded, true);
    assert.deepEqual(Buffer.from(e.body, 'base64'), bytes);
    assert.equal(e.requestContext.http.method, 'PUT');

    res = await fetch(pathUrl(url, ''));
    e = await res.json();
    assert.equal(e.rawPath, '/');
    assert.equal(e.rawQueryString, '');
    assert.equal(e.body, undefined);
    assert.equal(e.isBase64Encoded, false);
    assert.equal(e.queryStringParameters, undefined);
    assert.equal(e.cookies, undefined);

    // Forms are not text to a function URL: they arrive base64-encoded too.
    res = await fetch(pathUrl(url, '/form'), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1&b=2' });
    e = await res.json();
    assert.equal(e.isBase64Encoded, true);
    assert.equal(Buffer.from(e.body, 'base64').toString(), 'a=1&b=2');
    res = await fetch(pathUrl(url, '/t'), { method: 'POST', headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'héllo' });
    e = await res.json();
    assert.equal(e.isBase64Encoded, false);
    assert.equal(e.body, 'héllo');
  });

  it('maps the function’s answer to the HTTP response as AWS does', async () => {
    const url = await publicUrl('responder');
    let r = await viaHost(url, '/object');
    assert.equal(r.status, 201);
    assert.equal(r.text, 'made');
    assert.equal(r.headers['content-type'], 'text/plain');
    assert.equal(r.headers['x-custom'], 'a');
    assert.equal(r.headers['x-multi'], '1, 2');
    assert.deepEqual(r.headers['set-cookie'], ['a=1; Path=/', 'b=2; HttpOnly']);

    r = await viaHost(url, '/json');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/json');
    assert.deepEqual(r.json, { hello: 'world' });

    r = await viaHost(url, '/string');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(r.text, 'just text', 'a string result is sent as its text, without quotes (AWS: "hello" gives content-length 5)');
    assert.equal(r.headers['content-length'], '9');

    r = await viaHost(url, '/binary');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/octet-stream');
    assert.deepEqual(r.body, Buffer.from([0, 1, 2, 255]));

    r = await viaHost(url, '/error');
    assert.equal(r.status, 502);
    assert.equal(r.text, 'Internal Server Error');

    r = await viaHost(url, '/bad-status');
    assert.equal(r.status, 502);

    r = await viaHost(url, '/missing');
    assert.equal(r.status, 404);
    assert.equal(r.text, 'no route');

    r = await viaHost(url, '/object', { method: 'HEAD' });
    assert.equal(r.status, 201);
    assert.equal(r.body.length, 0);
  });

  it('reports a function timeout as 502 and refuses a body over 6 MB with 413', async () => {
    await deploy(s.client, 'slow', { 'index.js': 'exports.handler = () => new Promise((r) => setTimeout(r, 5000));' }, { Timeout: 1 });
    const url = await publicUrl('slow');
    const r = await viaHost(url, '/');
    assert.equal(r.status, 502);
    assert.equal(r.text, 'Internal Server Error');

    const big = await viaHost(url, '/', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: Buffer.alloc(6_291_457, 'a') });
    assert.equal(big.status, 413);
    assert.deepEqual(big.json, { Message: 'Request must be smaller than 6291456 bytes for the InvokeFunction operation' });
  });

  it('answers an unknown URL id in either form as AWS does: 403, AccessDeniedException, a null message', async () => {
    const unknown = `http://${'a'.repeat(32)}.lambda-url.us-east-1.localhost:${new URL(s.url).port}/`;
    const r = await viaHost(unknown, '/');
    assert.equal(r.status, 403);
    assert.equal(r.headers['x-amzn-errortype'], 'AccessDeniedException');
    assert.equal(r.text, '{"Message":null}');
    const res = await fetch(pathUrl(unknown, '/'));
    assert.equal(res.status, 403);
    assert.equal(await res.text(), '{"Message":null}');
  });
});

describe('CORS', () => {
  let url: string;
  before(async () => {
    await deploy(s.client, 'cors', { 'index.js': RESPONDER });
    url = await publicUrl('cors', {
      Cors: { AllowOrigins: ['https://app.example'], AllowMethods: ['GET', 'POST'], AllowHeaders: ['x-custom', 'content-type'], ExposeHeaders: ['x-custom'], MaxAge: 300, AllowCredentials: true },
    });
  });

  it('answers a preflight from the config without invoking the function', async () => {
    const r = await viaHost(url, '/object', {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'x-custom' },
    });
    assert.equal(r.status, 200);
    assert.equal(r.text, '', 'the function (which would answer 201 "made") did not run');
    assert.equal(r.headers['access-control-allow-origin'], 'https://app.example');
    assert.equal(r.headers['access-control-allow-methods'], 'GET,POST');
    assert.equal(r.headers['access-control-allow-headers'], 'x-custom,content-type');
    assert.equal(r.headers['access-control-max-age'], '300');
    assert.equal(r.headers['access-control-allow-credentials'], 'true');
  });

  it('gives a disallowed origin no CORS headers', async () => {
    const r = await viaHost(url, '/object', { method: 'OPTIONS', headers: { Origin: 'https://other.example', 'Access-Control-Request-Method': 'GET' } });
    assert.equal(r.status, 200);
    assert.equal(r.headers['access-control-allow-origin'], undefined);
  });

  it('decorates responses, the configuration winning over the function’s own CORS headers', async () => {
    let r = await viaHost(url, '/cors', { headers: { Origin: 'https://app.example' } });
    assert.equal(r.status, 200);
    assert.equal(r.headers['access-control-allow-origin'], 'https://app.example');
    assert.equal(r.headers['access-control-expose-headers'], 'x-custom');
    assert.equal(r.headers['access-control-allow-credentials'], 'true');
    r = await viaHost(url, '/object', { headers: { Origin: 'https://app.example' } });
    assert.equal(r.status, 201);
    assert.equal(r.headers['access-control-allow-origin'], 'https://app.example');
  });

  it('answers `*` origins with `*`', async () => {
    await deploy(s.client, 'cors-star', { 'index.js': ECHO });
    const star = await publicUrl('cors-star', { Cors: { AllowOrigins: ['*'], AllowMethods: ['*'] } });
    const r = await viaHost(star, '/', { method: 'OPTIONS', headers: { Origin: 'https://anything.example', 'Access-Control-Request-Method': 'DELETE' } });
    assert.equal(r.headers['access-control-allow-origin'], '*');
    assert.equal(r.headers['access-control-allow-methods'], '*');
  });
});

describe('AuthType AWS_IAM', () => {
  let url: string;
  before(async () => {
    await deploy(s.client, 'iam', { 'index.js': ECHO });
    url = (await s.client.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'iam', AuthType: 'AWS_IAM' }))).FunctionUrl!;
  });

  const signed = async (target: string, credentials: { accessKeyId: string; secretAccessKey: string }, body = '') => {
    const u = new URL(target);
    const signer = new SignatureV4({ service: 'lambda', region: 'us-east-1', credentials, sha256: Hash.bind(null, 'sha256') });
    const query = Object.fromEntries(u.searchParams);
    const req = await signer.sign({
      method: 'POST', protocol: 'http:', hostname: u.hostname, port: Number(u.port), path: u.pathname, query,
      headers: { host: u.host, 'content-type': 'application/json' }, body,
    });
    return req.headers as Record<string, string>;
  };

  it('refuses an unsigned request with 403 Forbidden', async () => {
    const r = await viaHost(url, '/');
    assert.equal(r.status, 403);
    assert.deepEqual(r.json, { Message: FORBIDDEN });
  });

  it('serves a request signed (service lambda) with a known key, through either form', async () => {
    const body = '{"signed":true}';
    const hostTarget = `${url}p?q=1`;
    let r = await viaHost(url, '/p?q=1', { method: 'POST', headers: await signed(hostTarget, s.platform.keys, body), body });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.requestContext.accountId, '000000000000');
    assert.equal(r.json.requestContext.authorizer.iam.accessKey, s.platform.keys.accessKeyId);
    assert.equal(r.json.body, body);

    const pathTarget = pathUrl(url, '/p');
    const res = await fetch(pathTarget, { method: 'POST', headers: await signed(pathTarget, s.platform.keys, body), body });
    assert.equal(res.status, 200);
    assert.equal((await res.json()).rawPath, '/p');
  });

  it('with --auth off, takes unsigned requests (there is no key lookup)', async () => {
    const open = await startPlatform(loadConfig({ port: '0', 'data-dir': tempDir(), auth: 'off' }, {}));
    try {
      const c = clientFor(open.url, { accessKeyId: 'any', secretAccessKey: 'any' });
      await deploy(c, 'open-iam', { 'index.js': ECHO });
      const u = (await c.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'open-iam', AuthType: 'AWS_IAM' }))).FunctionUrl!;
      const r = await viaHost(u, '/');
      assert.equal(r.status, 200);
      assert.equal(r.json.requestContext.accountId, '000000000000');
      c.destroy();
    } finally {
      await open.close();
    }
  });

  it('refuses a wrong secret, an unknown key and a tampered body', async () => {
    const body = '{}';
    let r = await viaHost(url, '/', { method: 'POST', headers: await signed(url, { accessKeyId: s.platform.keys.accessKeyId, secretAccessKey: 'wrong' }, body), body });
    assert.equal(r.status, 403);
    r = await viaHost(url, '/', { method: 'POST', headers: await signed(url, { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'x' }, body), body });
    assert.equal(r.status, 403);
    r = await viaHost(url, '/', { method: 'POST', headers: await signed(url, s.platform.keys, body), body: '{"x":1}' });
    assert.equal(r.status, 403);
    assert.deepEqual(r.json, { Message: FORBIDDEN });
  });
});

describe('aliases', () => {
  it('serves a URL on an alias (its version, its own policy), and deleting the alias deletes its URL and policy', async () => {
    await deploy(s.client, 'aliased', { 'index.js': 'exports.handler = async () => "v1";' });
    const v1 = await s.client.send(new PublishVersionCommand({ FunctionName: 'aliased' }));
    await s.client.send(new CreateAliasCommand({ FunctionName: 'aliased', Name: 'live', FunctionVersion: v1.Version }));
    await s.client.send(new UpdateFunctionCodeCommand({ FunctionName: 'aliased', ZipFile: await makeZip({ 'index.js': 'exports.handler = async () => "latest";' }) }));
    await waitUntilFunctionUpdatedV2({ client: s.client, maxWaitTime: 10 }, { FunctionName: 'aliased' });

    const live = await s.client.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'aliased', Qualifier: 'live', AuthType: 'NONE' }));
    assert.equal(live.FunctionArn, ARN('aliased', 'live'));
    const latest = await publicUrl('aliased');
    assert.notEqual(live.FunctionUrl, latest);
    // The unqualified function's public permission does not open the alias's URL: the alias has its own policy.
    assert.equal((await viaHost(live.FunctionUrl!, '/')).status, 403);
    await allowPublicUrl(s.client, 'aliased', 'live');
    const p = JSON.parse((await s.client.send(new GetPolicyCommand({ FunctionName: 'aliased', Qualifier: 'live' }))).Policy!);
    assert.equal(p.Statement[0].Resource, ARN('aliased', 'live'));
    assert.equal((await viaHost(live.FunctionUrl!, '/')).text, 'v1');
    assert.equal((await viaHost(latest, '/')).text, 'latest');
    const listed = await s.client.send(new ListFunctionUrlConfigsCommand({ FunctionName: 'aliased' }));
    assert.deepEqual(listed.FunctionUrlConfigs!.map((c) => c.FunctionArn).sort(), [ARN('aliased'), ARN('aliased', 'live')]);
    assert.equal((await s.client.send(new GetFunctionUrlConfigCommand({ FunctionName: `aliased:live` }))).FunctionUrl, live.FunctionUrl);

    await s.client.send(new DeleteAliasCommand({ FunctionName: 'aliased', Name: 'live' }));
    assert.equal((await viaHost(live.FunctionUrl!, '/')).status, 403);
    await s.client.send(new CreateAliasCommand({ FunctionName: 'aliased', Name: 'live', FunctionVersion: v1.Version }));
    await rejectsWith(s.client.send(new GetFunctionUrlConfigCommand({ FunctionName: 'aliased', Qualifier: 'live' })), 'ResourceNotFoundException', 404, 'The resource you requested does not exist.');
    await rejectsWith(s.client.send(new GetPolicyCommand({ FunctionName: 'aliased', Qualifier: 'live' })), 'ResourceNotFoundException', 404, 'The resource you requested does not exist.');
    assert.equal((await viaHost(latest, '/')).status, 200, 'the unqualified URL is untouched');
  });

  it('adds permissions on a published version and refuses a missing alias', async () => {
    await deploy(s.client, 'versioned', { 'index.js': ECHO });
    const v = await s.client.send(new PublishVersionCommand({ FunctionName: 'versioned' }));
    const st = await s.client.send(new AddPermissionCommand({ FunctionName: 'versioned', Qualifier: v.Version, StatementId: 'v', Action: 'lambda:InvokeFunction', Principal: '*' }));
    assert.equal(JSON.parse(st.Statement!).Resource, ARN('versioned', v.Version));
    await rejectsWith(
      s.client.send(new AddPermissionCommand({ FunctionName: 'versioned', Qualifier: 'ghost', StatementId: 'g', Action: 'lambda:InvokeFunction', Principal: '*' })),
      'ResourceNotFoundException', 404, `Cannot find alias arn: ${ARN('versioned', 'ghost')}`,
    );
    await rejectsWith(
      s.client.send(new AddPermissionCommand({ FunctionName: 'versioned', Qualifier: '9', StatementId: 'g', Action: 'lambda:InvokeFunction', Principal: '*' })),
      'ResourceNotFoundException', 404, `Function not found: ${ARN('versioned', '9')}`,
    );
    await rejectsWith(
      s.client.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'versioned', Qualifier: 'ghost', AuthType: 'NONE' })),
      'ResourceNotFoundException', 404, 'Function does not exist',
    );
  });
});

describe('lifecycle', () => {
  it('keeps URL ids across a restart, and deleting the function deletes its URLs and policies', async () => {
    await deploy(s.client, 'doomed', { 'index.js': ECHO });
    const url = await publicUrl('doomed');
    const id = new URL(url).hostname;
    await s.restart();
    const after = (await s.client.send(new GetFunctionUrlConfigCommand({ FunctionName: 'doomed' }))).FunctionUrl!;
    assert.equal(new URL(after).hostname, id);
    assert.equal(new URL(after).port, new URL(s.url).port, 'FunctionUrl names the port the server now listens on');
    assert.equal((await viaHost(after, '/')).status, 200);

    await s.client.send(new DeleteFunctionCommand({ FunctionName: 'doomed' }));
    assert.equal((await viaHost(after, '/')).status, 403);
    await deploy(s.client, 'doomed', { 'index.js': ECHO });
    await rejectsWith(s.client.send(new GetFunctionUrlConfigCommand({ FunctionName: 'doomed' })), 'ResourceNotFoundException', 404, 'The resource you requested does not exist.');
    await rejectsWith(s.client.send(new GetPolicyCommand({ FunctionName: 'doomed' })), 'ResourceNotFoundException', 404, 'The resource you requested does not exist.');
  });
});

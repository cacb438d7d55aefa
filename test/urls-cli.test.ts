/** `stratus urls` and `stratus permissions` as a user runs them: a subprocess against a real server. */
import { CreateAliasCommand, PublishVersionCommand } from '@aws-sdk/client-lambda';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { runCli } from './helpers/cli.js';
import { deploy } from './helpers/functions.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let s: TestServer;
let env: Record<string, string>;

before(async () => {
  s = await startTestServer();
  env = { STRATUS_ENDPOINT: s.url, STRATUS_DATA_DIR: s.dataDir };
  await deploy(s.client, 'web', { 'index.js': 'exports.handler = async (e) => ({ statusCode: 200, body: "hi from " + e.rawPath });' });
});

describe('stratus urls', () => {
  it('creates a public URL (adding the console’s two permissions), prints it so it can be called, lists, gets and deletes it', async () => {
    const created = await runCli(['urls', 'create', 'web', '--auth', 'none', '--cors-origin', 'https://app.example', '--cors-max-age', '60'], env);
    assert.equal(created.code, 0, created.stderr);
    const m = /^✔ created a function URL for web \(auth NONE: public\)\n  (http:\/\/[a-z2-7]{32}\.lambda-url\.us-east-1\.localhost:\d+\/)\n  path form \(any client\): (http:\/\/127\.0\.0\.1:\d+\/_stratus\/url\/[a-z2-7]{32}\/)\n  try: curl http/.exec(created.stdout);
    assert.ok(m, created.stdout);
    const res = await fetch(`${m[2]}hello`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'hi from /hello');

    const perms = await runCli(['permissions', 'list', 'web'], env);
    assert.equal(perms.code, 0, perms.stderr);
    assert.match(perms.stdout, /^SID\s+PRINCIPAL\s+ACTION\s+CONDITION\nFunctionURLAllowPublicAccess\s+\*\s+lambda:InvokeFunctionUrl\s+\{"StringEquals":\{"lambda:FunctionUrlAuthType":"NONE"\}\}\nFunctionURLInvokeAllowPublicAccess\s+\*\s+lambda:InvokeFunction\s+\{"Bool":\{"lambda:InvokedViaFunctionUrl":"true"\}\}/);

    const list = await runCli(['urls', 'list'], env);
    assert.match(list.stdout, new RegExp(`^FUNCTION\\s+AUTH\\s+URL\\nweb\\s+NONE\\s+${m[1]!.replace(/\./g, '\\.')}`));
    const got = JSON.parse((await runCli(['urls', 'get', 'web', '--json'], env)).stdout);
    assert.equal(got.FunctionUrl, m[1]);
    assert.deepEqual(got.Cors, { AllowOrigins: ['https://app.example'], MaxAge: 60 });

    const again = await runCli(['urls', 'create', 'web'], env);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /ResourceConflictException, HTTP 409\)\n  Failed to create function url config[^\n]*\n  → the function already has a URL: see it with `stratus urls get <function>`/);

    const del = await runCli(['urls', 'delete', 'web'], env);
    assert.equal(del.code, 0, del.stderr);
    assert.match(del.stdout, /^✔ deleted the function URL of web/);
    assert.equal((await fetch(`${m[2]}hello`)).status, 403);
  });

  it('creates a public URL on an alias, with the permission on the alias', async () => {
    await deploy(s.client, 'web-alias', { 'index.js': 'exports.handler = async () => "from v1";' });
    const v = await s.client.send(new PublishVersionCommand({ FunctionName: 'web-alias' }));
    await s.client.send(new CreateAliasCommand({ FunctionName: 'web-alias', Name: 'live', FunctionVersion: v.Version }));
    const r = await runCli(['urls', 'create', 'web-alias', '--alias', 'live', '--json'], env);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.FunctionArn, 'arn:aws:lambda:us-east-1:000000000000:function:web-alias:live');
    const u = new URL(out.FunctionUrl);
    const res = await fetch(`http://127.0.0.1:${u.port}/_stratus/url/${u.hostname.split('.')[0]}/`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'from v1');
    const perms = await runCli(['permissions', 'list', 'web-alias', '--qualifier', 'live'], env);
    assert.match(perms.stdout, /FunctionURLAllowPublicAccess[\s\S]*FunctionURLInvokeAllowPublicAccess/);
    const got = await runCli(['urls', 'get', 'web-alias', '--alias', 'live'], env);
    assert.match(got.stdout, /^URL\s+http:\/\/[a-z2-7]{32}\.lambda-url/);
  });

  it('prints a signed curl line for an IAM URL', async () => {
    await deploy(s.client, 'private', { 'index.js': 'exports.handler = async () => "secret";' });
    const r = await runCli(['urls', 'create', 'private', '--auth', 'iam'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /auth AWS_IAM: SigV4-signed requests only[\s\S]*curl --aws-sigv4 "aws:amz:us-east-1:lambda"/);
    const perms = await runCli(['permissions', 'list', 'private'], env);
    assert.match(perms.stdout, /^No resource policy on private/);
  });
});

describe('stratus permissions', () => {
  it('adds, lists (--json) and removes statements', async () => {
    const add = await runCli(['permissions', 'add', 'web', '--statement-id', 'from-s3', '--action', 'lambda:InvokeFunction', '--principal', 's3.amazonaws.com', '--source-account', '123456789012'], env);
    assert.equal(add.code, 0, add.stderr);
    assert.match(add.stdout, /^✔ added statement from-s3 to the policy of web\n {2}\{"Sid":"from-s3","Effect":"Allow","Principal":\{"Service":"s3\.amazonaws\.com"\}/);
    const list = JSON.parse((await runCli(['permissions', 'list', 'web', '--json'], env)).stdout);
    assert.deepEqual(list.Policy.Statement.map((x: { Sid: string }) => x.Sid), ['FunctionURLAllowPublicAccess', 'FunctionURLInvokeAllowPublicAccess', 'from-s3']);
    const rm = await runCli(['permissions', 'remove', 'web', 'from-s3'], env);
    assert.equal(rm.code, 0, rm.stderr);
    const missing = await runCli(['permissions', 'remove', 'web', 'from-s3'], env);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Statement from-s3 is not found in resource policy\./);
    const bad = await runCli(['permissions', 'add', 'web', '--statement-id', 'x', '--action', 'lambda:InvokeFunction'], env);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^✘ permissions add needs --principal/);
    const via = await runCli(['permissions', 'add', 'web', '--statement-id', 'via', '--action', 'lambda:InvokeFunction', '--principal', '*', '--invoked-via-function-url', '--json'], env);
    assert.equal(via.code, 0, via.stderr);
    assert.deepEqual(JSON.parse(via.stdout).Condition, { Bool: { 'lambda:InvokedViaFunctionUrl': 'true' } });
  });
});

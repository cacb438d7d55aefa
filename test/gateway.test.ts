/** The listener: SigV4 required by default, AWS-shaped errors for anything unexpected, health, one server per data dir. */
import { GetAccountSettingsCommand, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { loadConfig } from '../src/config/config.js';
import { startPlatform } from '../src/platform.js';
import { spawnSync } from 'node:child_process';
import { STRATUS } from './helpers/cli.js';
import { clientFor, startTestServer, tempDir, type TestServer } from './helpers/server.js';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});

describe('authentication', () => {
  it('accepts the root key pair and generates it into the data dir (mode 0600)', async () => {
    const out = await s.client.send(new ListFunctionsCommand({}));
    assert.ok(Array.isArray(out.Functions));
    const { statSync, readFileSync } = await import('node:fs');
    const file = `${s.dataDir}/credentials`;
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.match(readFileSync(file, 'utf8'), new RegExp(`^\\[default\\]\\naws_access_key_id = ${s.platform.keys.accessKeyId}\\naws_secret_access_key = `));
  });

  it('refuses a request with no signature: MissingAuthenticationTokenException', async () => {
    const res = await fetch(`${s.url}/2015-03-31/functions`);
    assert.equal(res.status, 403);
    assert.equal(res.headers.get('x-amzn-errortype'), 'MissingAuthenticationTokenException');
    assert.equal((await res.json()).message, 'Missing Authentication Token');
  });

  it('refuses an unknown access key: UnrecognizedClientException', async () => {
    const c = clientFor(s.url, { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'x' });
    await assert.rejects(c.send(new ListFunctionsCommand({})), (e: any) => e.name === 'UnrecognizedClientException' && e.message === 'The security token included in the request is invalid.');
  });

  it('refuses a wrong secret: InvalidSignatureException', async () => {
    const c = clientFor(s.url, { accessKeyId: s.platform.keys.accessKeyId, secretAccessKey: 'wrong' });
    await assert.rejects(c.send(new GetAccountSettingsCommand({})), (e: any) => {
      assert.equal(e.name, 'InvalidSignatureException');
      assert.equal(e.$metadata.httpStatusCode, 403);
      assert.match(e.message, /^The request signature we calculated does not match the signature you provided/);
      return true;
    });
  });

  it('refuses a request signed with a skewed clock', async () => {
    const c = clientFor(s.url, s.platform.keys);
    c.config.systemClockOffset = -20 * 60 * 1000;
    // The SDK corrects its clock from the server's Date header and retries: allow no retry to see the refusal.
    await assert.rejects(c.send(new ListFunctionsCommand({})), (e: any) => e.name === 'InvalidSignatureException' && /Signature expired/.test(e.message));
  });

  it('--auth off accepts unsigned callers', async () => {
    const open = await startPlatform(loadConfig({ port: '0', 'data-dir': tempDir(), auth: 'off' }, {}));
    try {
      const res = await fetch(`${open.url}/2015-03-31/functions`);
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { Functions: [] });
    } finally {
      await open.close();
    }
  });

  it('uses STRATUS_ACCESS_KEY_ID / STRATUS_SECRET_ACCESS_KEY when given', async () => {
    const keys = { accessKeyId: 'AKIAFROMENVIRONMENT1', secretAccessKey: 'secret-from-env' };
    const p = await startPlatform(loadConfig({ port: '0', 'data-dir': tempDir() }, { STRATUS_ACCESS_KEY_ID: keys.accessKeyId, STRATUS_SECRET_ACCESS_KEY: keys.secretAccessKey }));
    try {
      const out = await clientFor(p.url, keys).send(new ListFunctionsCommand({}));
      assert.deepEqual(out.Functions, []);
      assert.equal(p.keysCreated, false);
    } finally {
      await p.close();
    }
  });
});

describe('errors and health', () => {
  it('answers an unknown route with an AWS-shaped error, not a stack trace', async () => {
    const c = clientFor(s.url, s.platform.keys);
    // A signed request to a path no operation has.
    const { SignatureV4 } = await import('@smithy/signature-v4');
    const { Hash } = await import('@smithy/hash-node');
    const signer = new SignatureV4({ service: 'lambda', region: 'us-east-1', credentials: s.platform.keys, sha256: Hash.bind(null, 'sha256') });
    const url = new URL(`${s.url}/2015-03-31/nothing-here`);
    const signed: any = await signer.sign({ method: 'GET', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: url.pathname, headers: { host: url.host }, query: {} } as any);
    const res = await fetch(url, { headers: signed.headers as Record<string, string> });
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('x-amzn-errortype'), 'UnknownOperationException');
    assert.ok(res.headers.get('x-amzn-requestid'));
    const body = await res.json();
    assert.equal(typeof body.message, 'string');
    assert.ok(!JSON.stringify(body).includes(' at '));
    c.destroy();
  });

  it('GET /health answers 200 once ready', async () => {
    const res = await fetch(`${s.url}/health`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ok' });
  });

  it('refuses a second server on the same data dir, saying why and what to do', async () => {
    const r = spawnSync(process.execPath, [STRATUS, 'serve', '--port', '0', '--data-dir', s.dataDir], { encoding: 'utf8', timeout: 10_000 });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /✘ cannot start the server\n  another Stratus server \(pid \d+, http:\/\/127\.0\.0\.1:\d+\) is already using the data dir .*\n  → stop the other server, or give this one its own --data-dir/);
  });
});

/** `stratus layers …` and `--layer` on `stratus functions`, as a user runs them. */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { runCli } from './helpers/cli.js';
import { startTestServer, tempDir, type TestServer } from './helpers/server.js';

let s: TestServer;
let env: Record<string, string>;
let layerDir: string;
let code: string;

before(async () => {
  s = await startTestServer();
  env = { STRATUS_ENDPOINT: s.url, STRATUS_DATA_DIR: s.dataDir };
  layerDir = tempDir();
  mkdirSync(join(layerDir, 'nodejs', 'node_modules', 'shout'), { recursive: true });
  writeFileSync(join(layerDir, 'nodejs', 'node_modules', 'shout', 'index.js'), 'module.exports = (s) => s.toUpperCase() + "!";\n');
  code = tempDir();
  writeFileSync(join(code, 'index.js'), 'exports.handler = async (e) => require("shout")(e.say);\n');
});

describe('stratus layers', () => {
  it('publishes, lists, shows, uses and deletes a layer', async () => {
    const pub = await runCli(['layers', 'publish', 'cli-shout', '--code', layerDir, '--runtimes', 'nodejs20.x,nodejs22.x', '--description', 'shouting'], env);
    assert.equal(pub.code, 0, pub.stderr);
    const arn = 'arn:aws:lambda:us-east-1:000000000000:layer:cli-shout:1';
    assert.match(pub.stdout, new RegExp(`^✔ published ${arn} \\(\\d+ bytes\\)\\n  use it with: stratus functions update-config <function> --layer ${arn}`));

    const list = await runCli(['layers', 'list'], env);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^NAME\s+LATEST\s+RUNTIMES\s+CREATED\s+DESCRIPTION\ncli-shout\s+1\s+nodejs20\.x,nodejs22\.x\s+\S+\s+shouting/);
    const listJson = JSON.parse((await runCli(['layers', 'list', '--runtime', 'nodejs20.x', '--json'], env)).stdout);
    assert.equal(listJson[0].LatestMatchingVersion.LayerVersionArn, arn);
    assert.deepEqual(JSON.parse((await runCli(['layers', 'list', '--runtime', 'python3.12', '--json'], env)).stdout), []);

    const versions = await runCli(['layers', 'versions', 'cli-shout'], env);
    assert.match(versions.stdout, new RegExp(`^VERSION\\s+ARN\\s+RUNTIMES\\s+CREATED\\s+DESCRIPTION\\n1\\s+${arn}`));
    const get = await runCli(['layers', 'get', 'cli-shout', '1'], env);
    assert.equal(get.code, 0, get.stderr);
    assert.match(get.stdout, /Runtimes\s+nodejs20\.x, nodejs22\.x/);
    assert.match(get.stdout, /Download\s+http:\/\//);
    assert.equal(JSON.parse((await runCli(['layers', 'get', 'cli-shout', '1', '--json'], env)).stdout).Version, 1);

    const created = await runCli(['functions', 'create', 'cli-loud', '--code', code, '--runtime', 'nodejs20.x', '--handler', 'index.handler', '--layer', arn], env);
    assert.equal(created.code, 0, created.stderr);
    const inv = await runCli(['invoke', 'cli-loud', '--payload', '{"say":"hey"}'], env);
    assert.equal(inv.stdout.trim(), '"HEY!"');
    const fget = await runCli(['functions', 'get', 'cli-loud'], env);
    assert.match(fget.stdout, new RegExp(`Layers\\s+${arn}`));

    const del = await runCli(['layers', 'delete', 'cli-shout', '1'], env);
    assert.equal(del.code, 0, del.stderr);
    assert.match(del.stdout, /^✔ deleted cli-shout version 1 \(functions that use it keep working\)/);
    assert.equal((await runCli(['invoke', 'cli-loud', '--payload', '{"say":"still"}'], env)).stdout.trim(), '"STILL!"');

    const noLayers = await runCli(['functions', 'update-config', 'cli-loud', '--layer', 'none', '--json'], env);
    assert.equal(noLayers.code, 0, noLayers.stderr);
    assert.equal(JSON.parse(noLayers.stdout).Layers, undefined);

    const gone = await runCli(['layers', 'get', 'cli-shout', '1'], env);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /^✘ no such layer version\n  cli-shout version 1 does not exist \(The resource you requested does not exist\.\)\n  → `stratus layers versions cli-shout` lists its versions/);
  });

  it('explains what is missing', async () => {
    const noCode = await runCli(['layers', 'publish', 'x'], env);
    assert.equal(noCode.code, 1);
    assert.match(noCode.stderr, /^✘ layers publish needs the content\n  no --code given\n  → pass --code/);
    const noVersion = await runCli(['layers', 'get', 'x'], env);
    assert.match(noVersion.stderr, /^✘ layers get needs a version number\n  no version given/);
    const missing = await runCli(['functions', 'create', 'cli-miss', '--code', code, '--runtime', 'nodejs20.x', '--handler', 'index.handler', '--layer', 'arn:aws:lambda:us-east-1:000000000000:layer:nope:1'], env);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Layer version arn:aws:lambda:us-east-1:000000000000:layer:nope:1 does not exist\./);
  });
});

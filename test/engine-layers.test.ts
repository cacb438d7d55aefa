/**
 * Layers in the execution environment, in both sandbox modes: merged into /opt in order (later
 * layers override earlier ones), found by Node, Python and a custom runtime's bootstrap, and kept
 * for functions after their layer version is deleted.
 */
import {
  DeleteLayerVersionCommand, GetFunctionConfigurationCommand, GetProvisionedConcurrencyConfigCommand, PublishLayerVersionCommand, PublishVersionCommand,
  PutProvisionedConcurrencyConfigCommand, UpdateFunctionConfigurationCommand, waitUntilFunctionUpdatedV2, type LambdaClient } from '@aws-sdk/client-lambda';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { deploy, invoke } from './helpers/functions.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { makeZip, type Files } from './helpers/zip.js';

async function publish(client: LambdaClient, name: string, files: Files): Promise<string> {
  const out = await client.send(new PublishLayerVersionCommand({ LayerName: name, Content: { ZipFile: await makeZip(files) } }));
  return out.LayerVersionArn!;
}

const LEFT_PAD = { 'nodejs/node_modules/left-pad-like/index.js': 'module.exports = (s, n, c = " ") => String(s).padStart(n, c);\n' };
const BOOTSTRAP = `#!/bin/sh
API="http://\${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
while true; do
  H="$(mktemp)"; curl -sS -D "$H" -o /dev/null "$API/invocation/next"
  ID="$(grep -i '^lambda-runtime-aws-request-id:' "$H" | tr -d '[:space:]' | cut -d: -f2)"
  curl -sS -X POST "$API/invocation/$ID/response" -d "{\\"from\\":\\"$0\\",\\"data\\":\\"$(cat "$(dirname "$0")/data.txt")\\"}" -o /dev/null
done
`;

for (const sandbox of ['bubblewrap', 'none'] as const) {
  describe(`layers with --sandbox ${sandbox}`, () => {
    let s: TestServer;
    let python: string;
    before(async () => {
      s = await startTestServer(sandbox === 'none' ? { sandbox } : {});
      python = Object.keys(s.config.runtimes).find((r) => r.startsWith('python'))!;
    });

    it('lets a Node function require a module from a layer’s nodejs/node_modules', async () => {
      const arn = await publish(s.client, 'left-pad', LEFT_PAD);
      await deploy(s.client, 'node-layer', { 'index.js': 'const pad = require("left-pad-like"); exports.handler = async (e) => pad(e.s, 5, "*");' }, { Layers: [arn] });
      const r = await invoke(s.client, 'node-layer', { s: 'ab' });
      assert.equal(r.error, undefined, r.text);
      assert.equal(r.json, '***ab');
    });

    it('finds /opt/nodejs/node<N>/node_modules and /opt/bin too', async () => {
      const arn = await publish(s.client, 'versioned', {
        'nodejs/node20/node_modules/only20/index.js': 'module.exports = "node20 dir";\n',
        'bin/hello-tool': { content: '#!/bin/sh\necho tool-ran\n', mode: 0o100755 },
      });
      await deploy(s.client, 'node-versioned', {
        'index.js': 'const { execFileSync } = require("child_process"); exports.handler = async () => [require("only20"), execFileSync("hello-tool").toString().trim()];',
      }, { Layers: [arn] });
      const r = await invoke(s.client, 'node-versioned');
      assert.equal(r.error, undefined, r.text);
      assert.deepEqual(r.json, ['node20 dir', 'tool-ran']);
    });

    it('lets a Python function import packages from /opt/python and its site-packages', async () => {
      const ver = python.replace('python', '');
      const arn = await publish(s.client, 'py-libs', {
        'python/greeting/__init__.py': 'def hello(who):\n    return "hello " + who\n',
        [`python/lib/python${ver}/site-packages/sitepkg.py`]: 'VALUE = "from site-packages"\n',
      });
      await deploy(s.client, 'py-layer', { 'app.py': 'import greeting, sitepkg\ndef handler(e, c):\n    return [greeting.hello(e["who"]), sitepkg.VALUE]\n' }, { Runtime: python, Handler: 'app.handler', Layers: [arn] });
      const r = await invoke(s.client, 'py-layer', { who: 'py' });
      assert.equal(r.error, undefined, r.text);
      assert.deepEqual(r.json, ['hello py', 'from site-packages']);
    });

    it('merges layers in order: a later layer overrides an earlier one’s file, read-only', async () => {
      const first = await publish(s.client, 'base-cfg', { 'config/value.txt': 'first', 'config/only-first.txt': 'kept' });
      const second = await publish(s.client, 'override-cfg', { 'config/value.txt': 'second' });
      const code = { 'index.js': `const fs = require('fs'); const opt = process.env.NODE_PATH.split(':')[1].replace(/\\/nodejs\\/node_modules$/, '');
exports.handler = async (e) => { let write; if (e.tryWrite) try { fs.writeFileSync(opt + '/config/value.txt', 'x'); write = 'written'; } catch (e) { write = e.code; }
  return { value: fs.readFileSync(opt + '/config/value.txt', 'utf8'), first: fs.readFileSync(opt + '/config/only-first.txt', 'utf8'), write, opt }; };` };
      await deploy(s.client, 'ordered', code, { Layers: [first, second] });
      // Without a sandbox nothing is read-only to a function of a root server (it isolates nothing).
      const r = await invoke(s.client, 'ordered', { tryWrite: sandbox === 'bubblewrap' });
      assert.equal(r.error, undefined, r.text);
      assert.equal(r.json.value, 'second');
      assert.equal(r.json.first, 'kept');
      if (sandbox === 'bubblewrap') assert.ok(['EROFS', 'EACCES'].includes(r.json.write), r.json.write);
      if (sandbox === 'bubblewrap') assert.equal(r.json.opt, '/opt');
      else assert.ok(r.json.opt.startsWith(s.dataDir), r.json.opt);

      // Reversed, the other layer wins; the change retires the old environments.
      await s.client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'ordered', Layers: [second, first] }));
      await waitUntilFunctionUpdatedV2({ client: s.client, maxWaitTime: 10 }, { FunctionName: 'ordered' });
      const again = await invoke(s.client, 'ordered');
      assert.equal(again.json.value, 'first');
      assert.match(again.log, /Init Duration/);
    });

    it('runs a provided runtime whose bootstrap comes from a layer (/opt/bootstrap)', async () => {
      const arn = await publish(s.client, 'sh-runtime', { bootstrap: { content: BOOTSTRAP, mode: 0o100755 }, 'data.txt': 'layer data' });
      await deploy(s.client, 'opt-bootstrap', { 'README.txt': 'no bootstrap here' }, { Runtime: 'provided.al2023', Handler: 'x', Layers: [arn] });
      const r = await invoke(s.client, 'opt-bootstrap');
      assert.equal(r.error, undefined, r.text);
      assert.equal(r.json.data, 'layer data');
      if (sandbox === 'bubblewrap') assert.equal(r.json.from, '/opt/bootstrap');
      else assert.match(r.json.from, /\/bootstrap$/);
      // The function's own bootstrap comes first.
      await deploy(s.client, 'own-bootstrap', { bootstrap: { content: BOOTSTRAP, mode: 0o100755 }, 'data.txt': 'own data' }, { Runtime: 'provided.al2023', Handler: 'x', Layers: [arn] });
      assert.equal((await invoke(s.client, 'own-bootstrap')).json.data, 'own data');
    });

    it('carries a function’s layers into the versions published from it', async () => {
      const v1 = await publish(s.client, 'pinned', { 'nodejs/node_modules/pinned/index.js': 'module.exports = "layer v1";\n' });
      const v2 = await publish(s.client, 'pinned', { 'nodejs/node_modules/pinned/index.js': 'module.exports = "layer v2";\n' });
      await deploy(s.client, 'versioned-fn', { 'index.js': 'exports.handler = async () => require("pinned");' }, { Layers: [v1] });
      const published = await s.client.send(new PublishVersionCommand({ FunctionName: 'versioned-fn' }));
      assert.deepEqual(published.Layers?.map((l) => l.Arn), [v1]);
      await s.client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'versioned-fn', Layers: [v2] }));
      await waitUntilFunctionUpdatedV2({ client: s.client, maxWaitTime: 10 }, { FunctionName: 'versioned-fn' });
      await s.client.send(new DeleteLayerVersionCommand({ LayerName: 'pinned', VersionNumber: 1 }));
      assert.equal((await invoke(s.client, 'versioned-fn')).json, 'layer v2');
      const old = await invoke(s.client, 'versioned-fn', {}, { Qualifier: published.Version });
      assert.equal(old.error, undefined, old.text);
      assert.equal(old.json, 'layer v1');
      const cfg = await s.client.send(new GetFunctionConfigurationCommand({ FunctionName: 'versioned-fn', Qualifier: published.Version }));
      assert.deepEqual(cfg.Layers?.map((l) => l.Arn), [v1]);
    });

    it('gives provisioned environments their layers too', async () => {
      const a = await publish(s.client, 'prov-a', { 'nodejs/node_modules/prov/index.js': 'module.exports = "a";\n' });
      const b = await publish(s.client, 'prov-b', { 'nodejs/node_modules/prov/index.js': 'module.exports = "b";\n' });
      await deploy(s.client, 'prov-fn', { 'index.js': 'exports.handler = async () => require("prov");' }, { Layers: [a, b] });
      const v = await s.client.send(new PublishVersionCommand({ FunctionName: 'prov-fn' }));
      await s.client.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'prov-fn', Qualifier: v.Version, ProvisionedConcurrentExecutions: 1 }));
      for (let i = 0; i < 300; i++) {
        const st = await s.client.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'prov-fn', Qualifier: v.Version }));
        assert.notEqual(st.Status, 'FAILED', st.StatusReason);
        if (st.Status === 'READY') break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const r = await invoke(s.client, 'prov-fn', {}, { Qualifier: v.Version });
      assert.equal(r.error, undefined, r.text);
      assert.equal(r.json, 'b');
      assert.doesNotMatch(r.log, /Init Duration/, 'served by the provisioned environment');
    });

    it('keeps a function working after its layer versions are deleted, across a restart', async () => {
      const a = await publish(s.client, 'doomed-a', { 'nodejs/node_modules/doomed/index.js': 'module.exports = "a";\n' });
      const b = await publish(s.client, 'doomed-b', { 'nodejs/node_modules/doomed2/index.js': 'module.exports = "b";\n' });
      await deploy(s.client, 'survivor', { 'index.js': 'exports.handler = async () => require("doomed") + require("doomed2");' }, { Layers: [a, b] });
      // One layer is used straight from the code store: this one shows garbage collection kept its package.
      await deploy(s.client, 'survivor1', { 'index.js': 'exports.handler = async () => require("doomed");' }, { Layers: [a] });
      for (const arn of [a, b]) {
        const [, name, version] = /layer:([^:]+):(\d+)$/.exec(arn)!;
        await s.client.send(new DeleteLayerVersionCommand({ LayerName: name, VersionNumber: Number(version) }));
      }
      assert.equal((await invoke(s.client, 'survivor')).json, 'ab');
      await s.restart();
      const r = await invoke(s.client, 'survivor');
      assert.equal(r.error, undefined, r.text);
      assert.equal(r.json, 'ab');
      const one = await invoke(s.client, 'survivor1');
      assert.equal(one.error, undefined, one.text);
      assert.equal(one.json, 'a');
      // Only the combinations functions still use are kept as merged trees.
      assert.ok(readdirSync(join(s.dataDir, 'opt')).length >= 1);
    });
  });
}

/** Custom runtimes (provided.al2023): the function's own bootstrap speaks the Runtime API. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { deploy, invoke } from './helpers/functions.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});

// A whole custom runtime in shell and curl, as in AWS's own tutorial for `provided` runtimes.
const SHELL_BOOTSTRAP = `#!/bin/sh
set -eu
API="http://\${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
echo "init from bootstrap, handler \${_HANDLER}"
while true; do
  HEADERS="$(mktemp)"
  EVENT="$(curl -sS -D "$HEADERS" "$API/invocation/next")"
  ID="$(grep -i '^lambda-runtime-aws-request-id:' "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)"
  DEADLINE="$(grep -i '^lambda-runtime-deadline-ms:' "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)"
  rm -f "$HEADERS"
  echo "handling $ID"
  case "$EVENT" in
    *fail*) curl -sS -X POST "$API/invocation/$ID/error" -H 'Lambda-Runtime-Function-Error-Type: Function.Custom' -d '{"errorMessage":"asked to fail","errorType":"CustomError"}' >/dev/null ;;
    *) curl -sS -X POST "$API/invocation/$ID/response" -d "{\\"echo\\":$EVENT,\\"handler\\":\\"\${_HANDLER}\\",\\"deadlineSet\\":\${DEADLINE:+true},\\"execEnv\\":\\"\${AWS_EXECUTION_ENV:-unset}\\"}" >/dev/null ;;
  esac
done
`;

describe('provided.al2023 with a shell bootstrap', () => {
  it('runs the bootstrap, which answers through the Runtime API', async () => {
    await deploy(s.client, 'shell', { bootstrap: { content: SHELL_BOOTSTRAP, mode: 0o100755 } }, { Runtime: 'provided.al2023', Handler: 'my.handler' });
    const r = await invoke(s.client, 'shell', { x: 1 });
    assert.equal(r.error, undefined, r.text);
    assert.deepEqual(r.json, { echo: { x: 1 }, handler: 'my.handler', deadlineSet: true, execEnv: 'unset' });
    assert.match(r.log, /init from bootstrap, handler my\.handler\n[\s\S]*START RequestId: [\s\S]*handling [0-9a-f-]{36}\nEND RequestId/);
    assert.match(r.log, /Init Duration: \d+\.\d\d ms/);
    const warm = await invoke(s.client, 'shell', { x: 2 });
    assert.deepEqual(warm.json.echo, { x: 2 });
  });

  it('passes an /error body through verbatim as the payload', async () => {
    const r = await invoke(s.client, 'shell', { fail: true });
    assert.equal(r.error, 'Unhandled');
    assert.deepEqual(r.json, { errorMessage: 'asked to fail', errorType: 'CustomError' });
  });

  it('reports a missing bootstrap as Runtime.InvalidEntrypoint', async () => {
    await deploy(s.client, 'no-bootstrap', { 'README.txt': 'nothing to run' }, { Runtime: 'provided.al2', Handler: 'x' });
    const r = await invoke(s.client, 'no-bootstrap');
    assert.equal(r.error, 'Unhandled');
    assert.equal(r.json.errorType, 'Runtime.InvalidEntrypoint');
    // As AWS logs it: the message, then the type, between START and END.
    const id = r.out.$metadata.requestId;
    const lines = r.log.trimEnd().split('\n');
    assert.deepEqual(lines.slice(1, 5), [
      `START RequestId: ${id} Version: $LATEST`, `RequestId: ${id} Error: Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]`,
      'Runtime.InvalidEntrypoint', `END RequestId: ${id}`,
    ]);
  });

  it('reports a bootstrap that exits during init as Runtime.ExitError', async () => {
    await deploy(s.client, 'exit-init', { bootstrap: { content: '#!/bin/sh\necho "cannot start"\nexit 7\n', mode: 0o100755 } }, { Runtime: 'provided.al2023', Handler: 'x' });
    const r = await invoke(s.client, 'exit-init');
    assert.equal(r.json.errorType, 'Runtime.ExitError');
    assert.match(r.json.errorMessage, /Runtime exited with error: exit status 7$/);
    const id = r.out.$metadata.requestId;
    const lines = r.log.trimEnd().split('\n');
    assert.equal(lines[0], 'cannot start');
    assert.match(lines[1]!, /^INIT_REPORT Init Duration: [\d.]+ ms\tPhase: init\tStatus: error\tError Type: Runtime\.ExitError$/);
    assert.deepEqual(lines.slice(2, 6), [
      `START RequestId: ${id} Version: $LATEST`, `RequestId: ${id} Error: Runtime exited with error: exit status 7`, 'Runtime.ExitError', `END RequestId: ${id}`,
    ]);
  });

  it('delivers a runtime’s /init/error body to the waiting invocation', async () => {
    const boot = `#!/bin/sh
curl -sS -X POST "http://\${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/init/error" -H 'Lambda-Runtime-Function-Error-Type: Runtime.ConfigError' -d '{"errorMessage":"bad config","errorType":"Runtime.ConfigError"}'
exit 1
`;
    await deploy(s.client, 'init-error', { bootstrap: { content: boot, mode: 0o100755 } }, { Runtime: 'provided.al2023', Handler: 'x' });
    const r = await invoke(s.client, 'init-error');
    assert.equal(r.error, 'Unhandled');
    assert.deepEqual(r.json, { errorMessage: 'bad config', errorType: 'Runtime.ConfigError' });
  });
});

describe('environment lifecycle', () => {
  it('runs the next invocation on a fresh environment when the runtime exited between invocations', async () => {
    // Answers one invocation, then exits: the next call must not fail (nothing of it ran).
    const boot = `#!/bin/sh
API="http://\${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
H="$(mktemp)"; curl -sS -D "$H" -o /dev/null "$API/invocation/next"
ID="$(grep -i '^lambda-runtime-aws-request-id:' "$H" | tr -d '[:space:]' | cut -d: -f2)"
curl -sS -X POST "$API/invocation/$ID/response" -d '"once"' -o /dev/null
exit 0
`;
    await deploy(s.client, 'one-shot', { bootstrap: { content: boot, mode: 0o100755 } }, { Runtime: 'provided.al2023', Handler: 'x' });
    assert.equal((await invoke(s.client, 'one-shot')).json, 'once');
    await new Promise((r) => setTimeout(r, 100));
    const second = await invoke(s.client, 'one-shot');
    assert.equal(second.error, undefined, second.text);
    assert.equal(second.json, 'once');
    assert.match(second.log, /Init Duration/);
  });
});

describe('the Runtime API answers a misbehaving runtime as AWS does', () => {
  const boot = `#!/bin/sh
API="http://\${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
while true; do
  H="$(mktemp)"; EVENT="$(curl -sS -D "$H" "$API/invocation/next")"
  ID="$(grep -i '^lambda-runtime-aws-request-id:' "$H" | tr -d '[:space:]' | cut -d: -f2)"
  echo "BAD=$(curl -sS -X POST "$API/invocation/not-the-id/response" -d '1' -w ' %{http_code}')"
  case "$EVENT" in
    *big*) echo "BIG=$(head -c 6291600 /dev/zero | tr '\\0' 'a' | curl -sS -X POST "$API/invocation/$ID/response" --data-binary @- -w ' %{http_code}')" ;;
    *) curl -sS -X POST "$API/invocation/$ID/response" -d '2' -o /dev/null
       echo "SECOND=$(curl -sS -X POST "$API/invocation/$ID/response" -d '3' -w ' %{http_code}')" ;;
  esac
done
`;

  it('400 InvalidRequestID for an id that is not the current invocation’s', async () => {
    await deploy(s.client, 'rapi-misuse', { bootstrap: { content: boot, mode: 0o100755 } }, { Runtime: 'provided.al2023', Handler: 'x' });
    const r = await invoke(s.client, 'rapi-misuse', {});
    assert.equal(r.json, 2);
    assert.match(r.log, /BAD=\{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"\} 400/);
  });

  it('403 InvalidStateTransition for a second answer to one invocation', async () => {
    // The second answer is logged after the first invocation ended, so it shows in the next one's log.
    const r = await invoke(s.client, 'rapi-misuse', {});
    assert.match(r.log, /SECOND=\{"errorMessage":"State transition from InvocationResponse to InvocationResponse failed for runtime\. Error: [^"]*","errorType":"InvalidStateTransition"\} 403/);
  });

  it('413 to the runtime and Function.ResponseSizeTooLarge to the caller for a response over 6 MB', async () => {
    const r = await invoke(s.client, 'rapi-misuse', { big: true });
    assert.equal(r.error, 'Unhandled');
    assert.equal(r.json.errorType, 'Function.ResponseSizeTooLarge');
    const next = await invoke(s.client, 'rapi-misuse', {});
    assert.match(next.log, /BIG=\{"errorMessage":"Exceeded maximum allowed payload size \(6291556 bytes\)\.","errorType":"RequestEntityTooLarge"\} 413/);
  });
});

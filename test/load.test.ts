/** Under load: a burst of 200 concurrent invocations all complete, environments start in parallel, and the platform scales back down. */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { before, describe, it } from 'node:test';
import { stratusGet } from '../src/cli/stratus-api.js';
import { deploy } from './helpers/functions.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const N = 200;
let s: TestServer;
let client: LambdaClient;

interface Snapshot {
  Environments: { functionName: string; busy: number; idle: number; starting: number }[];
}

const sum = (snap: Snapshot, f: (e: Snapshot['Environments'][number]) => number) => snap.Environments.reduce((n, e) => n + f(e), 0);

before(async () => {
  // A 2 s keep-alive, so scaling down is seen within the test. The budget admits 200 environments of 128 MB.
  s = await startTestServer({ 'idle-timeout': '2', 'memory-budget': String(N * 128) });
  // The SDK's default agent sends at most 50 requests at once; a burst needs a socket each.
  client = new LambdaClient({
    endpoint: s.url, region: 'us-east-1', credentials: s.platform.keys, maxAttempts: 1,
    requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets: N + 10 }), requestTimeout: 60_000 },
  });
  await deploy(s.client, 'burst', {
    // A 300 ms init (blocking, as heavy imports are) makes overlapping starts visible to a sampler.
    'index.js': 'Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);\n' +
      'exports.handler = async (e) => { await new Promise((r) => setTimeout(r, 100)); return { i: e.i }; };\n',
  }, { Timeout: 30 });
});

const snapshot = () => stratusGet<Snapshot>({ endpoint: s.url, region: 'us-east-1', ...s.platform.keys, json: false }, '/_stratus/metrics', { FunctionName: 'burst' });
const environments = async () => sum(await snapshot(), (e) => e.busy + e.idle + e.starting);

describe('a burst of 200 concurrent invocations of a 100 ms function', () => {
  it('completes every invocation, starting environments in parallel, then scales back down', async () => {
    let peak = 0;
    let peakStarting = 0;
    const sampler = setInterval(
      () =>
        void snapshot().then((snap) => {
          peak = Math.max(peak, sum(snap, (e) => e.busy + e.idle + e.starting));
          peakStarting = Math.max(peakStarting, sum(snap, (e) => e.starting));
        }, () => undefined),
      50,
    );
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: N }, (_, i) => client.send(new InvokeCommand({ FunctionName: 'burst', LogType: 'Tail', Payload: Buffer.from(JSON.stringify({ i })) }))),
    );
    const wall = Date.now() - started;
    clearInterval(sampler);
    const answers = results.map((r) => JSON.parse(Buffer.from(r.Payload!).toString()).i as number).sort((a, b) => a - b);
    assert.deepEqual(answers, Array.from({ length: N }, (_, i) => i), 'every invocation answered once, with its own event');
    assert.ok(results.every((r) => r.FunctionError === undefined));
    const inits = results.map((r) => /Init Duration: ([\d.]+) ms/.exec(Buffer.from(r.LogResult ?? '', 'base64').toString())?.[1]).filter(Boolean).map(Number);
    const initTotal = inits.reduce((a, b) => a + b, 0);
    // Each start takes ≥ 300 ms, so a sampler every 50 ms sees the ones that overlap.
    assert.ok(peakStarting >= 2, `environments started side by side (at most ${peakStarting} at once)`);
    assert.ok(peak >= 2 && inits.length >= 2, `${inits.length} cold starts, peak ${peak} environments`);
    console.log(`# burst: ${N} invocations in ${wall} ms, ${inits.length} cold starts (${Math.round(initTotal)} ms of init), ${peakStarting} starting at once, peak ${peak} environments`);
    const end = Date.now() + 10_000;
    while ((await environments()) > 0) {
      if (Date.now() > end) assert.fail(`still ${await environments()} environments 10 s after the burst`);
      await new Promise((r) => setTimeout(r, 250));
    }
  });
});

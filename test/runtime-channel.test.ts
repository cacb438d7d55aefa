/**
 * The private channel between the server and the built-in runtimes (runtime-channel.ts), and the
 * HTTP Runtime API those runtimes fall back to with `--runtime-channel off`: the same functions,
 * the same answers, either way. Also what a function can do to its own channel.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { before, describe, it } from 'node:test';
import { NODE_BOOTSTRAP } from '../src/environments/runtime-env.js';
import { encodeFrame, Frame, FrameReader } from '../src/environments/runtime-channel.js';
import { deploy, invoke } from './helpers/functions.js';
import { startTestServer, type TestServer } from './helpers/server.js';

describe('channel frames', () => {
  const read = (max: number, chunks: Buffer[]) => {
    const frames: { kind: number; fields: string[]; body?: string }[] = [];
    const errors: string[] = [];
    const r = new FrameReader(max, (kind, fields, body) => frames.push({ kind, fields, body: body?.toString() }), (why) => errors.push(why));
    for (const c of chunks) r.push(c);
    return { frames, errors };
  };

  it('reads frames split anywhere, and several in one chunk', () => {
    const all = Buffer.concat([encodeFrame(Frame.Response, ['id-1', 'application/json'], '{"a":1}'), encodeFrame(Frame.Next, []), encodeFrame(Frame.Error, ['id-2', 'T'], 'é')]);
    for (let cut = 1; cut < all.length; cut += 3) {
      const { frames, errors } = read(100, [all.subarray(0, cut), all.subarray(cut)]);
      assert.deepEqual(errors, []);
      assert.deepEqual(frames, [
        { kind: Frame.Response, fields: ['id-1', 'application/json'], body: '{"a":1}' },
        { kind: Frame.Next, fields: [], body: '' },
        { kind: Frame.Error, fields: ['id-2', 'T'], body: 'é' },
      ]);
    }
  });

  it('reads a large frame arriving in many small chunks, and the frame after it in the same chunk', () => {
    const body = Buffer.alloc(1 << 20);
    for (let i = 0; i < body.length; i++) body[i] = i % 251;
    const all = Buffer.concat([encodeFrame(Frame.Response, ['id-big', 'application/json'], body), encodeFrame(Frame.Next, [])]);
    const chunks = [];
    for (let i = 0; i < all.length; i += 1000) chunks.push(all.subarray(i, i + 1000));
    const frames: { kind: number; fields: string[]; body?: Buffer }[] = [];
    const r = new FrameReader(2 << 20, (kind, fields, b) => frames.push({ kind, fields, body: b }), (why) => assert.fail(why));
    for (const c of chunks) r.push(c);
    assert.equal(frames.length, 2);
    assert.deepEqual(frames[0]!.fields, ['id-big', 'application/json']);
    assert.ok(frames[0]!.body!.equals(body));
    assert.equal(frames[1]!.kind, Frame.Next);
  });

  it('skips a body over the limit without holding it, then goes on', () => {
    const big = encodeFrame(Frame.Response, ['id'], Buffer.alloc(5000, 120));
    const chunks = [];
    for (let i = 0; i < big.length; i += 700) chunks.push(big.subarray(i, i + 700));
    const { frames } = read(1000, [...chunks, encodeFrame(Frame.Next, [])]);
    assert.deepEqual(frames, [{ kind: Frame.Response, fields: ['id'], body: undefined }, { kind: Frame.Next, fields: [], body: '' }]);
  });

  it('calls a head of absurd length a protocol error', () => {
    const bad = Buffer.alloc(9);
    bad[0] = Frame.Response;
    bad.writeUInt32LE(1 << 30, 1);
    assert.equal(read(100, [bad]).errors.length, 1);
  });
});

const SEVEN_MB = 7 * 1024 * 1024;
const NODE: Record<string, string> = {
  ok: 'exports.handler = async (e, ctx) => ({ e, cc: ctx.clientContext, fd: process.env._STRATUS_RUNTIME_FD ?? null, id: ctx.awsRequestId });',
  // The result is sent once the timer has run (callbackWaitsForEmptyEventLoop): the channel must not keep the loop alive.
  callback: 'exports.handler = (e, ctx, cb) => { globalThis.n = (globalThis.n ?? 0); setTimeout(() => { globalThis.n++; }, 30); cb(null, { before: globalThis.n }); };',
  fails: 'exports.handler = async () => { throw new TypeError("nope"); };',
  crash: 'exports.handler = () => { setTimeout(() => { throw new Error("later"); }, 1); return new Promise(() => {}); };',
  huge: `exports.handler = async () => "x".repeat(${SEVEN_MB});`,
  never: 'exports.handler = async () => new Promise(() => setInterval(() => {}, 1000));',
  // Whether node:net is loaded: the channel and console.log do without it.
  quiet: 'console.log("init");\nexports.handler = async () => { console.log("in"); return process.moduleLoadList.includes("NativeModule net"); };',
  // What a timer left by an earlier invocation has done by the time the handler starts.
  frozen: 'const fired = [];\nexports.handler = async (e) => { const seen = fired.slice(); setTimeout(() => fired.push(e.n), 20); return seen; };',
  order: 'console.log("init-1"); process.stdout.write("raw-init\\n"); console.log("init-2");\nexports.handler = async () => { console.log("a"); process.stdout.write("b\\n"); console.error("c"); return "ok"; };',
};
const PY = {
  ok: 'import os\ndef handler(e, ctx):\n    return {"e": e, "cc": ctx.client_context.custom if ctx.client_context else None, "fd": os.environ.get("_STRATUS_RUNTIME_FD"), "id": ctx.aws_request_id}\n',
  fails: 'def handler(e, ctx):\n    raise ValueError("bad")\n',
  // The runtime reads and writes JSON without importing json (its import is ~10 ms of a cold start).
  nojson: 'import sys\ndef handler(e, ctx):\n    return {"json_loaded": "json" in sys.modules, "e": e}\n',
};

for (const mode of ['on', 'off'] as const) {
  describe(`built-in runtimes with --runtime-channel ${mode}`, () => {
    let s: TestServer;
    before(async () => {
      s = await startTestServer({ 'runtime-channel': mode, 'stem-cells': 'off' });
      for (const [name, code] of Object.entries(NODE)) await deploy(s.client, `n-${name}`, { 'index.js': code }, { Timeout: 3 });
      for (const [name, code] of Object.entries(PY)) await deploy(s.client, `p-${name}`, { 'app.py': code }, { Runtime: 'python3.11', Handler: 'app.handler' });
    });
    const cc = Buffer.from(JSON.stringify({ custom: { k: 'vé ✓' } })).toString('base64');

    it('runs Node and Python handlers warm and cold, with the client context intact and no trace of the channel', async () => {
      for (const fn of ['n-ok', 'p-ok']) {
        for (let i = 0; i < 3; i++) {
          const r = await invoke(s.client, fn, { i }, { ClientContext: cc });
          assert.equal(r.error, undefined, r.text);
          assert.deepEqual(r.json.e, { i });
          assert.deepEqual(fn === 'n-ok' ? r.json.cc.custom : r.json.cc, { k: 'vé ✓' });
          assert.equal(r.json.fd, null);
          assert.match(r.log, new RegExp(`REPORT RequestId: ${r.json.id}\\t`));
          if (i > 0) assert.doesNotMatch(r.log, /Init Duration/);
        }
      }
    });

    it('keeps log lines in order and with their invocation, console and process.stdout interleaved', async () => {
      for (let i = 0; i < 2; i++) {
        const r = await invoke(s.client, 'n-order');
        assert.equal(r.json, 'ok', r.text);
        const lines = r.log.split('\n').filter((l) => /init-|raw-init|\t(a|c)$|^b$/.test(l)).map((l) => l.split('\t').pop());
        assert.deepEqual(lines, i === 0 ? ['init-1', 'raw-init', 'init-2', 'a', 'b', 'c'] : ['a', 'b', 'c']);
      }
    });

    it('Python: a cold start (no stem cells here) runs without the json module, unless the function imports it', async () => {
      const r = await invoke(s.client, 'p-nojson', { a: [1, 'é'] });
      assert.deepEqual(r.json, { json_loaded: false, e: { a: [1, 'é'] } });
    });

    it('sends a callback result once the event loop is empty', async () => {
      const a = await invoke(s.client, 'n-callback');
      const b = await invoke(s.client, 'n-callback');
      assert.deepEqual([a.json, b.json], [{ before: 0 }, { before: 1 }]);
    });

    if (mode === 'on') {
      it('answers cold and warm events without ever loading node:net', async () => {
        const first = await invoke(s.client, 'n-quiet');
        assert.equal(first.json, false, first.text);
        assert.match(first.log, /\tINFO\tinit\n[^]*\tINFO\tin\n/);
        const second = await invoke(s.client, 'n-quiet');
        assert.equal(second.json, false);
        assert.doesNotMatch(second.log, /Init Duration/);
      });

      it('freezes a warm Node environment between invocations: what a handler left runs after the next event', async () => {
        assert.deepEqual((await invoke(s.client, 'n-frozen', { n: 1 })).json, []);
        // The first invocation's 20 ms timer is long due, but the environment was frozen: it has
        // not fired when the next handler starts. It fires in the turn after that answer.
        await new Promise((r) => setTimeout(r, 200));
        assert.deepEqual((await invoke(s.client, 'n-frozen', { n: 2 })).json, []);
        await new Promise((r) => setTimeout(r, 200));
        assert.deepEqual((await invoke(s.client, 'n-frozen', { n: 3 })).json, [1]);
      });
    }

    it('reports errors, crashes, oversized responses and timeouts as AWS does, then serves again', async () => {
      const f = await invoke(s.client, 'n-fails');
      assert.equal(f.error, 'Unhandled');
      assert.equal(f.json.errorType, 'TypeError');
      const p = await invoke(s.client, 'p-fails');
      assert.equal(p.json.errorType, 'ValueError');
      const c = await invoke(s.client, 'n-crash');
      assert.equal(c.json.errorType, 'Error');
      assert.equal(c.json.errorMessage, 'later');
      const h = await invoke(s.client, 'n-huge');
      assert.equal(h.json.errorType, 'Function.ResponseSizeTooLarge');
      const t = await invoke(s.client, 'n-never', {}, {});
      assert.equal(t.json.errorType, 'Sandbox.Timedout');
      for (const fn of ['n-fails', 'n-crash', 'n-huge', 'p-fails']) assert.equal((await invoke(s.client, fn)).error, 'Unhandled');
      assert.equal((await invoke(s.client, 'n-ok')).error, undefined);
    });
  });
}

describe('a function that tampers with its own channel', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ 'stem-cells': 'off' });
  });

  it('writing garbage to it ends only its own environment (Runtime.ExitError); the next call starts afresh', async () => {
    await deploy(s.client, 'garbage', { 'index.js': 'const fs = require("fs");\nexports.handler = async (e) => { if (e.bad) { const b = Buffer.alloc(9, 255); fs.writeSync(3, b); await new Promise((r) => setTimeout(r, 2000)); } return "fine"; };' }, { Timeout: 5 });
    const bad = await invoke(s.client, 'garbage', { bad: true });
    assert.equal(bad.error, 'Unhandled');
    assert.equal(bad.json.errorType, 'Runtime.ExitError', bad.text);
    const good = await invoke(s.client, 'garbage', {});
    assert.equal(good.json, 'fine');
    assert.match(good.log, /Init Duration/);
  });

  it('asking for events without reading the answers gets the channel cut off instead of filling the server memory', async () => {
    // Each /next while the invocation runs is refused with an answer this loop never reads; a
    // write the kernel cannot take now fails (EAGAIN) and is skipped. Left alone, the server would
    // hold every answer (tens of MB) and the invocation would succeed with "flooded".
    await deploy(s.client, 'asker', {
      'index.js': `const fs = require("fs");
const nexts = Buffer.concat(Array.from({ length: 1000 }, () => Buffer.from([0x4e, 0, 0, 0, 0, 0, 0, 0, 0])));
exports.handler = async (e) => {
  if (!e.flood) return "calm";
  const t0 = Date.now();
  // Until the platform hangs up (EPIPE), or long enough to show it never does.
  while (Date.now() - t0 < 6000) {
    try { fs.writeSync(3, nexts); } catch (err) { if (err.code === "EPIPE" || err.code === "ECONNRESET") break; }
  }
  return "flooded";
};`,
    }, { Timeout: 15 });
    const r = await invoke(s.client, 'asker', { flood: true });
    assert.equal(r.error, 'Unhandled', r.text);
    assert.equal(r.json.errorType, 'Runtime.ExitError', r.text);
    assert.equal((await invoke(s.client, 'asker', {})).json, 'calm');
  });

  it('a forged answer for another request id is ignored; its real answer still counts', async () => {
    await deploy(s.client, 'forger', {
      'index.js': `const fs = require("fs");
function frame(kind, fields, body) { const h = Buffer.from(fields.join("\\0")); const b = Buffer.from(body); const o = Buffer.alloc(9); o[0] = kind; o.writeUInt32LE(h.length, 1); o.writeUInt32LE(b.length, 5); return Buffer.concat([o, h, b]); }
exports.handler = async () => { fs.writeSync(3, frame(0x52, ["not-a-real-id", "application/json"], '"forged"')); return "real"; };`,
    });
    const r = await invoke(s.client, 'forger');
    assert.equal(r.error, undefined);
    assert.equal(r.json, 'real');
    assert.equal((await invoke(s.client, 'forger')).json, 'real');
  });
});

describe('the Node client on a channel fd that is not blocking', () => {
  it('takes its first event and answers over the socket instead (no server, no sandbox)', async () => {
    // The platform hands the fd over blocking (the first event is read with read(2)); were it not,
    // the client must wait on the socket rather than fail. Python sets O_NONBLOCK, then execs node.
    const task = mkdtempSync(join(tmpdir(), 'stratus-nonblock-'));
    writeFileSync(join(task, 'index.mjs'), 'export const handler = async (e) => ({ got: e, size: "x".repeat(300000).length });');
    const env = { _STRATUS_RUNTIME_FD: '3', AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9', _HANDLER: 'index.handler', LAMBDA_TASK_ROOT: task, AWS_LAMBDA_FUNCTION_NAME: 'nb', AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128', AWS_LAMBDA_FUNCTION_VERSION: '$LATEST', PATH: '/usr/bin:/bin' };
    const wrapper = 'import os, fcntl, sys\nfcntl.fcntl(3, fcntl.F_SETFL, fcntl.fcntl(3, fcntl.F_GETFL) | os.O_NONBLOCK)\nos.execv(sys.argv[1], [sys.argv[1], sys.argv[2]])';
    const kid = spawn('python3', ['-c', wrapper, process.execPath, NODE_BOOTSTRAP], { cwd: task, env, stdio: ['ignore', 'ignore', 'inherit', 'pipe'] });
    const channel = kid.stdio[3] as Duplex;
    channel.on('error', () => undefined);
    try {
      const answers = await new Promise<string[]>((resolve, reject) => {
        const got: string[] = [];
        let nexts = 0;
        const reader = new FrameReader(1 << 22, (kind, fields, body) => {
          if (kind === Frame.Response) got.push(`${fields[0]} ${JSON.stringify(JSON.parse(body!.toString()))}`);
          if (kind !== Frame.Next) return;
          if (++nexts <= 2) channel.write(encodeFrame(Frame.Invoke, [`id-${nexts}`, String(Date.now() + 60_000), 'arn:aws:lambda:us-east-1:000000000000:function:nb', 'Root=1-0-0', '', '', ''], `{"n":${nexts}}`, 'latin1'));
          else resolve(got);
        }, reject);
        channel.on('data', (c: Buffer) => reader.push(c));
        kid.on('exit', (code) => reject(new Error(`the runtime exited (${code})`)));
      });
      assert.deepEqual(answers, ['id-1 {"got":{"n":1},"size":300000}', 'id-2 {"got":{"n":2},"size":300000}']);
    } finally {
      kid.kill('SIGKILL');
      rmSync(task, { recursive: true, force: true });
    }
  });
});

/**
 * What Stratus's Node runtime adds to a bare `node` start: `node dist/bench/runtime-start.js [n]`
 * (after `npm run build`). Not part of `npm run bench`; docs/performance.md uses it.
 *
 * Alternately, n times: `node` on an empty file (spawn to exit: the floor), and the runtime with
 * an `index.mjs` hello handler, driven over its private channel with no server and no sandbox
 * (spawn to its first /next, and to its first answer). Medians, in ms.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { CHANNEL_FD, CHANNEL_VAR, encodeFrame, Frame, FrameReader } from '../src/environments/runtime-channel.js';
import { NODE_BOOTSTRAP } from '../src/environments/runtime-env.js';
import { percentile } from './lib.js';

const N = Number(process.argv[2] ?? 30);
const task = mkdtempSync(join(tmpdir(), 'stratus-runtime-start-'));
writeFileSync(join(task, 'index.mjs'), 'export const handler = async () => "hi";');
writeFileSync(join(task, 'empty.js'), '');
const env = {
  [CHANNEL_VAR]: String(CHANNEL_FD), AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9', _HANDLER: 'index.handler', LAMBDA_TASK_ROOT: task,
  AWS_LAMBDA_FUNCTION_NAME: 'start', AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128', AWS_LAMBDA_FUNCTION_VERSION: '$LATEST', TZ: ':UTC', PATH: '/usr/bin:/bin',
};

function bare(): Promise<number> {
  const t0 = performance.now();
  const kid = spawn(process.execPath, [join(task, 'empty.js')], { env: { PATH: env.PATH }, stdio: 'ignore' });
  return new Promise((resolve) => kid.on('exit', () => resolve(performance.now() - t0)));
}

function runtime(): Promise<{ next: number; answer: number }> {
  const t0 = performance.now();
  const kid = spawn(process.execPath, [NODE_BOOTSTRAP], { cwd: task, env, stdio: ['ignore', 'ignore', 'inherit', 'pipe'] });
  const channel = kid.stdio[3] as Duplex;
  channel.on('error', () => undefined);
  return new Promise((resolve) => {
    let next = 0;
    const reader = new FrameReader(1 << 20, (kind) => {
      if (kind !== Frame.Next) return;
      if (next === 0) {
        next = performance.now() - t0;
        channel.write(encodeFrame(Frame.Invoke, ['start-1', String(Date.now() + 60_000), 'arn:aws:lambda:us-east-1:000000000000:function:start', 'Root=1-0-0', '', '', ''], '{}', 'latin1'));
      } else {
        resolve({ next, answer: performance.now() - t0 });
        kid.kill('SIGKILL');
      }
    }, () => undefined);
    channel.on('data', (c: Buffer) => reader.push(c));
  });
}

const floor: number[] = [];
const next: number[] = [];
const answer: number[] = [];
for (let i = 0; i < N; i++) {
  floor.push(await bare());
  const r = await runtime();
  next.push(r.next);
  answer.push(r.answer);
}
rmSync(task, { recursive: true, force: true });
const p50 = (v: number[]) => percentile(v, 50);
console.log(`node on an empty file, spawn to exit:       ${p50(floor).toFixed(1)} ms`);
console.log(`runtime, spawn to first /next:              ${p50(next).toFixed(1)} ms`);
console.log(`runtime, spawn to first answer:             ${p50(answer).toFixed(1)} ms  (+${(p50(answer) - p50(floor)).toFixed(1)} over bare node)  n=${N}`);

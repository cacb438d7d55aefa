/**
 * What a warm invocation costs the runtime process, hot and paced: `node dist/bench/wake.js`
 * (after `npm run build`). Not part of `npm run bench`; docs/performance.md explains why it matters.
 *
 * N copies of Stratus's Node runtime (no sandbox, no server) are driven over their private channel
 * by this process, with the hello-world handler, and N copies of a bare Node echo
 * (bench/floors/echo-runtime.mjs) the same way, to tell Node's own price for a wake from the
 * runtime's: back to back (the next event as soon as the previous answer arrives: the process
 * never sleeps) and paced (the next event 3 ms later, about the rate each of 10 environments sees
 * under load: the process sleeps between invocations). CPU per invocation is from
 * /proc/<pid>/schedstat (nanoseconds on CPU, not tick-sampled).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { CHANNEL_FD, CHANNEL_VAR, encodeFrame, Frame, FrameReader } from '../src/environments/runtime-channel.js';
import { NODE_BOOTSTRAP } from '../src/environments/runtime-env.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);

const cpuNs = (pid: number): number => Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);

/** What each process runs: Stratus's Node runtime, or the bare echo floor (bench/floors/echo-runtime.mjs). */
type Entry = 'runtime' | 'echo';
const ENTRIES: Record<Entry, string> = { runtime: NODE_BOOTSTRAP, echo: join(ROOT, 'bench/floors/echo-runtime.mjs') };

async function measure(n: number, pauseMs: number, entry: Entry): Promise<{ perSecond: number; cpuUs: number }> {
  const task = mkdtempSync(join(tmpdir(), 'stratus-wake-'));
  writeFileSync(join(task, 'index.mjs'), readFileSync(join(ROOT, 'bench/floors/handler.mjs')));
  const env = {
    [CHANNEL_VAR]: String(CHANNEL_FD), AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9', _HANDLER: 'index.handler', LAMBDA_TASK_ROOT: task,
    AWS_LAMBDA_FUNCTION_NAME: 'wake', AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1769', AWS_LAMBDA_FUNCTION_VERSION: '$LATEST', TZ: ':UTC',
  };
  let answered = 0;
  let stopped = false;
  let seq = 0;
  const kids: ChildProcess[] = [];
  for (let i = 0; i < n; i++) {
    const kid = spawn(process.execPath, [ENTRIES[entry]], { cwd: task, env, stdio: ['ignore', 'inherit', 'inherit', 'pipe'] });
    const channel = kid.stdio[3] as Duplex;
    channel.on('error', () => undefined);
    const send = () => {
      if (stopped) return;
      const fields = [`wake-${seq++}`, String(Date.now() + 60_000), 'arn:aws:lambda:us-east-1:000000000000:function:wake', 'Root=1-0-0', '', '', ''];
      channel.write(encodeFrame(Frame.Invoke, fields, '{"name":"wake"}', 'latin1'));
    };
    const reader = new FrameReader(1 << 20, (kind) => {
      if (kind === Frame.Response) answered++;
      if (kind === Frame.Next) pauseMs ? setTimeout(send, pauseMs) : send();
    }, () => undefined);
    channel.on('data', (c: Buffer) => reader.push(c));
    kids.push(kid);
  }
  await new Promise((r) => setTimeout(r, 2000)); // start-up and JIT warm-up
  answered = 0;
  const before = kids.map((k) => cpuNs(k.pid!));
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const used = kids.reduce((sum, k, i) => sum + cpuNs(k.pid!) - before[i]!, 0);
  const done = answered;
  stopped = true;
  for (const k of kids) k.kill('SIGKILL');
  rmSync(task, { recursive: true, force: true });
  return { perSecond: Math.round(done / SECONDS), cpuUs: Number((used / 1000 / done).toFixed(1)) };
}

// The process count is what matters on a VM: a bare echo costs a few times more per wake with ten
// processes taking turns than with one, before any work of Stratus's (docs/performance.md).
const CASES = [[1, 0], [5, 0], [10, 0], [1, 3], [10, 3]] as const;
for (const entry of ['echo', 'runtime'] as const) {
  for (const [n, pause] of CASES) {
    const r = await measure(n, pause, entry);
    const who = entry === 'echo' ? 'bare Node echo ' : 'Stratus runtime';
    console.log(`${who} x${String(n).padStart(2)}, ${pause ? `paced (${pause} ms between)` : 'back to back      '}: ${String(r.perSecond).padStart(6)} invocations/s, CPU ${r.cpuUs} µs per invocation`);
  }
}

/** Benchmark plumbing: processes, wrk runs and their parsing, statistics, memory of process trees. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
}

/** A part of the run that could not be measured, and why (kept in the JSON and the table). */
export interface Skipped {
  skipped: string;
}

export const isSkipped = (x: unknown): x is Skipped => typeof x === 'object' && x !== null && 'skipped' in x;

/** Start a process and wait for a line matching `ready`; returns the process and the match. */
export function startProcess(
  cmd: string,
  args: string[],
  ready: RegExp,
  env: NodeJS.ProcessEnv = process.env,
  opts: { cwd?: string; timeoutMs?: number } = {},
): Promise<{ proc: ChildProcess; match: RegExpMatchArray }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(cmd, args, { env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let done = false;
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      proc.kill('SIGKILL');
      reject(new Error(`${cmd} was not ready within ${(opts.timeoutMs ?? 30_000) / 1000} s:\n${out.slice(-2000)}`));
    }, opts.timeoutMs ?? 30_000);
    // The pipes are read for as long as the process lives (a full pipe would block it), but
    // only kept until it is ready.
    const onData = (d: Buffer) => {
      if (done) return;
      out += d.toString();
      const m = out.match(ready);
      if (m && !done) {
        done = true;
        clearTimeout(timer);
        resolve({ proc, match: m });
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.on('exit', (code) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      reject(new Error(`${cmd} exited ${code} before it was ready:\n${out.slice(-2000)}`));
    });
  });
}

/** SIGTERM, then SIGKILL if the process has not exited within `graceMs`. */
export function stop(proc: ChildProcess, graceMs = 10_000): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
    const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
    proc.once('exit', () => (clearTimeout(timer), resolve()));
    proc.kill('SIGTERM');
  });
}

/** A TCP port free right now on 127.0.0.1 (for peers that cannot be told to take port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const toMs = (v: string): number => {
  const m = /^([\d.]+)(us|ms|s)$/.exec(v.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 's' ? n * 1000 : n;
};

/** Run wrk (one thread, as in the baselines) against a POST with fixed headers and body. */
export function wrk(url: string, body: string, headers: Record<string, string>, connections: number, seconds: number): LoadResult & { requests: number } {
  const dir = mkdtempSync(join(tmpdir(), 'stratus-bench-'));
  const script = join(dir, 'post.lua');
  const lua = [`wrk.method = "POST"`, `wrk.body = ${JSON.stringify(body)}`];
  for (const [k, v] of Object.entries(headers)) lua.push(`wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`);
  writeFileSync(script, lua.join('\n') + '\n');
  const r = spawnSync('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '10s', '--latency', '-s', script, url], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`wrk failed: ${r.stderr || r.stdout}`);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1]);
  const requests = Number(/(\d+) requests in/.exec(r.stdout)?.[1]);
  const p50 = toMs(/\s50%\s+(\S+)/.exec(r.stdout)?.[1] ?? '');
  const p99 = toMs(/\s99%\s+(\S+)/.exec(r.stdout)?.[1] ?? '');
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(r.stdout);
  if (non2xx) throw new Error(`wrk saw ${non2xx[1]} error responses from ${url}:\n${r.stdout}`);
  const errors = /Socket errors: (.*)/.exec(r.stdout);
  if (errors && /timeout [1-9]/.test(errors[1]!)) throw new Error(`wrk saw timeouts from ${url}:\n${r.stdout}`);
  return { rps, p50, p99, requests };
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}

/** wrk must be there; on Debian as root it is installed (it is one small package). */
export function requireWrk(): void {
  if (!spawnSync('wrk', ['--version']).error) return;
  if (process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    console.log('wrk is missing: apt-get install -y wrk');
    const r = spawnSync('apt-get', ['install', '-y', '-q', 'wrk'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (r.status !== 0) spawnSync('sh', ['-c', 'apt-get update -q && apt-get install -y -q wrk'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (!spawnSync('wrk', ['--version']).error) return;
  }
  throw new Error('wrk is not installed: run `apt-get install -y wrk` (Debian) and try again');
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface Proc {
  pid: number;
  ppid: number;
  comm: string;
}

function processTable(): Proc[] {
  const out: Proc[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      // comm is in parentheses and may hold spaces: the fields after the last ')' are fixed.
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const ppid = Number(stat.slice(close + 2).split(' ')[1]);
      out.push({ pid: Number(d), ppid, comm });
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

function kbField(file: string, field: string): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(file, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Memory of one environment: its process tree, and its cgroup when it has one. */
export interface EnvMemory {
  /** Sum of VmRSS over the environment's processes (shared pages counted once per process). */
  rssMB: number;
  /** Sum of Pss over its processes (/proc/<pid>/smaps_rollup: shared pages split between sharers). */
  pssMB: number;
  /** The environment's memory cgroup: usage (v1 memory.usage_in_bytes / v2 memory.current, includes page cache). */
  cgroupUsageMB?: number;
  /** The cgroup's anonymous + kernel-accounted memory without page cache (v1 memory.stat rss, v2 anon). */
  cgroupAnonMB?: number;
  processes: number;
}

/**
 * The environments under a server process: one per direct child whose tree runs `runtimeComm`
 * (idle sandbox slots, which hold no runtime, are left out).
 */
export function environmentsMemory(serverPid: number, runtimeComm = /^(node|python3?(\.\d+)?)$/): EnvMemory[] {
  const table = processTable();
  const children = new Map<number, Proc[]>();
  for (const p of table) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const out: EnvMemory[] = [];
  for (const top of children.get(serverPid) ?? []) {
    const tree: Proc[] = [];
    const walk = (p: Proc) => {
      tree.push(p);
      for (const c of children.get(p.pid) ?? []) walk(c);
    };
    walk(top);
    const runtime = tree.find((p) => runtimeComm.test(p.comm));
    if (!runtime) continue;
    const m: EnvMemory = {
      rssMB: tree.reduce((s, p) => s + kbField(`/proc/${p.pid}/status`, 'VmRSS'), 0) / 1024,
      pssMB: tree.reduce((s, p) => s + kbField(`/proc/${p.pid}/smaps_rollup`, 'Pss'), 0) / 1024,
      processes: tree.length,
    };
    const cg = memoryCgroupDir(runtime.pid);
    if (cg && cg !== memoryCgroupDir(serverPid)) {
      const v1 = existsSync(join(cg, 'memory.usage_in_bytes'));
      try {
        m.cgroupUsageMB = Number(readFileSync(join(cg, v1 ? 'memory.usage_in_bytes' : 'memory.current'), 'utf8')) / 2 ** 20;
        const stat = readFileSync(join(cg, 'memory.stat'), 'utf8');
        const anon = new RegExp(`^${v1 ? 'rss' : 'anon'} (\\d+)`, 'm').exec(stat);
        if (anon) m.cgroupAnonMB = Number(anon[1]) / 2 ** 20;
      } catch {
        /* the cgroup went away */
      }
    }
    out.push(m);
  }
  return out;
}

/** Where a process's memory cgroup is in the filesystem (v1 memory controller, or v2). */
function memoryCgroupDir(pid: number): string | undefined {
  try {
    for (const line of readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n')) {
      const [, ctrls, path] = line.split(':');
      if (ctrls!.split(',').includes('memory')) return join('/sys/fs/cgroup/memory', path!);
    }
    const v2 = /^0::(.*)$/m.exec(readFileSync(`/proc/${pid}/cgroup`, 'utf8'));
    if (v2 && existsSync('/sys/fs/cgroup/cgroup.controllers')) return join('/sys/fs/cgroup', v2[1]!);
  } catch {
    /* gone */
  }
  return undefined;
}

/** MemAvailable and MemTotal from /proc/meminfo, in MB. */
export function memInfo(): { availableMB: number; totalMB: number } {
  return { availableMB: kbField('/proc/meminfo', 'MemAvailable') / 1024, totalMB: kbField('/proc/meminfo', 'MemTotal') / 1024 };
}

/** Tasks (processes and threads) on the machine now, and the most the kernel allows (pid_max). */
export function taskCount(): { tasks: number; max: number } {
  const tasks = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[3]!.split('/')[1]);
  return { tasks, max: Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8')) };
}

export const mean = (xs: number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

/**
 * One cgroup per execution environment, under the server's own cgroup: memory = MemorySize (no
 * swap), CPU in proportion to memory as on Lambda (1,769 MB = one vCPU, up to the host's cores),
 * pids capped like Lambda's 1,024 processes+threads. Works on cgroup v2 and on v1/hybrid hosts
 * (v1 controllers under /sys/fs/cgroup/<controller>), detected at start.
 */
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, rmdirSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';

export type CgroupVersion = 'v2' | 'v1';

export interface CgroupLimits {
  memoryMB: number;
}

export interface EnvironmentCgroup {
  /**
   * Put a process (and so everything it starts later) in the cgroup. Asynchronous: on cgroup v1
   * the kernel makes this write wait for an RCU grace period (~8-10 ms here), which must not
   * block the server's event loop.
   */
  join(pid: number): Promise<void>;
  /** Set the memory limit (and the CPU share limitCpu applies); may be called after join. */
  configure(limits: CgroupLimits): void;
  /**
   * Apply the CPU share for the memory size. Until then the environment may use every core: like
   * Lambda's init boost, a 128 MB function does not start at 7% of a core.
   */
  limitCpu(): void;
  /** Peak memory of everything in the cgroup, in MB. */
  peakMemoryMB(): number;
  /** Whether the kernel's OOM killer has killed something in it. */
  oomKilled(): boolean;
  /** Kill everything left in it and remove it. */
  destroy(): void;
}

export interface CgroupManager {
  version: CgroupVersion;
  /** Human-readable: which hierarchy and where. */
  describe(): string;
  create(name: string): EnvironmentCgroup;
  /** Remove cgroups left by an earlier server that crashed. */
  sweep(): void;
  /** Remove every environment cgroup and the server's own parent (at shutdown). */
  close(): Promise<void>;
}

const ROOT = '/sys/fs/cgroup';
const PIDS_MAX = 1024;
/**
 * The CFS period. A short one (20 ms was tried) trims throttling stalls at high load, but a
 * 128 MB function then gets only ~1.4 ms of CPU per period, so its first invocation (lazy
 * compilation: several ms of CPU) stretches to ~70 ms; with 100 ms it gets a 7 ms burst and
 * finishes in one (measured: first invoke 169 ms vs 107 ms p50). Bursty work favours the long period.
 */
const PERIOD_US = 100_000;
/** Lambda gives one full vCPU at 1,769 MB. */
const MB_PER_VCPU = 1769;

const read = (p: string): string => readFileSync(p, 'utf8');
const write = (p: string, v: string | number): void => writeFileSync(p, String(v));

/**
 * A cgroup counter file read again and again (the peak memory, after every invocation): opened once
 * and read with pread at offset 0, which makes the kernel format it afresh. A third of a
 * readFileSync's cost (no open, fstat, close per read). `close` before the cgroup is removed.
 */
function counter(path: string): { read(): number; close(): void } {
  let fd: number | undefined;
  let closed = false;
  const buf = Buffer.allocUnsafe(32);
  return {
    read() {
      // After close (a last report while the cgroup is removed), read it the long way: no fd to leak.
      if (closed) return Number(read(path));
      fd ??= openSync(path, 'r');
      return Number(buf.toString('latin1', 0, readSync(fd, buf, 0, buf.length, 0)));
    },
    close() {
      closed = true;
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}

/** The CPU quota for a memory size: a fraction of a core below 1,769 MB, up to every core above. */
export function cpuQuotaUs(memoryMB: number, cores = cpus().length): number {
  return Math.max(1000, Math.min(cores * PERIOD_US, Math.round((PERIOD_US * memoryMB) / MB_PER_VCPU)));
}

/** This process's cgroup path in a hierarchy, from /proc/self/cgroup (`0::/x` for v2, `4:memory:/x` for v1). */
function ownPath(controller: string | undefined): string {
  for (const line of read('/proc/self/cgroup').trim().split('\n')) {
    const [, ctrls, path] = line.split(':');
    if (controller === undefined ? ctrls === '' : ctrls!.split(',').includes(controller)) return path ?? '/';
  }
  return '/';
}

/** Detect the cgroup layout and check that it is writable; throws a readable reason when it is not. */
export function detectCgroups(prefix = 'stratus'): CgroupManager {
  if (process.platform !== 'linux') throw new Error('cgroups need Linux');
  if (existsSync(join(ROOT, 'cgroup.controllers'))) return v2(prefix);
  if (existsSync(join(ROOT, 'memory', 'memory.limit_in_bytes'))) return v1(prefix);
  throw new Error(`no cgroup hierarchy with a memory controller under ${ROOT}`);
}

function v1(prefix: string): CgroupManager {
  const controllers = ['memory', 'cpu', 'pids'] as const;
  const base = Object.fromEntries(controllers.map((c) => [c, join(ROOT, c, ownPath(c), prefix)])) as Record<(typeof controllers)[number], string>;
  for (const c of controllers) {
    if (!existsSync(join(ROOT, c))) throw new Error(`cgroup v1 controller '${c}' is not mounted at ${join(ROOT, c)}`);
    mkdirSync(base[c], { recursive: true });
  }
  const hasSwapLimit = existsSync(join(base.memory, 'memory.memsw.limit_in_bytes'));
  return {
    version: 'v1',
    describe: () => `cgroup v1 (memory, cpu, pids under ${base.memory.replace('/memory', '/<controller>')})`,
    sweep: () => {
      for (const c of controllers) for (const d of listDirs(base[c])) removeCgroup(join(base[c], d));
    },
    close: () => closeAll(controllers.map((c) => base[c])),
    create(name) {
      const dirs = Object.fromEntries(controllers.map((c) => [c, join(base[c], name)])) as Record<(typeof controllers)[number], string>;
      for (const c of controllers) mkdirSync(dirs[c]);
      try {
        write(join(dirs.memory, 'memory.swappiness'), 0);
      } catch {
        /* not settable on every kernel */
      }
      write(join(dirs.cpu, 'cpu.cfs_period_us'), PERIOD_US);
      write(join(dirs.pids, 'pids.max'), PIDS_MAX);
      let memoryMB = 0;
      const peak = counter(join(dirs.memory, 'memory.max_usage_in_bytes'));
      return {
        join: async (pid) => {
          for (const c of controllers) await writeFile(join(dirs[c], 'cgroup.procs'), String(pid));
        },
        configure: (limits) => {
          // A new cgroup has no limit: its first configure lowers it.
          const raising = memoryMB > 0 && limits.memoryMB > memoryMB;
          memoryMB = limits.memoryMB;
          const bytes = memoryMB * 1024 * 1024;
          // No swapping past the limit: the function gets exactly MemorySize. The kernel keeps
          // memsw ≥ the memory limit at every step, so memsw moves first when the limit rises
          // (a stem cell taking on a bigger function) and second when it falls.
          if (hasSwapLimit && raising) write(join(dirs.memory, 'memory.memsw.limit_in_bytes'), bytes);
          write(join(dirs.memory, 'memory.limit_in_bytes'), bytes);
          if (hasSwapLimit && !raising) write(join(dirs.memory, 'memory.memsw.limit_in_bytes'), bytes);
          // The peak counts from here, not from whatever waited in the cgroup before.
          write(join(dirs.memory, 'memory.max_usage_in_bytes'), 0);
        },
        limitCpu: () => write(join(dirs.cpu, 'cpu.cfs_quota_us'), cpuQuotaUs(memoryMB)),
        peakMemoryMB: () => Math.ceil(peak.read() / 1048576),
        oomKilled: () => Number(/oom_kill (\d+)/.exec(read(join(dirs.memory, 'memory.oom_control')))?.[1] ?? 0) > 0,
        destroy: () => {
          peak.close();
          for (const c of controllers) removeCgroup(dirs[c]);
        },
      };
    },
  };
}

function v2(prefix: string): CgroupManager {
  const base = join(ROOT, ownPath(undefined), prefix);
  mkdirSync(base, { recursive: true });
  // Controllers must be enabled for our children, all the way down from where we may enable them.
  const enabled = read(join(base, '..', 'cgroup.subtree_control'));
  for (const c of ['memory', 'cpu', 'pids']) {
    if (!enabled.includes(c)) {
      try {
        write(join(base, '..', 'cgroup.subtree_control'), `+${c}`);
      } catch {
        throw new Error(`cannot enable the cgroup v2 '${c}' controller under ${join(base, '..')} (move the server into a leaf cgroup of its own, e.g. run it as a systemd service)`);
      }
    }
  }
  write(join(base, 'cgroup.subtree_control'), '+memory +cpu +pids');
  return {
    version: 'v2',
    describe: () => `cgroup v2 (${base})`,
    sweep: () => {
      for (const d of listDirs(base)) removeCgroup(join(base, d));
    },
    close: () => closeAll([base]),
    create(name) {
      const dir = join(base, name);
      mkdirSync(dir);
      try {
        write(join(dir, 'memory.swap.max'), 0);
      } catch {
        /* swap accounting off */
      }
      write(join(dir, 'pids.max'), PIDS_MAX);
      let memoryMB = 0;
      // memory.peak exists from Linux 5.19; before that the current usage is the best there is.
      const peak = counter(join(dir, existsSync(join(dir, 'memory.peak')) ? 'memory.peak' : 'memory.current'));
      return {
        join: (pid) => writeFile(join(dir, 'cgroup.procs'), String(pid)),
        configure: (limits) => {
          memoryMB = limits.memoryMB;
          write(join(dir, 'memory.max'), memoryMB * 1024 * 1024);
        },
        limitCpu: () => write(join(dir, 'cpu.max'), `${cpuQuotaUs(memoryMB)} ${PERIOD_US}`),
        peakMemoryMB: () => Math.ceil(peak.read() / 1048576),
        oomKilled: () => Number(/oom_kill (\d+)/.exec(read(join(dir, 'memory.events')))?.[1] ?? 0) > 0,
        destroy: () => {
          peak.close();
          removeCgroup(dir);
        },
      };
    },
  };
}

/** Wait (up to 5 s) until every environment cgroup under the bases is gone, then remove the bases. */
async function closeAll(bases: string[]): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const left = bases.flatMap((b) => listDirs(b).map((d) => join(b, d)));
    if (left.length === 0) break;
    for (const d of left) removeCgroup(d, 100);
    await new Promise((r) => setTimeout(r, 10));
  }
  for (const b of bases) {
    try {
      rmdirSync(b);
    } catch {
      /* still busy: the next start's sweep takes care of it */
    }
  }
}

function listDirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return [];
  }
}

/**
 * Kill whatever is left in a cgroup and remove it. A cgroup can only be removed once empty, and
 * killed processes take a moment to leave, so removal is retried off the event loop's hot path.
 */
function removeCgroup(dir: string, attempt = 0): void {
  if (!existsSync(dir)) return;
  let pids: string[] = [];
  try {
    pids = read(join(dir, 'cgroup.procs')).trim().split('\n').filter(Boolean);
  } catch {
    return;
  }
  for (const pid of pids) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  try {
    rmdirSync(dir);
  } catch {
    if (attempt < 100) setTimeout(() => removeCgroup(dir, attempt + 1), 10).unref();
  }
}

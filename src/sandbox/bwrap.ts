/**
 * The bubblewrap launcher: every environment is its own process tree in new pid, mount, ipc, uts
 * and cgroup namespaces, in a cgroup of its own, running as an unprivileged user with no
 * capabilities and no_new_privs. It sees a minimal read-only root (/usr, a few files of /etc),
 * its code at /var/task, the runtime client at /var/runtime, a private /tmp bounded by
 * EphemeralStorage, a minimal /dev and its own /proc. See docs/isolation.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import type { Duplex, Readable, Writable } from 'node:stream';
import { hex } from '../shared/ids.js';
import type { CgroupManager, EnvironmentCgroup } from './cgroups.js';
import { etcView } from './etc.js';
import { killGroup, type Launcher } from './launcher.js';

/**
 * Each environment runs as a uid of its own from this range (Lambda uses one uid, 993, in
 * separate VMs; here environments share a kernel, so a distinct uid is what stops one from
 * signalling another or reaching its Runtime API). The group is Lambda's, 990.
 */
export const UID_BASE = 20_000;
export const UID_COUNT = 1024;
export const SANDBOX_GID = 990;
/** Names of the sandbox users (`sbx_user<uid>`) and their group in the generated passwd and group. */
const USER_PREFIX = 'sbx_user';
const GROUP_NAME = 'sbx';

/** Files of /etc a runtime needs: name resolution, TLS roots, the dynamic linker's cache, time zones. */
const ETC = [
  'ssl', 'ca-certificates', 'ca-certificates.conf', 'resolv.conf', 'hosts', 'nsswitch.conf', 'host.conf', 'gai.conf',
  'localtime', 'ld.so.cache', 'ld.so.conf', 'ld.so.conf.d', 'mime.types', 'protocols', 'services',
];

export interface BwrapOptions {
  bwrap: string;
  setpriv: string;
  cgroups: CgroupManager;
  /** Where the generated /etc/passwd and /etc/group live. */
  stateDir: string;
  /** How many pre-attached cgroup slots to keep ready (0 turns the fast path off). */
  slots?: number;
}

/**
 * A holder waits in its cgroup for the command to run: it reads, NUL-separated, the number of
 * environment variables, the variables, then the command, and execs it in place (same pid, same
 * cgroup, so the exit status is the command's). Perl is part of every Debian system (perl-base).
 * It holds a runtime channel at fd 3 (runtime-channel.ts) and closes it when the command is not a
 * built-in runtime (the variable naming the channel is absent).
 */
const HOLDER = 'local $/; my @p = split /\\0/, scalar(<STDIN>) // "", -1; my $n = shift @p; %ENV = (); for (1 .. $n) { my ($k, $v) = split /=/, shift(@p), 2; $ENV{$k} = $v; } if (!exists $ENV{_STRATUS_RUNTIME_FD} && open(my $c, "+<&=3")) { close $c } exec { $p[0] } @p or exit 127;';
const PERL = '/usr/bin/perl';

interface Slot {
  proc: ChildProcess;
  cgroup: EnvironmentCgroup;
  exec(env: Record<string, string>, argv: string[]): void;
  discard(): void;
}

/** Slots ready for the next environments, refilled in the background as they are used. */
class Slots {
  private ready: Slot[] = [];
  private pending = 0;
  private closed = false;
  private failures = 0;

  constructor(private readonly target: number, private readonly make: () => Promise<Slot>) {
    this.refill();
  }

  /**
   * The next ready slot. Its replacement is started afterwards (refill), once the caller has
   * given the slot its command: spawning a holder and making its cgroup take a few ms of the
   * event loop that must not sit between an invocation and its environment's start.
   */
  take(): Slot | undefined {
    return this.ready.shift();
  }

  /** Start holders until `target` are ready or on the way. */
  refillSoon(): void {
    setImmediate(() => this.refill());
  }

  close(): void {
    this.closed = true;
    for (const s of this.ready) s.discard();
    this.ready = [];
  }

  private refill(): void {
    // After repeated failures (no perl, cgroups refusing) stop trying: the slow path still works.
    while (!this.closed && this.failures < 3 && this.ready.length + this.pending < this.target) {
      this.pending++;
      this.make().then(
        (slot) => {
          this.pending--;
          if (this.closed) return slot.discard();
          this.ready.push(slot);
          // A holder that dies while waiting is no use.
          slot.proc.once('exit', () => {
            const i = this.ready.indexOf(slot);
            if (i !== -1) this.ready.splice(i, 1), slot.cgroup.destroy();
          });
        },
        () => {
          this.pending--;
          this.failures++;
        },
      );
    }
  }
}

/** Find the tools a sandbox needs; throws a readable reason when one is missing. */
export function findSandboxTools(): { bwrap: string; setpriv: string } {
  if (process.platform !== 'linux') throw new Error('the sandbox needs Linux namespaces (this is ' + process.platform + ')');
  if (process.getuid?.() !== 0) throw new Error('the sandbox needs root to create namespaces and cgroups (run as root, or pass --sandbox none)');
  const find = (name: string, pkg: string) => {
    for (const dir of ['/usr/bin', '/bin', '/usr/local/bin', '/usr/sbin']) if (existsSync(join(dir, name))) return join(dir, name);
    throw new Error(`${name} is not installed (Debian: apt-get install ${pkg})`);
  };
  return { bwrap: find('bwrap', 'bubblewrap'), setpriv: find('setpriv', 'util-linux') };
}

export function bwrapLauncher(opts: BwrapOptions): Launcher {
  const users = Array.from({ length: UID_COUNT }, (_, i) => `${USER_PREFIX}${UID_BASE + i}:x:${UID_BASE + i}:${SANDBOX_GID}::/tmp:/usr/sbin/nologin`);
  const etc = etcView(join(opts.stateDir, 'etc'), ETC, {
    passwd: `root:x:0:0:root:/root:/usr/sbin/nologin\n${users.join('\n')}\n`,
    group: `root:x:0:\n${GROUP_NAME}:x:${SANDBOX_GID}:\n`,
  });
  const freeUids: number[] = Array.from({ length: UID_COUNT }, (_, i) => UID_BASE + UID_COUNT - 1 - i);
  opts.cgroups.sweep();

  const slots = new Slots(existsSync(PERL) ? (opts.slots ?? 2) : 0, async () => {
    const cgroup = opts.cgroups.create(`slot-${hex(8)}`);
    const proc = spawn(PERL, ['-e', HOLDER], { env: {}, stdio: ['pipe', 'pipe', 'pipe', 'pipe'], detached: true });
    proc.stdin!.on('error', () => undefined);
    const discard = () => {
      killGroup(proc.pid);
      cgroup.destroy();
    };
    try {
      if (!proc.pid) throw new Error('could not start a slot holder');
      await cgroup.join(proc.pid);
    } catch (err) {
      discard();
      throw err;
    }
    return {
      proc,
      cgroup,
      exec: (env, argv) => proc.stdin!.end([String(Object.keys(env).length), ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...argv].join('\0')),
      discard,
    };
  });

  // The fixed part of every command line: the root file system, mirrored from the host's layout.
  const base: string[] = ['--die-with-parent', '--new-session', '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try', '--share-net'];
  base.push('--ro-bind', '/usr', '/usr');
  for (const top of ['/bin', '/sbin', '/lib', '/lib64', '/lib32', '/libx32']) {
    const st = lstatSync(top, { throwIfNoEntry: false });
    if (st?.isSymbolicLink()) base.push('--symlink', readlinkSync(top), top);
    else if (st?.isDirectory()) base.push('--ro-bind', top, top);
  }
  // /etc comes next, at each launch (etc.ts keeps it up to date with the host).
  const after: string[] = ['--proc', '/proc', '--dev', '/dev', '--dir', '/opt', '--dir', '/var'];

  return {
    name: 'bubblewrap',
    describe: () => `bubblewrap (pid, mount, ipc, uts namespaces; a uid per environment, no capabilities) + ${opts.cgroups.describe()}`,
    paths: () => ({ taskRoot: '/var/task', runtimeDir: '/var/runtime', opt: '/opt' }),
    close: () => {
      slots.close();
      return opts.cgroups.close();
    },
    reserveUid: () => {
      const uid = freeUids.pop();
      if (uid === undefined) throw new Error(`all ${UID_COUNT} sandbox uids are in use: too many live environments`);
      return uid;
    },
    available: () => freeUids.length,
    releaseUid: (uid) => {
      if (!freeUids.includes(uid)) freeUids.push(uid);
    },
    launch(spec) {
      const uid = spec.uid;
      if (uid === undefined) throw new Error('reserveUid() before launch()');
      const release = () => {
        if (!freeUids.includes(uid)) freeUids.push(uid);
      };
      const args = [...base, ...etc.refresh(), ...after];
      // An interpreter installed outside /usr (e.g. a Node from nvm) brings its own prefix.
      if (spec.interpreter) {
        const real = realpathSync(spec.interpreter);
        if (!real.startsWith('/usr/')) {
          const prefix = dirname(dirname(real));
          args.push('--ro-bind', prefix, prefix);
        }
      }
      args.push('--ro-bind', spec.codeDir, '/var/task');
      // The layers, merged in order (store/layer-trees.ts), over the empty /opt of the base.
      if (spec.optDir) args.push('--ro-bind', spec.optDir, '/opt');
      if (spec.runtimeDir) args.push('--ro-bind', spec.runtimeDir, '/var/runtime');
      else args.push('--dir', '/var/runtime');
      args.push('--perms', '1777', '--size', String(spec.ephemeralMB * 1024 * 1024), '--tmpfs', '/tmp');
      args.push('--hostname', hostnameFor(spec.name), '--chdir', '/var/task');
      // bwrap needs no LD_LIBRARY_PATH for itself (it names the environment's directories, which
      // the host lacks, and glibc would probe each for bwrap's own libraries): it sets it for the
      // command instead. The variable is always the platform's value (runtime-env.ts), no secret.
      const { LD_LIBRARY_PATH: ldPath, ...outerEnv } = spec.env;
      if (ldPath !== undefined) args.push('--setenv', 'LD_LIBRARY_PATH', ldPath);
      // The user and group by name (passwd/group above have them): setpriv looks a number up as a
      // name first, and a name the files lack sends glibc on to nsswitch's next source
      // (libnss_systemd, loaded for nothing), ~1 ms of every start.
      const tail = ['--', opts.setpriv, `--reuid=${USER_PREFIX}${uid}`, `--regid=${GROUP_NAME}`, '--clear-groups', '--bounding-set=-all', '--inh-caps=-all', '--no-new-privs', '--', ...spec.argv];

      // Fast path: a slot whose holder process already sits in its own cgroup execs bubblewrap
      // in place, so everything it starts is born inside the cgroup with no attach to wait for.
      const slot = slots.take();
      let proc: ChildProcess;
      let cgroup: EnvironmentCgroup;
      if (slot) {
        cgroup = slot.cgroup;
        cgroup.configure({ memoryMB: spec.memoryMB });
        proc = slot.proc;
        slot.exec(outerEnv, [opts.bwrap, ...args, ...tail]);
      } else {
        // Slow path (no slot ready): bwrap reports the sandbox's first process on fd 4 and waits
        // on fd 5 until that process is in its cgroup, so nothing runs outside the limits.
        cgroup = opts.cgroups.create(`env-${spec.name}`);
        cgroup.configure({ memoryMB: spec.memoryMB });
        // fd 3 is the runtime channel (or nothing); bwrap's own pipes come after it.
        proc = spawn(opts.bwrap, [...args, '--info-fd', '4', '--block-fd', '5', ...tail], { env: outerEnv, stdio: ['ignore', 'pipe', 'pipe', spec.channel ? 'pipe' : 'ignore', 'pipe', 'pipe'], detached: true });
        // (Node types stdio as a tuple of five; the sixth is there all the same.)
        const stdio = proc.stdio as unknown as (Readable | Writable | null)[];
        const gate = stdio[5] as Writable;
        const info = stdio[4] as Readable;
        // bwrap closes its ends once it has used them; resets there are expected.
        gate.on('error', () => undefined);
        info.on('error', () => undefined);
        let text = '';
        let joining = false;
        info.setEncoding('utf8');
        info.on('data', (chunk: string) => {
          text += chunk;
          const m = /"child-pid"\s*:\s*(\d+)/.exec(text);
          if (!m || joining) return;
          joining = true;
          // Without its cgroup the environment must not run: kill it (reported as an exit).
          cgroup.join(Number(m[1])).then(() => gate.end('go'), () => killGroup(proc.pid));
        });
      }
      const channel = proc.stdio[3] as Duplex | null;
      // A slot's channel unused by a custom runtime: the holder closed its end before the exec.
      if (channel && !spec.channel) channel.destroy();
      slots.refillSoon();
      return {
        proc,
        channel: spec.channel && channel ? channel : undefined,
        peakMemoryMB: () => {
          try {
            return cgroup.peakMemoryMB();
          } catch {
            return undefined;
          }
        },
        oomKilled: () => {
          try {
            return cgroup.oomKilled();
          } catch {
            return false;
          }
        },
        setMemory: (memoryMB) => cgroup.configure({ memoryMB }),
        initDone: () => {
          try {
            cgroup.limitCpu();
          } catch {
            /* the environment is already gone */
          }
        },
        // bwrap reports a child killed by signal N as exit status 128+N.
        decodeExit: (code, signal) =>
          code !== null && code > 128 && code < 160 ? { code: null, signal: signalName(code - 128) } : { code, signal },
        destroy: () => {
          killGroup(proc.pid);
          cgroup.destroy();
          // The uid is free again only once nothing of this environment can still hold it.
          proc.exitCode !== null || proc.signalCode !== null ? release() : proc.once('exit', release);
        },
      };
    },
  };
}

/** Lambda's hostnames look like link-local addresses; derive a stable one from the environment id. */
function hostnameFor(id: string): string {
  const n = parseInt(id.slice(0, 4), 16);
  return `169.254.${(n >> 8) & 255}.${n & 255}`;
}

/** Signal numbers → names, this platform's (os.constants.signals; SIGIOT and SIGPOLL are aliases). */
const SIGNALS = new Map<number, NodeJS.Signals>();
for (const [name, n] of Object.entries(constants.signals).reverse()) SIGNALS.set(n, name as NodeJS.Signals);
const signalName = (n: number): NodeJS.Signals => SIGNALS.get(n) ?? 'SIGKILL';

/**
 * The bubblewrap launcher: every environment is its own process tree in new pid, mount, ipc, uts
 * and cgroup namespaces, in a cgroup of its own, running as an unprivileged user with no
 * capabilities and no_new_privs. It sees a minimal read-only root (/usr, a few files of /etc),
 * its code at /var/task, the runtime client at /var/runtime, a private /tmp bounded by
 * EphemeralStorage, a minimal /dev and its own /proc. See docs/isolation.md.
 */
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readlinkSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CgroupManager } from './cgroups.js';
import { killGroup, type Launcher } from './launcher.js';

/**
 * Each environment runs as a uid of its own from this range (Lambda uses one uid, 993, in
 * separate VMs; here environments share a kernel, so a distinct uid is what stops one from
 * signalling another or reaching its Runtime API). The group is Lambda's, 990.
 */
export const UID_BASE = 20_000;
export const UID_COUNT = 1024;
export const SANDBOX_GID = 990;

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
  const etcDir = join(opts.stateDir, 'etc');
  mkdirSync(etcDir, { recursive: true });
  const users = Array.from({ length: UID_COUNT }, (_, i) => `sbx_user${UID_BASE + i}:x:${UID_BASE + i}:${SANDBOX_GID}::/tmp:/usr/sbin/nologin`);
  writeFileSync(join(etcDir, 'passwd'), `root:x:0:0:root:/root:/usr/sbin/nologin\n${users.join('\n')}\n`);
  writeFileSync(join(etcDir, 'group'), `root:x:0:\nsbx:x:${SANDBOX_GID}:\n`);
  const freeUids: number[] = Array.from({ length: UID_COUNT }, (_, i) => UID_BASE + UID_COUNT - 1 - i);
  opts.cgroups.sweep();

  // The fixed part of every command line: the root file system, mirrored from the host's layout.
  const base: string[] = ['--die-with-parent', '--new-session', '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try', '--share-net'];
  base.push('--ro-bind', '/usr', '/usr');
  for (const top of ['/bin', '/sbin', '/lib', '/lib64', '/lib32', '/libx32']) {
    const st = lstatSync(top, { throwIfNoEntry: false });
    if (st?.isSymbolicLink()) base.push('--symlink', readlinkSync(top), top);
    else if (st?.isDirectory()) base.push('--ro-bind', top, top);
  }
  base.push('--dir', '/etc');
  for (const f of ETC) if (existsSync(join('/etc', f))) base.push('--ro-bind', join('/etc', f), join('/etc', f));
  base.push('--ro-bind', join(etcDir, 'passwd'), '/etc/passwd', '--ro-bind', join(etcDir, 'group'), '/etc/group');
  base.push('--proc', '/proc', '--dev', '/dev', '--dir', '/opt', '--dir', '/var');

  return {
    name: 'bubblewrap',
    describe: () => `bubblewrap (pid, mount, ipc, uts namespaces; a uid per environment, no capabilities) + ${opts.cgroups.describe()}`,
    paths: () => ({ taskRoot: '/var/task', runtimeDir: '/var/runtime' }),
    close: () => opts.cgroups.close(),
    reserveUid: () => {
      const uid = freeUids.pop();
      if (uid === undefined) throw new Error(`all ${UID_COUNT} sandbox uids are in use: too many live environments`);
      return uid;
    },
    releaseUid: (uid) => {
      if (!freeUids.includes(uid)) freeUids.push(uid);
    },
    launch(spec) {
      const uid = spec.uid;
      if (uid === undefined) throw new Error('reserveUid() before launch()');
      const release = () => {
        if (!freeUids.includes(uid)) freeUids.push(uid);
      };
      const args = [...base];
      // An interpreter installed outside /usr (e.g. a Node from nvm) brings its own prefix.
      if (spec.interpreter) {
        const real = realpathSync(spec.interpreter);
        if (!real.startsWith('/usr/')) {
          const prefix = dirname(dirname(real));
          args.push('--ro-bind', prefix, prefix);
        }
      }
      args.push('--ro-bind', spec.codeDir, '/var/task');
      if (spec.runtimeDir) args.push('--ro-bind', spec.runtimeDir, '/var/runtime');
      else args.push('--dir', '/var/runtime');
      args.push('--perms', '1777', '--size', String(spec.ephemeralMB * 1024 * 1024), '--tmpfs', '/tmp');
      args.push('--hostname', hostnameFor(spec.name), '--chdir', '/var/task');
      // bwrap reports the sandbox's first process on fd 4 and then waits on fd 3: it goes into its
      // cgroup before it runs anything, so nothing runs outside the limits.
      args.push('--info-fd', '4', '--block-fd', '3');
      args.push('--', opts.setpriv, `--reuid=${uid}`, `--regid=${SANDBOX_GID}`, '--clear-groups', '--bounding-set=-all', '--inh-caps=-all', '--no-new-privs', '--', ...spec.argv);

      const cgroup = opts.cgroups.create(`env-${spec.name}`, { memoryMB: spec.memoryMB });
      const proc = spawn(opts.bwrap, args, { env: spec.env, stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'], detached: true });
      const gate = proc.stdio[3] as import('node:stream').Writable;
      const info = proc.stdio[4] as import('node:stream').Readable;
      // bwrap closes its ends once it has used them; resets there are expected.
      gate.on('error', () => undefined);
      info.on('error', () => undefined);
      let text = '';
      info.setEncoding('utf8');
      info.on('data', (chunk: string) => {
        text += chunk;
        const m = /"child-pid"\s*:\s*(\d+)/.exec(text);
        if (!m || gate.writableEnded) return;
        try {
          cgroup.join(Number(m[1]));
          gate.end('go');
        } catch {
          // Without its cgroup the environment must not run: kill it (reported as an exit).
          killGroup(proc.pid);
        }
      });
      return {
        proc,
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

const SIGNALS: Record<number, NodeJS.Signals> = { 1: 'SIGHUP', 2: 'SIGINT', 3: 'SIGQUIT', 4: 'SIGILL', 6: 'SIGABRT', 7: 'SIGBUS', 8: 'SIGFPE', 9: 'SIGKILL', 11: 'SIGSEGV', 13: 'SIGPIPE', 14: 'SIGALRM', 15: 'SIGTERM' };
const signalName = (n: number): NodeJS.Signals => SIGNALS[n] ?? 'SIGKILL';

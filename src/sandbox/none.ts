/**
 * The unsandboxed launcher (`--sandbox none`): a plain child process in its own process group,
 * with exactly the environment it is given (never the server's). Code is seen at its real path;
 * a private scratch directory is given as TMPDIR. It isolates nothing, and says so.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { removeTree } from '../shared/fs.js';
import { killGroup, type Launcher } from './launcher.js';

export const noneLauncher: Launcher = {
  name: 'none',
  describe: () => 'none: functions run as plain processes of the server user, with no isolation (--sandbox none)',
  // Nothing can be mounted at /opt: the runtime is given the merged layers' real path instead.
  paths: (codeDir, runtimeDir, optDir) => ({ taskRoot: codeDir, runtimeDir, opt: optDir }),
  reserveUid: () => undefined,
  releaseUid: () => undefined,
  close: async () => undefined,
  launch(spec) {
    const tmp = mkdtempSync(join(tmpdir(), 'stratus-env-'));
    const proc = spawn(spec.argv[0]!, spec.argv.slice(1), {
      cwd: spec.codeDir,
      env: { ...spec.env, TMPDIR: tmp },
      stdio: spec.channel ? ['ignore', 'pipe', 'pipe', 'pipe'] : ['ignore', 'pipe', 'pipe'],
      // Its own process group, so stopping the environment can signal everything it started.
      detached: true,
    });
    let status: number | undefined | null;
    const buf = Buffer.allocUnsafe(4096);
    return {
      proc,
      channel: spec.channel ? (proc.stdio[3] as Duplex) : undefined,
      peakMemoryMB: () => {
        // Without a cgroup, the runtime process's own peak resident memory is the best measure;
        // its status file is kept open and read again from the start after each invocation.
        if (status === null) return undefined; // destroyed: nothing to measure, no fd to reopen
        try {
          status ??= openSync(`/proc/${proc.pid}/status`, 'r');
          const text = buf.toString('latin1', 0, readSync(status, buf, 0, buf.length, 0));
          const m = /VmHWM:\s+(\d+) kB/.exec(text);
          return m ? Math.ceil(Number(m[1]) / 1024) : undefined;
        } catch {
          return undefined;
        }
      },
      oomKilled: () => false,
      env: { TMPDIR: tmp },
      initDone: () => undefined,
      decodeExit: (code, signal) => ({ code, signal }),
      destroy: () => {
        if (typeof status === 'number') closeSync(status);
        status = null;
        killGroup(proc.pid);
        removeTree(tmp).catch(() => undefined);
      },
    };
  },
};

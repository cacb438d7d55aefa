/**
 * The unsandboxed launcher: a plain child process in its own process group, with exactly the
 * environment it is given (never the server's). The code is seen at its real path and /tmp is
 * given as TMPDIR. It isolates nothing: the sandbox issue brings bubblewrap + cgroups.
 */
import { spawn } from 'node:child_process';
import type { Launcher } from './launcher.js';

export const noneLauncher: Launcher = {
  name: 'none',
  paths: (codeDir, tmpDir) => ({ taskRoot: codeDir, tmp: tmpDir }),
  launch(spec) {
    return spawn(spec.argv[0]!, spec.argv.slice(1), {
      cwd: spec.codeDir,
      env: { ...spec.env, TMPDIR: spec.tmpDir },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so stopping the environment can signal everything it started.
      detached: true,
    });
  },
};

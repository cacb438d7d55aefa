/** Pick the launcher the config asks for, and refuse to start without a sandbox unless told `--sandbox none`. */
import { createHash } from 'node:crypto';
import { bwrapLauncher, findSandboxTools } from './bwrap.js';
import { detectCgroups } from './cgroups.js';
import type { Launcher } from './launcher.js';
import { noneLauncher } from './none.js';

export class SandboxUnavailableError extends Error {}

export function chooseLauncher(mode: 'bubblewrap' | 'none', stateDir: string): Launcher {
  if (mode === 'none') return noneLauncher;
  try {
    const tools = findSandboxTools();
    // One cgroup parent per data dir (one server each): leftovers of a crashed run are swept
    // without touching another server's environments.
    const cgroups = detectCgroups(`stratus-${createHash('sha256').update(stateDir).digest('hex').slice(0, 12)}`);
    return bwrapLauncher({ ...tools, cgroups, stateDir });
  } catch (err) {
    throw new SandboxUnavailableError((err as Error).message);
  }
}

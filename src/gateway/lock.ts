/** One server per data dir: a lock file holding the owner's pid, taken over only when that process is gone. */
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export class DataDirInUseError extends Error {}

export interface DataDirLock {
  update(info: { url: string }): void;
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function acquireDataDirLock(dataDir: string): DataDirLock {
  const path = join(dataDir, 'server.lock');
  const write = (info: object) => JSON.stringify({ pid: process.pid, ...info });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, write({}), { flag: 'wx' });
      return {
        update: (info) => writeFileSync(path, write(info)),
        release: () => {
          try {
            const owner = JSON.parse(readFileSync(path, 'utf8')) as { pid: number };
            if (owner.pid === process.pid) unlinkSync(path);
          } catch {
            /* already gone */
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let owner: { pid?: number; url?: string } = {};
      try {
        owner = JSON.parse(readFileSync(path, 'utf8'));
      } catch {
        /* half-written by a crashed start: treat as stale */
      }
      if (owner.pid && owner.pid !== process.pid && alive(owner.pid))
        throw new DataDirInUseError(
          `another Stratus server (pid ${owner.pid}${owner.url ? `, ${owner.url}` : ''}) is already using the data dir ${dataDir}`,
        );
      if (owner.pid === process.pid)
        throw new DataDirInUseError(`this process already serves the data dir ${dataDir}`);
      unlinkSync(path);
    }
  }
  throw new DataDirInUseError(`could not lock the data dir ${dataDir}`);
}

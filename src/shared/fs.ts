/** File-system helpers shared by the code store, the unpacker and the launchers. */
import { copyFileSync, linkSync, mkdirSync, readdirSync, readlinkSync, symlinkSync } from 'node:fs';
import { chmod, lstat, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Remove a tree that may be read-only (unpacked code is 0555 directories and 0444 files): as root
 * `rm` just works, but anyone else needs the directories made writable first.
 */
export async function removeTree(dir: string): Promise<void> {
  try {
    await makeDirsWritable(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await rm(dir, { recursive: true, force: true });
}

async function makeDirsWritable(dir: string): Promise<void> {
  if (!(await lstat(dir)).isDirectory()) return;
  await chmod(dir, 0o700);
  for (const ent of await readdir(dir, { withFileTypes: true })) {
    if (ent.isDirectory()) await makeDirsWritable(join(dir, ent.name));
  }
}

/**
 * Make `dst` (an existing directory) hold the tree of `src` by hard links: the same files, no
 * copies (a stem cell receiving its function's code). Copies only where a link is refused.
 */
export function linkTree(src: string, dst: string): void {
  for (const ent of readdirSync(src, { withFileTypes: true })) {
    const from = join(src, ent.name);
    const to = join(dst, ent.name);
    if (ent.isDirectory()) {
      mkdirSync(to);
      linkTree(from, to);
    } else if (ent.isSymbolicLink()) symlinkSync(readlinkSync(from), to);
    else {
      try {
        linkSync(from, to);
      } catch {
        copyFileSync(from, to);
      }
    }
  }
}

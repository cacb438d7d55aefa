import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { removeTree } from '../shared/fs.js';
import { hex } from '../shared/ids.js';

/**
 * Content-addressed code packages: `code/<sha256>.zip` (the bytes as uploaded, for GetFunction's
 * download link) and `code/<sha256>/` (unpacked once, read-only, shared by every version that
 * has that code). Every write goes to a temporary name and is renamed into place, so a crash
 * leaves either nothing or a whole file; temporaries are swept at start.
 */
export class CodeStore {
  readonly dir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'code');
    mkdirSync(this.dir, { recursive: true });
    // Node decides whether a .js file is CommonJS or ESM from the nearest package.json up the
    // tree. Without a sandbox, code dirs may sit inside a project with "type": "module" (the
    // default ./.stratus does); this empty one stops the search at the code store.
    writeFileSync(join(this.dir, 'package.json'), '{}\n');
  }

  static sha256(buf: Buffer): string {
    return createHash('sha256').update(buf).digest('hex');
  }

  zipPath = (sha: string): string => join(this.dir, `${sha}.zip`);
  codeDir = (sha: string): string => join(this.dir, sha);

  /** Store the zip durably (fsync before rename) unless it is already there. */
  async putZip(sha: string, zip: Buffer): Promise<void> {
    const final = this.zipPath(sha);
    if (await exists(final)) return;
    const tmp = `${final}.tmp-${hex(6)}`;
    const fh = await open(tmp, 'wx', 0o444);
    try {
      await fh.writeFile(zip);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, final);
  }

  /** Remove a package's zip and unpacked tree (they are read-only, so make them writable first). */
  async remove(sha: string): Promise<void> {
    await rm(this.zipPath(sha), { force: true });
    await removeTree(this.codeDir(sha));
  }

  /** Remove what a crash left half-written (call once at start, before serving). */
  async sweepTemporaries(): Promise<void> {
    for (const name of readdirSync(this.dir)) {
      if (name.includes('.tmp-')) await removeTree(join(this.dir, name));
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

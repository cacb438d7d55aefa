/**
 * The /opt of a function: its layers merged in order, later ones overriding earlier ones (as AWS
 * extracts them into /opt one after another). One layer is its own unpacked package, used as it
 * is; two or more are merged once per ordered combination into `opt/<key>/` in the data dir, out
 * of hard links to the unpacked packages (no file data is copied), and then reused by every
 * environment of every function with that combination. A tree is built in a temporary directory
 * and renamed into place, so a crash leaves nothing half-built under its final name.
 */
import { createHash } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { chmod, copyFile, link, lstat, mkdir, readdir, readlink, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { removeTree } from '../shared/fs.js';
import { hex } from '../shared/ids.js';

export class LayerTrees {
  readonly dir: string;
  private readonly building = new Map<string, Promise<string>>();

  constructor(dataDir: string, private readonly codeDir: (sha: string) => string) {
    this.dir = join(dataDir, 'opt');
  }

  static key(shas: readonly string[]): string {
    return createHash('sha256').update(shas.join('\n')).digest('hex');
  }

  /** The host directory to show as /opt for these layer packages (in order); undefined for none. */
  async ensure(shas: readonly string[]): Promise<string | undefined> {
    if (shas.length === 0) return undefined;
    if (shas.length === 1) return this.codeDir(shas[0]!);
    const key = LayerTrees.key(shas);
    const final = join(this.dir, key);
    let pending = this.building.get(key);
    if (!pending) {
      pending = this.build(shas, final).finally(() => this.building.delete(key));
      this.building.set(key, pending);
    }
    return pending;
  }

  /** Remove merged trees no function version uses, and temporaries a crash left (call at start). */
  async prune(live: readonly (readonly string[])[]): Promise<void> {
    const keep = new Set(live.filter((l) => l.length > 1).map((l) => LayerTrees.key(l)));
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return;
    }
    for (const name of names) if (!keep.has(name) && name !== 'package.json') await removeTree(join(this.dir, name));
  }

  private async build(shas: readonly string[], final: string): Promise<string> {
    if (await exists(final)) return final;
    await mkdir(this.dir, { recursive: true });
    // As in the code store: stops Node's package-scope search here, so without a sandbox a layer's
    // .js files are not taken for ES modules by a "type": "module" project around the data dir.
    await writeFile(join(this.dir, 'package.json'), '{}\n');
    const tmp = `${final}.tmp-${hex(6)}`;
    try {
      await mkdir(tmp, { mode: 0o755 });
      for (const sha of shas) await mergeInto(this.codeDir(sha), tmp);
      await sealDirs(tmp);
      await rename(tmp, final).catch(async (err: NodeJS.ErrnoException) => {
        // Built concurrently by another server process on the same data dir: same content.
        if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
        await removeTree(tmp);
      });
      return final;
    } catch (err) {
      await removeTree(tmp);
      throw err;
    }
  }
}

/** Lay `src` over `dest`: what `src` has replaces what is there (a file, a link or a whole directory). */
async function mergeInto(src: string, dest: string): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(src, { withFileTypes: true });
  } catch (err) {
    // A package unpacked to an empty tree has no directory entries worth failing over.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`layer package missing from the code store: ${src}`);
    throw err;
  }
  // Names within one directory of one layer are distinct, so they can be laid down concurrently
  // (about 3x faster on a node_modules tree); layers still go one after another.
  await Promise.all(entries.map(async (ent) => {
    const from = join(src, ent.name);
    const to = join(dest, ent.name);
    const there = await lstat(to).catch(() => undefined);
    if (ent.isDirectory()) {
      if (there && !there.isDirectory()) await rm(to, { force: true });
      if (!there?.isDirectory()) await mkdir(to, { mode: 0o755 });
      await mergeInto(from, to);
      return;
    }
    if (there) await (there.isDirectory() ? removeTree(to) : rm(to, { force: true }));
    if (ent.isSymbolicLink()) await symlink(await readlink(from), to);
    else await link(from, to).catch((err: NodeJS.ErrnoException) => {
      // A data dir spread over two file systems cannot hard-link: copy instead.
      if (err.code === 'EXDEV' || err.code === 'EPERM') return copyFile(from, to);
      throw err;
    });
  }));
}

/** Directories read-only once built, like unpacked packages (files are the packages' own, already read-only). */
async function sealDirs(dir: string): Promise<void> {
  for (const ent of await readdir(dir, { withFileTypes: true })) if (ent.isDirectory()) await sealDirs(join(dir, ent.name));
  await chmod(dir, 0o555);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

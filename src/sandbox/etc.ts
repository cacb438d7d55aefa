/**
 * The /etc a sandbox sees: one directory, mounted read-only in one bind, holding copies of the few
 * host files a runtime needs plus the generated passwd and group. Each read-only bind costs
 * bubblewrap a remount and a read of the mount table (~0.2-0.3 ms apiece here), so one directory
 * instead of a bind per file takes ~3 ms off every cold start. The copies follow the host: before
 * each launch the host files are checked (one stat each) and a changed one is copied again,
 * replaced by rename, which running sandboxes see too. Host directories (the TLS roots, whose
 * files change in place) stay binds of their own, over empty mount points made here.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface EtcView {
  /** Bring the copies up to date with the host; returns the bubblewrap arguments that mount /etc. */
  refresh(): string[];
}

/** Generated files that are not copies of the host's. */
const OWN = new Set(['passwd', 'group']);

/**
 * `names`: entries of the host's /etc to show. `own`: generated files (name → content), written
 * once. Works in `dir`, which must be the sandbox's alone.
 */
export function etcView(dir: string, names: readonly string[], own: Record<string, string>, hostEtc = '/etc'): EtcView {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  chmodSync(dir, 0o755);
  for (const [name, text] of Object.entries(own)) writeFileSync(join(dir, name), text, { mode: 0o644 });
  // Leftovers of another set of names (an older server) would be shown too: remove them.
  const wanted = new Set([...names, ...Object.keys(own)]);
  for (const entry of readdirSync(dir)) if (!wanted.has(entry) && !OWN.has(entry)) rmSync(join(dir, entry), { recursive: true, force: true });
  /** What each copy was made from (size, mtime, inode, mode), to notice a change. */
  const copied = new Map<string, string>();

  return {
    refresh() {
      const dirs: string[] = [];
      for (const name of names) {
        const host = join(hostEtc, name);
        const mine = join(dir, name);
        // Followed like a bind would: a symlinked resolv.conf shows its target's content.
        const st = statSync(host, { throwIfNoEntry: false });
        if (!st) {
          if (copied.delete(name) || existsSync(mine)) rmSync(mine, { recursive: true, force: true });
          continue;
        }
        if (st.isDirectory()) {
          if (!copied.has(name)) {
            rmSync(mine, { recursive: true, force: true });
            mkdirSync(mine, { mode: 0o755 });
            copied.set(name, 'dir');
          }
          dirs.push('--ro-bind', host, `/etc/${name}`);
          continue;
        }
        const stamp = `${st.size}:${st.mtimeMs}:${st.ino}:${st.mode}`;
        if (copied.get(name) === stamp) continue;
        if (copied.get(name) === 'dir') rmSync(mine, { recursive: true, force: true });
        const tmp = `${mine}.new`;
        copyFileSync(host, tmp);
        chmodSync(tmp, st.mode & 0o7777);
        renameSync(tmp, mine);
        copied.set(name, stamp);
      }
      return ['--ro-bind', dir, '/etc', ...dirs];
    },
  };
}

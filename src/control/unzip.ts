// Unpacks a Lambda deployment package (a zip from an untrusted user) into a directory.
//
// This is a security boundary. The whole central directory is read and checked before
// anything touches the disk: names, kinds, duplicates, declared sizes, entry count, and every
// symlink's target, resolved through the tree the zip describes. Only then are files written,
// into a private temporary sibling that is renamed into place on success and removed on any
// failure. Files are created with O_EXCL and symlinks last, so nothing is ever written through
// a symlink or over an existing path.

import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, lstat, mkdir, readdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Transform, Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32, inflateRawSync } from 'node:zlib';
import yauzl, { type Entry, type ZipFile } from 'yauzl';

export type UnzipFailure = 'invalid' | 'too-large';

/** A package that cannot be unpacked: 'invalid' (malformed or unsafe) or 'too-large'. */
export class UnzipError extends Error {
  override readonly name = 'UnzipError';
  constructor(readonly kind: UnzipFailure, detail: string) {
    super(detail);
  }
}

export interface ExtractOptions {
  /** Abort once the unpacked bytes (file contents + symlink targets) exceed this. */
  maxUnzippedBytes: number;
  /** Refuse zips with more entries than this; defaults to MAX_ENTRIES. */
  maxEntries?: number;
}

export interface ExtractResult {
  files: number;
  symlinks: number;
  unzippedBytes: number;
  /** destDir was already there (same content address); our copy was discarded. */
  alreadyExisted: boolean;
}

/**
 * AWS documents no entry limit, but each entry costs an inode and a syscall round trip even
 * when empty, so a cap bounds that cost. 100,000 is several times a large node_modules tree.
 */
export const MAX_ENTRIES = 100_000;
// Linux limits: NAME_MAX per segment, PATH_MAX for a whole path, MAXSYMLINKS hops.
const NAME_MAX = 255;
const PATH_MAX = 4095;
const MAX_SYMLINK_HOPS = 40;
// Symlink targets are read into memory to be checked; real packages have a few KB of them.
const MAX_SYMLINK_TARGET_TOTAL = 8 * 1024 * 1024;
// Files written at once: enough to overlap syscall latency, few enough to keep memory flat.
const WRITE_CONCURRENCY = 8;

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

type Kind = 'file' | 'dir' | 'symlink';
interface Node {
  kind: Kind;
  rel: string; // '' for the root
  parent: Node | null;
  children: Map<string, Node>;
  entry: Entry | null; // null for the root and for directories implied by deeper entries
  mode: number; // final permission bits
  target?: string; // symlinks only
  resolving?: boolean; // symlinks: resolution in progress (a loop if met again)
  resolved?: Node | null; // symlinks: memoised resolution
}

/** Unpack a Lambda deployment package into destDir atomically. */
export async function extractZip(zip: Buffer, destDir: string, opts: ExtractOptions): Promise<ExtractResult> {
  const maxBytes = opts.maxUnzippedBytes;
  const maxEntries = opts.maxEntries ?? MAX_ENTRIES;
  destDir = path.resolve(destDir);
  const tmp = `${destDir}.tmp-${randomBytes(6).toString('hex')}`;
  const meterState = { bytes: 0 };

  const zipfile = await openZip(zip);
  let tmpCreated = false;
  try {
    const root = await planTree(zipfile, { maxBytes, maxEntries, maxPath: PATH_MAX - Buffer.byteLength(tmp) - 1 });
    const all = flatten(root);
    await readSymlinkTargets(zipfile, all.links, meterState, maxBytes);
    for (const link of all.links) resolveLink(link, 0);

    await mkdir(path.dirname(destDir), { recursive: true });
    // 0o700 while writing: nobody else may read a half-written package or race us inside it.
    await mkdir(tmp, { mode: 0o700 });
    tmpCreated = true;
    try {
      for (const dir of all.dirs) await mkdir(inside(tmp, dir.rel), { mode: 0o700 });
      await writeFiles(zip, zipfile, all.files, tmp, meterState, maxBytes);
      // Symlinks last, after every file exists, so no file can be written through one.
      for (const link of all.links) await symlink(link.target!, inside(tmp, link.rel));
    } catch (err) {
      throw fsToUnzipError(err);
    }
    for (const dir of all.dirs.reverse()) await chmod(inside(tmp, dir.rel), 0o555);
    await chmod(tmp, 0o555);

    const result = { files: all.files.length, symlinks: all.links.length, unzippedBytes: meterState.bytes };
    try {
      await rename(tmp, destDir);
      return { ...result, alreadyExisted: false };
    } catch (err) {
      // Code directories are content-addressed by the caller, so one that already exists
      // (unpacked earlier, or concurrently) holds the same content: keep it, drop ours.
      if (!hasCode(err, 'ENOTEMPTY', 'EEXIST')) throw err;
      await removeTree(tmp);
      return { ...result, alreadyExisted: true };
    }
  } catch (err) {
    if (tmpCreated) await removeTree(tmp);
    throw err;
  } finally {
    zipfile.close();
  }
}

/** Remove an unpacked tree; its directories are read-only, so make them writable first. */
export async function removeTree(dir: string): Promise<void> {
  try {
    await makeDirsWritable(dir);
  } catch (err) {
    if (!hasCode(err, 'ENOENT')) throw err;
  }
  await rm(dir, { recursive: true, force: true });
}

async function makeDirsWritable(dir: string): Promise<void> {
  if (!(await lstat(dir)).isDirectory()) return;
  await chmod(dir, 0o700);
  for (const ent of await readdir(dir, { withFileTypes: true })) {
    if (ent.isDirectory()) await makeDirsWritable(path.join(dir, ent.name));
  }
}

async function openZip(zip: Buffer): Promise<ZipFile> {
  if (zip.length === 0) throw new UnzipError('invalid', 'empty file');
  try {
    // strictFileNames makes yauzl refuse backslashes instead of silently turning them into '/'.
    // validateEntrySizes makes it fail a stream that yields more or fewer bytes than declared.
    // autoClose is off because files are read after the central directory has been walked.
    return await yauzl.fromBufferPromise(zip, {
      lazyEntries: true,
      autoClose: false,
      validateEntrySizes: true,
      strictFileNames: true,
    });
  } catch (err) {
    throw new UnzipError('invalid', messageOf(err));
  }
}

interface PlanLimits {
  maxBytes: number;
  maxEntries: number;
  maxPath: number;
}

/** Walk the central directory and build the tree it describes, refusing anything unsafe. */
async function planTree(zipfile: ZipFile, limits: PlanLimits): Promise<Node> {
  if (zipfile.entryCount > limits.maxEntries) {
    throw new UnzipError('too-large', `${zipfile.entryCount} entries; at most ${limits.maxEntries} are allowed`);
  }
  // A late error (none expected from an in-memory reader) must not crash the process.
  zipfile.on('error', () => {});
  const root = newNode('dir', '', null, null, 0o555);
  const byPath = new Map<string, Node>([['', root]]);
  let declared = 0;

  try {
    for await (const entry of zipfile.eachEntry()) {
      const rel = normalizeName(entry.fileName, limits.maxPath);
      const kind = kindOf(entry);
      if (rel === '') {
        if (kind === 'dir') continue; // "./" is the root itself
        throw new UnzipError('invalid', `entry ${JSON.stringify(entry.fileName)} has no name`);
      }
      if (kind !== 'dir' && !entry.canDecodeFileData()) {
        const why = entry.isEncrypted() ? 'is encrypted' : `uses unsupported compression method ${entry.compressionMethod}`;
        throw new UnzipError('invalid', `entry ${rel} ${why}`);
      }
      const existing = byPath.get(rel);
      if (existing) {
        // Repeated directory entries are harmless. Any other duplicate is refused rather than
        // "last wins": tools disagree on which copy wins, which is how payloads get smuggled
        // past a scanner, and no honest zip tool writes two entries with one name.
        if (existing.kind === 'dir' && kind === 'dir') continue;
        throw new UnzipError('invalid', `duplicate entry ${rel}`);
      }
      if (kind !== 'dir') {
        // Fast path: declared sizes are binding (validateEntrySizes), so their sum bounds the
        // real output and a bomb that admits its size is refused before anything is inflated.
        declared += entry.uncompressedSize;
        if (declared > limits.maxBytes) {
          throw new UnzipError('too-large', `declared unzipped size exceeds ${limits.maxBytes} bytes`);
        }
      }
      if (kind === 'symlink' && (entry.uncompressedSize === 0 || entry.uncompressedSize > PATH_MAX)) {
        throw new UnzipError('invalid', `symlink ${rel} has a target of ${entry.uncompressedSize} bytes`);
      }
      byPath.set(rel, newNode(kind, rel, null, entry, kind === 'file' ? fileMode(entry) : 0o555));
    }
  } catch (err) {
    if (err instanceof UnzipError) throw err;
    throw new UnzipError('invalid', messageOf(err));
  }

  // Link every node to its parent, creating directories that only deeper entries imply.
  // Every ancestor must be a directory: that refuses "a" as a file or symlink next to "a/b",
  // so no entry can land inside (or be written through) a symlink whatever the entry order.
  for (const node of [...byPath.values()]) {
    if (node === root) continue;
    let child = node;
    for (;;) {
      const slash = child.rel.lastIndexOf('/');
      const parentRel = slash < 0 ? '' : child.rel.slice(0, slash);
      let parent = byPath.get(parentRel);
      if (parent && parent.kind !== 'dir') {
        throw new UnzipError('invalid', `entry ${node.rel} is inside ${parent.rel}, which is a ${parent.kind}`);
      }
      const linked = parent !== undefined;
      if (!parent) {
        parent = newNode('dir', parentRel, null, null, 0o555);
        byPath.set(parentRel, parent);
      }
      child.parent = parent;
      parent.children.set(child.rel.slice(slash + 1), child);
      if (linked) break;
      child = parent;
    }
  }
  return root;
}

function newNode(kind: Kind, rel: string, parent: Node | null, entry: Entry | null, mode: number): Node {
  return { kind, rel, parent, children: new Map(), entry, mode };
}

/** Turn a zip entry name into a clean relative path, or refuse it. */
function normalizeName(name: string, maxPath: number): string {
  const quoted = JSON.stringify(name);
  // yauzl (strictFileNames) already refuses backslashes, absolute paths, drive letters and
  // ".." segments; they are checked again so this boundary does not rest on its defaults.
  if (name.includes('\0')) throw new UnzipError('invalid', `entry name ${quoted} contains NUL`);
  if (name.includes('\\')) throw new UnzipError('invalid', `entry name ${quoted} contains a backslash`);
  if (name.startsWith('/') || /^[a-zA-Z]:/.test(name)) throw new UnzipError('invalid', `entry name ${quoted} is absolute`);
  const segments = name.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) throw new UnzipError('invalid', `entry name ${quoted} contains ".."`);
  if (segments.some((s) => Buffer.byteLength(s) > NAME_MAX)) {
    throw new UnzipError('invalid', `entry name ${quoted} has a segment longer than ${NAME_MAX} bytes`);
  }
  const rel = segments.join('/');
  if (Buffer.byteLength(rel) > maxPath) throw new UnzipError('invalid', `entry name ${quoted} is too long`);
  return rel;
}

/** The Unix mode stored in the entry, or null when the zip was made without one (Windows). */
function unixMode(entry: Entry): number | null {
  const host = entry.versionMadeBy >>> 8;
  const mode = entry.externalFileAttributes >>> 16;
  if (host === 3 || host === 19) return mode; // Unix, OS X
  // Some non-Unix tools (7-Zip, commons-compress) still store a Unix mode; trust it only when
  // it carries a file type, since Windows attributes live in the low bits and leave these zero.
  return (mode & S_IFMT) !== 0 ? mode : null;
}

function kindOf(entry: Entry): Kind {
  if (entry.fileName.endsWith('/')) return 'dir';
  const type = (unixMode(entry) ?? 0) & S_IFMT;
  if (type === S_IFLNK) return 'symlink';
  if (type === S_IFDIR) return 'dir';
  // Devices, FIFOs and sockets are never created: anything else is written as a regular file.
  return 'file';
}

/**
 * Read-only, plus execute for everyone when the zip gives the file any execute bit, so a
 * `bootstrap` stays runnable. Set-id and sticky bits are never applied. A zip without Unix
 * modes (made on Windows) gets 0o444 for everything, `bootstrap` included: that is what AWS
 * does (the known "permission denied" on /var/task/bootstrap), and a package that works here
 * but fails on AWS would be a trap.
 */
function fileMode(entry: Entry): number {
  const mode = unixMode(entry);
  return mode !== null && (mode & 0o111) !== 0 ? 0o555 : 0o444;
}

function flatten(root: Node): { dirs: Node[]; files: Node[]; links: Node[] } {
  const dirs: Node[] = [];
  const files: Node[] = [];
  const links: Node[] = [];
  // Breadth-first: every directory comes after its parent.
  const queue = [root];
  for (let i = 0; i < queue.length; i++) {
    for (const child of queue[i]!.children.values()) {
      if (child.kind === 'dir') {
        dirs.push(child);
        queue.push(child);
      } else {
        (child.kind === 'file' ? files : links).push(child);
      }
    }
  }
  // Write files in archive order: reads then walk the buffer forward.
  files.sort((a, b) => a.entry!.relativeOffsetOfLocalHeader - b.entry!.relativeOffsetOfLocalHeader);
  return { dirs, files, links };
}

async function readSymlinkTargets(zipfile: ZipFile, links: Node[], state: { bytes: number }, maxBytes: number): Promise<void> {
  let total = 0;
  for (const link of links) {
    total += link.entry!.uncompressedSize;
    if (total > MAX_SYMLINK_TARGET_TOTAL) throw new UnzipError('invalid', `symlink targets exceed ${MAX_SYMLINK_TARGET_TOTAL} bytes`);
    const chunks: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk);
        cb();
      },
    });
    await copyEntry(zipfile, link, sink, state, maxBytes);
    let target: string;
    try {
      // On-disk names are UTF-8, so a target that is not UTF-8 could never name an entry.
      target = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
    } catch {
      throw new UnzipError('invalid', `symlink ${link.rel} has a target that is not UTF-8`);
    }
    // Also refused lexically, whatever the tree holds: if trees are ever overlaid (layers in
    // /opt), a component missing from this zip could exist in another.
    const lexical = path.posix.normalize(path.posix.join(path.posix.dirname(link.rel), target));
    const escapes = lexical === '..' || lexical.startsWith('../');
    const why = target.includes('\0') ? 'contains NUL'
      : target.includes('\\') ? 'contains a backslash'
      : target.startsWith('/') ? 'is absolute'
      : escapes ? 'points outside the package'
      : null;
    if (why) throw new UnzipError('invalid', `symlink ${link.rel} -> ${JSON.stringify(target)}: target ${why}`);
    link.target = target;
  }
}

/**
 * Resolve a symlink the way the kernel would, through the tree the zip describes (following
 * other symlinks in it), and refuse it if it climbs above the root. A lexical check is not
 * enough: with `up -> ../..` at depth 2, `x -> a/b/up/..` looks in-tree but is not.
 * Returns the node reached, or null when resolution would fail (missing entry, not a
 * directory), which can never escape. Memoised, so every target is walked once.
 */
function resolveLink(link: Node, hops: number): Node | null {
  if (link.resolved !== undefined) return link.resolved;
  if (link.resolving || hops >= MAX_SYMLINK_HOPS) {
    throw new UnzipError('invalid', `symlink ${link.rel} is part of a loop or too long a chain`);
  }
  link.resolving = true;
  let cur: Node | null = link.parent!;
  for (const seg of link.target!.split('/')) {
    if (cur === null) break;
    if (seg === '' || seg === '.') continue;
    if (cur.kind !== 'dir') {
      cur = null; // ENOTDIR
    } else if (seg === '..') {
      if (!cur.parent) throw new UnzipError('invalid', `symlink ${link.rel} -> ${link.target} points outside the package`);
      cur = cur.parent;
    } else {
      const next: Node | undefined = cur.children.get(seg);
      cur = next === undefined ? null : next.kind === 'symlink' ? resolveLink(next, hops + 1) : next;
    }
  }
  link.resolving = false;
  link.resolved = cur;
  return cur;
}

async function writeFiles(zip: Buffer, zipfile: ZipFile, files: Node[], root: string, state: { bytes: number }, maxBytes: number): Promise<void> {
  let next = 0;
  let firstError: unknown = null;
  const worker = async (): Promise<void> => {
    while (firstError === null && next < files.length) {
      const file = files[next++]!;
      const dest = inside(root, file.rel);
      try {
        // 'wx' is O_CREAT|O_EXCL: never follows a symlink, never overwrites.
        if (file.entry!.uncompressedSize <= SMALL_FILE) {
          await writeFile(dest, await inflateSmall(zip, zipfile, file, state, maxBytes), { flag: 'wx', mode: 0o600 });
        } else {
          await copyEntry(zipfile, file, createWriteStream(dest, { flags: 'wx', mode: 0o600 }), state, maxBytes);
        }
        await chmod(dest, file.mode);
      } catch (err) {
        firstError ??= err;
      }
    }
  };
  // Every worker settles before we return, so the caller never deletes under a live write.
  await Promise.all(Array.from({ length: WRITE_CONCURRENCY }, worker));
  if (firstError !== null) throw firstError;
}

const SMALL_FILE = 64 * 1024;
async function inflateSmall(zip: Buffer, zipfile: ZipFile, node: Node, state: { bytes: number }, maxBytes: number): Promise<Buffer> {
  const entry = node.entry!;
  let start: number;
  try {
    start = (await zipfile.readLocalFileHeaderPromise(entry, { minimal: true })).fileDataStart;
  } catch (err) {
    throw new UnzipError('invalid', `${node.rel}: ${messageOf(err)}`);
  }
  const raw = zip.subarray(start, start + entry.compressedSize);
  let data: Buffer;
  try {
    data = entry.compressionMethod === 0 ? raw : inflateRawSync(raw, { maxOutputLength: entry.uncompressedSize + 1 });
  } catch (err) {
    throw new UnzipError('invalid', `${node.rel}: ${messageOf(err)}`);
  }
  if (data.length !== entry.uncompressedSize) throw new UnzipError('invalid', `${node.rel}: size mismatch`);
  state.bytes += data.length;
  if (state.bytes > maxBytes) throw new UnzipError('too-large', `unzipped size exceeds ${maxBytes} bytes`);
  if (crc32(data) !== entry.crc32) throw new UnzipError('invalid', `CRC-32 mismatch in ${node.rel}`);
  return data;
}

/** Stream one entry's bytes into sink, counting them against the limit and checking the CRC. */
async function copyEntry(zipfile: ZipFile, node: Node, sink: NodeJS.WritableStream, state: { bytes: number }, maxBytes: number): Promise<void> {
  const entry = node.entry!;
  let crc = 0;
  // Counts what is really inflated, so even if the declared sizes were somehow wrong the
  // extraction stops at the first chunk past the limit rather than after writing it all.
  const meter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      state.bytes += chunk.length;
      if (state.bytes > maxBytes) return cb(new UnzipError('too-large', `unzipped size exceeds ${maxBytes} bytes`));
      crc = crc32(chunk, crc);
      cb(null, chunk);
    },
    flush(cb) {
      // yauzl does not check CRCs; a mismatch means a corrupt (or doctored) stored entry.
      cb(crc === entry.crc32 ? null : new UnzipError('invalid', `CRC-32 mismatch in ${node.rel}`));
    },
  });
  let source: Readable;
  try {
    source = await zipfile.openReadStreamPromise(entry);
  } catch (err) {
    throw new UnzipError('invalid', `${node.rel}: ${messageOf(err)}`);
  }
  try {
    await pipeline(source, meter, sink);
  } catch (err) {
    if (err instanceof UnzipError || isFsError(err)) throw err;
    // Anything else came from yauzl or zlib: bad deflate data, or a size that lied.
    throw new UnzipError('invalid', `${node.rel}: ${messageOf(err)}`);
  }
}

/** Join a checked relative path under root, re-asserting it stays inside. */
function inside(root: string, rel: string): string {
  const full = path.resolve(root, rel);
  if (!full.startsWith(root + path.sep)) throw new UnzipError('invalid', `entry ${rel} resolves outside the package`);
  return full;
}

// Errors while writing the tree that the plan could not foresee (a name clash on a
// case-insensitive host filesystem, an over-long path) are the package's fault; others
// (ENOSPC, EACCES) are the server's and pass through for the caller to report as such.
function fsToUnzipError(err: unknown): unknown {
  if (isFsError(err) && hasCode(err, 'EEXIST', 'ENAMETOOLONG', 'ENOTDIR', 'EISDIR', 'ELOOP')) {
    return new UnzipError('invalid', messageOf(err));
  }
  return err;
}

function isFsError(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).syscall === 'string';
}

function hasCode(err: unknown, ...codes: string[]): boolean {
  return err instanceof Error && codes.includes((err as NodeJS.ErrnoException).code ?? '');
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

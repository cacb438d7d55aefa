// Unpacks a Lambda deployment package (a zip from an untrusted user) into a directory.
//
// This is a security boundary. The whole central directory is read and checked before
// anything touches the disk: names, kinds, duplicates, declared sizes, the entry count, and
// every symlink's target, resolved through the tree the zip describes. Only then are files
// written, into a private temporary sibling that is renamed into place on success and removed
// on any failure. Files are created with O_EXCL and symlinks last, so nothing is ever written
// through a symlink or over an existing path.

import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, mkdir, rename, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32, inflateRawSync } from 'node:zlib';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { removeTree } from '../shared/fs.js';

export type UnzipFailure = 'invalid' | 'too-large';

/** A package that cannot be unpacked: 'invalid' (malformed or unsafe) or 'too-large'. */
export class UnzipError extends Error {
  override readonly name = 'UnzipError';
  constructor(readonly kind: UnzipFailure, detail: string) {
    // Details quote names from the zip: keep control characters and megabyte names out of logs.
    super(detail.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`).slice(0, 1000));
  }
}

export interface ExtractOptions {
  /** Fail with 'too-large' once file contents plus symlink targets exceed this many bytes. */
  maxUnzippedBytes: number;
  /** Fail with 'too-large' above this many entries; defaults to MAX_ENTRIES. */
  maxEntries?: number;
}

export interface ExtractResult {
  files: number;
  symlinks: number;
  unzippedBytes: number;
  /** destDir was already there (same content address), so this copy was discarded. */
  alreadyExisted: boolean;
}

/**
 * AWS documents no entry limit, but every entry costs an inode and syscalls even when empty,
 * so a cap bounds that cost. 100,000 is several times a large node_modules tree.
 */
export const MAX_ENTRIES = 100_000;
// Linux limits: NAME_MAX per segment, PATH_MAX for a whole path, MAXSYMLINKS hops.
const NAME_MAX = 255;
const PATH_MAX = 4095;
const MAX_SYMLINK_HOPS = 40;
// Symlink targets are held in memory to be checked; real packages have a few KB of them.
const MAX_SYMLINK_TARGET_TOTAL = 8 * 1024 * 1024;
// Entries this small (both sizes) are inflated in one call and written in one call: about
// twice as fast as a stream per file for a typical node_modules, and memory stays tiny.
const SMALL_ENTRY = 64 * 1024;
// Files in flight at once: overlaps filesystem latency (about 3x on 20,000 small files).
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
  entry: Entry | null; // null for the root and for directories only implied by deeper entries
  mode: number; // final permission bits
  target?: string; // symlinks only
  resolving?: boolean; // symlinks: resolution under way (meeting it again means a loop)
  resolved?: Node | null; // symlinks: memoised resolution
}

/** Bytes unpacked so far against the limit; shared by every file of one extraction. */
interface Budget {
  used: number;
  max: number;
}

/** Unpack a Lambda deployment package into destDir atomically. */
export async function extractZip(zip: Buffer, destDir: string, opts: ExtractOptions): Promise<ExtractResult> {
  if (!(opts.maxUnzippedBytes >= 0)) throw new RangeError('maxUnzippedBytes must be a non-negative number');
  destDir = path.resolve(destDir);
  const tmp = `${destDir}.tmp-${randomBytes(6).toString('hex')}`;
  const budget: Budget = { used: 0, max: opts.maxUnzippedBytes };

  const zipfile = await openZip(zip);
  let tmpCreated = false;
  try {
    const root = await planTree(zipfile, {
      maxBytes: budget.max,
      maxEntries: opts.maxEntries ?? MAX_ENTRIES,
      maxPath: PATH_MAX - Buffer.byteLength(tmp) - 1,
    });
    const { dirs, files, links } = flatten(root);
    await readSymlinkTargets(zip, zipfile, links, budget);
    for (const link of links) resolveLink(link, 0);

    await mkdir(path.dirname(destDir), { recursive: true });
    // 0o700 while writing: nobody else may read a half-written package or race us inside it.
    await mkdir(tmp, { mode: 0o700 });
    tmpCreated = true;
    try {
      for (const dir of dirs) await mkdir(inside(tmp, dir.rel), { mode: 0o700 });
      await writeFiles(zip, zipfile, files, tmp, budget);
      // Symlinks last, once every file exists, so no file can be written through one.
      for (const link of links) await symlink(link.target!, inside(tmp, link.rel));
    } catch (err) {
      throw fsToUnzipError(err);
    }
    for (const dir of dirs) await chmod(inside(tmp, dir.rel), 0o555);
    await chmod(tmp, 0o555);

    const result = { files: files.length, symlinks: links.length, unzippedBytes: budget.used };
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

async function openZip(zip: Buffer): Promise<ZipFile> {
  if (zip.length === 0) throw new UnzipError('invalid', 'empty file');
  try {
    // strictFileNames: refuse backslashes instead of silently turning them into '/'.
    // validateEntrySizes: fail an entry whose data yields more or fewer bytes than declared.
    // autoClose off: files are read after the central directory has been walked.
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
  // A late reader error (none are expected from a buffer) must not crash the process.
  zipfile.on('error', () => {});
  const root = newNode('dir', '', null, 0o555);
  const byPath = new Map<string, Node>([['', root]]);
  let declared = 0;

  try {
    for await (const entry of zipfile.eachEntry()) {
      const rel = normalizeName(entry.fileName, limits.maxPath);
      const kind = kindOf(entry);
      if (rel === '') {
        if (kind === 'dir') continue; // "./" is the root itself
        throw new UnzipError('invalid', `entry ${q(entry.fileName)} has no name`);
      }
      if (kind !== 'dir' && !entry.canDecodeFileData()) {
        const why = entry.isEncrypted() ? 'is encrypted' : `uses unsupported compression method ${entry.compressionMethod}`;
        throw new UnzipError('invalid', `entry ${q(rel)} ${why}`);
      }
      const existing = byPath.get(rel);
      if (existing) {
        // Repeated directory entries are harmless. Any other duplicate is refused rather than
        // "last wins": tools disagree on which copy wins, which is how payloads get smuggled
        // past a scanner, and no honest zip tool writes two entries with one name.
        if (existing.kind === 'dir' && kind === 'dir') continue;
        throw new UnzipError('invalid', `duplicate entry ${q(rel)}`);
      }
      if (kind !== 'dir') {
        // Fast path: declared sizes are binding (validateEntrySizes), so their sum bounds the
        // real output, and a bomb that admits its size is refused before anything is inflated.
        declared += entry.uncompressedSize;
        if (declared > limits.maxBytes) {
          throw new UnzipError('too-large', `declared unzipped size exceeds ${limits.maxBytes} bytes`);
        }
      }
      if (kind === 'symlink' && (entry.uncompressedSize === 0 || entry.uncompressedSize > PATH_MAX)) {
        throw new UnzipError('invalid', `symlink ${q(rel)} has a target of ${entry.uncompressedSize} bytes`);
      }
      byPath.set(rel, newNode(kind, rel, entry, kind === 'file' ? fileMode(entry) : 0o555));
    }
  } catch (err) {
    if (err instanceof UnzipError) throw err;
    throw new UnzipError('invalid', messageOf(err));
  }

  // Link every node to its parent, creating the directories only deeper entries imply. Every
  // ancestor must be a directory: that refuses "a" as a file or symlink beside "a/b", so no
  // entry can land inside (or be written through) a symlink, whatever the entry order.
  for (const node of [...byPath.values()]) {
    let child = node;
    while (child !== root) {
      const slash = child.rel.lastIndexOf('/');
      const parentRel = slash < 0 ? '' : child.rel.slice(0, slash);
      const known = byPath.get(parentRel);
      if (known && known.kind !== 'dir') {
        throw new UnzipError('invalid', `entry ${q(node.rel)} is inside ${q(known.rel)}, which is a ${known.kind}`);
      }
      const parent = known ?? newNode('dir', parentRel, null, 0o555);
      if (!known) byPath.set(parentRel, parent);
      child.parent = parent;
      parent.children.set(child.rel.slice(slash + 1), child);
      if (known) break; // the rest of the chain is linked when `known` itself comes round
      child = parent;
    }
  }
  return root;
}

function newNode(kind: Kind, rel: string, entry: Entry | null, mode: number): Node {
  return { kind, rel, parent: null, children: new Map(), entry, mode };
}

/** Turn a zip entry name into a clean relative path, or refuse it. */
function normalizeName(name: string, maxPath: number): string {
  // yauzl (strictFileNames) already refuses backslashes, absolute paths, drive letters and
  // ".." segments; they are checked again so this boundary does not rest on its defaults.
  const refuse = (why: string): never => {
    throw new UnzipError('invalid', `entry name ${q(name)} ${why}`);
  };
  if (name.includes('\0')) refuse('contains NUL');
  if (name.includes('\\')) refuse('contains a backslash');
  if (name.startsWith('/') || /^[a-zA-Z]:/.test(name)) refuse('is absolute');
  const segments = name.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) refuse('contains ".."');
  if (segments.some((s) => Buffer.byteLength(s) > NAME_MAX)) refuse(`has a segment longer than ${NAME_MAX} bytes`);
  const rel = segments.join('/');
  if (Buffer.byteLength(rel) > maxPath) refuse('is too long');
  return rel;
}

/** The Unix mode stored in the entry, or null when the zip was made without one (Windows). */
function unixMode(entry: Entry): number | null {
  const host = entry.versionMadeBy >>> 8;
  const mode = entry.externalFileAttributes >>> 16;
  if (host === 3 || host === 19) return mode; // Unix, OS X
  // Some non-Unix tools (7-Zip, commons-compress) still store a Unix mode; trust it only when
  // it carries a file type, as Windows attributes live in the low bits and leave these zero.
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
 * `bootstrap` stays runnable; set-id and sticky bits are never applied. A zip without Unix
 * modes (made on Windows) gets 0o444 throughout, `bootstrap` included: that is what AWS does
 * (the well-known "permission denied" on /var/task/bootstrap), and a package that works here
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
  // Breadth-first, so every directory comes after its parent.
  const queue = [root];
  for (let i = 0; i < queue.length; i++) {
    for (const child of queue[i]!.children.values()) {
      if (child.kind === 'dir') queue.push(child);
      (child.kind === 'dir' ? dirs : child.kind === 'file' ? files : links).push(child);
    }
  }
  // Archive order: reads then walk the buffer forward.
  files.sort((a, b) => a.entry!.relativeOffsetOfLocalHeader - b.entry!.relativeOffsetOfLocalHeader);
  return { dirs, files, links };
}

async function readSymlinkTargets(zip: Buffer, zipfile: ZipFile, links: Node[], budget: Budget): Promise<void> {
  let total = 0;
  for (const link of links) {
    total += link.entry!.uncompressedSize; // at most PATH_MAX each, checked in planTree
    if (total > MAX_SYMLINK_TARGET_TOTAL) throw new UnzipError('invalid', `symlink targets exceed ${MAX_SYMLINK_TARGET_TOTAL} bytes`);
    let target: string;
    try {
      // On-disk names are UTF-8, so a target that is not could never name an entry.
      target = new TextDecoder('utf-8', { fatal: true }).decode(await readSmall(zip, zipfile, link, budget));
    } catch (err) {
      if (err instanceof UnzipError) throw err;
      throw new UnzipError('invalid', `symlink ${q(link.rel)} has a target that is not UTF-8`);
    }
    // Refused lexically too, whatever the tree holds: were trees ever overlaid (layers in
    // /opt), a component missing from this zip could exist in another.
    const lexical = path.posix.normalize(path.posix.join(path.posix.dirname(link.rel), target));
    const why = target.includes('\0') ? 'contains NUL'
      : target.includes('\\') ? 'contains a backslash'
      : target.startsWith('/') ? 'is absolute'
      : lexical === '..' || lexical.startsWith('../') ? 'points outside the package'
      : null;
    if (why) throw new UnzipError('invalid', `symlink ${q(link.rel)} -> ${q(target)}: target ${why}`);
    link.target = target;
  }
}

/**
 * Resolve a symlink as the kernel would, through the tree the zip describes (following other
 * symlinks in it), and refuse it if it climbs above the root. A lexical check is not enough:
 * with `a/b/up -> ../..` (the root), `x -> a/b/up/..` looks in-tree but is the root's parent.
 * Returns the node reached, or null where resolution would fail (a missing entry, a file used
 * as a directory). Memoised, so each target is walked once however links chain.
 */
function resolveLink(link: Node, hops: number): Node | null {
  if (link.resolved !== undefined) return link.resolved;
  if (link.resolving || hops >= MAX_SYMLINK_HOPS) {
    throw new UnzipError('invalid', `symlink ${q(link.rel)} is part of a loop or too long a chain`);
  }
  link.resolving = true;
  let cur: Node | null = link.parent!;
  for (const seg of link.target!.split('/')) {
    if (cur === null) break;
    if (seg === '' || seg === '.') continue;
    if (cur.kind !== 'dir') {
      cur = null; // ENOTDIR
    } else if (seg === '..') {
      if (!cur.parent) throw new UnzipError('invalid', `symlink ${q(link.rel)} -> ${q(link.target!)} points outside the package`);
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

async function writeFiles(zip: Buffer, zipfile: ZipFile, files: Node[], root: string, budget: Budget): Promise<void> {
  let next = 0;
  let firstError: unknown = null;
  const worker = async (): Promise<void> => {
    while (firstError === null && next < files.length) {
      const file = files[next++]!;
      const dest = inside(root, file.rel);
      const { compressedSize, uncompressedSize } = file.entry!;
      try {
        // Flag 'wx' is O_CREAT|O_EXCL: it never follows a symlink and never overwrites.
        if (compressedSize <= SMALL_ENTRY && uncompressedSize <= SMALL_ENTRY) {
          await writeFile(dest, await readSmall(zip, zipfile, file, budget), { flag: 'wx', mode: 0o600 });
        } else {
          await streamEntry(zipfile, file, createWriteStream(dest, { flags: 'wx', mode: 0o600 }), budget);
        }
        await chmod(dest, file.mode);
      } catch (err) {
        firstError ??= err;
      }
    }
  };
  // Every worker settles before this returns, so the caller never deletes under a live write.
  await Promise.all(Array.from({ length: WRITE_CONCURRENCY }, worker));
  if (firstError !== null) throw firstError;
}

/** Count bytes against the budget: the running total, never only the declared sizes. */
function spend(budget: Budget, bytes: number): void {
  budget.used += bytes;
  if (budget.used > budget.max) throw new UnzipError('too-large', `unzipped size exceeds ${budget.max} bytes`);
}

/** A small entry's content in one piece, checked as yauzl's stream would and by CRC. */
async function readSmall(zip: Buffer, zipfile: ZipFile, node: Node, budget: Budget): Promise<Buffer> {
  const entry = node.entry!;
  let data: Buffer;
  try {
    // yauzl finds the data and checks it lies within the file.
    const { fileDataStart } = await zipfile.readLocalFileHeaderPromise(entry, { minimal: true });
    const raw = zip.subarray(fileDataStart, fileDataStart + entry.compressedSize);
    // maxOutputLength: inflating stops one byte past the declared size, however the data lies.
    data = entry.compressionMethod === 0 ? raw : inflateRawSync(raw, { maxOutputLength: entry.uncompressedSize + 1 });
  } catch (err) {
    throw new UnzipError('invalid', `entry ${q(node.rel)}: ${messageOf(err)}`);
  }
  if (data.length !== entry.uncompressedSize) {
    throw new UnzipError('invalid', `entry ${q(node.rel)} holds ${data.length} bytes, not the ${entry.uncompressedSize} declared`);
  }
  spend(budget, data.length);
  checkCrc(node, crc32(data));
  return data;
}

/** Stream a large entry into sink, counting bytes as they are inflated and checking the CRC. */
async function streamEntry(zipfile: ZipFile, node: Node, sink: NodeJS.WritableStream, budget: Budget): Promise<void> {
  let crc = 0;
  // Stops at the first chunk past the limit, even if the declared sizes were somehow wrong,
  // rather than writing everything and checking after.
  const meter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      try {
        spend(budget, chunk.length);
        crc = crc32(chunk, crc);
        cb(null, chunk);
      } catch (err) {
        cb(err as Error);
      }
    },
    flush(cb) {
      try {
        checkCrc(node, crc);
        cb();
      } catch (err) {
        cb(err as Error);
      }
    },
  });
  let source: Readable;
  try {
    source = await zipfile.openReadStreamPromise(node.entry!);
  } catch (err) {
    throw new UnzipError('invalid', `entry ${q(node.rel)}: ${messageOf(err)}`);
  }
  try {
    await pipeline(source, meter, sink);
  } catch (err) {
    if (err instanceof UnzipError || isFsError(err)) throw err;
    // Anything else came from yauzl or zlib: bad deflate data, or a size that lied.
    throw new UnzipError('invalid', `entry ${q(node.rel)}: ${messageOf(err)}`);
  }
}

// yauzl does not check CRCs; a mismatch means a corrupt (or doctored) entry.
function checkCrc(node: Node, actual: number): void {
  if (actual !== node.entry!.crc32) throw new UnzipError('invalid', `entry ${q(node.rel)} fails its CRC-32 check`);
}

/** Join a checked relative path under root, re-asserting that it stays inside. */
function inside(root: string, rel: string): string {
  const full = path.resolve(root, rel);
  if (!full.startsWith(root + path.sep)) throw new UnzipError('invalid', `entry ${q(rel)} resolves outside the package`);
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

function q(name: string): string {
  return JSON.stringify(name.length > 200 ? `${name.slice(0, 200)}…` : name);
}

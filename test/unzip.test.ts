import assert from 'node:assert/strict';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { after, before, describe, test } from 'node:test';
import yauzl from 'yauzl';
import yazl from 'yazl';
import { extractZip, UnzipError, type UnzipFailure } from '../src/control/unzip.js';
import { removeTree } from '../src/shared/fs.js';
import { craftZip, dir, file, HOST_MSDOS, link } from './helpers/zipcraft.js';

const MB = 1024 * 1024;
const LIMIT = 262_144_000;

let scratch: string;
before(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'stratus-unzip-'));
});
after(async () => {
  await removeTree(scratch);
});

let counter = 0;
/** A fresh parent directory per case, so "nothing left behind" can be checked exactly. */
async function freshDest(): Promise<{ parent: string; dest: string }> {
  const parent = path.join(scratch, `case-${++counter}`);
  await mkdir(parent);
  return { parent, dest: path.join(parent, 'code') };
}

async function yazlZip(build: (zip: yazl.ZipFile) => void): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  build(zip);
  zip.end();
  return buffer(zip.outputStream);
}

async function mode(p: string): Promise<number> {
  return (await lstat(p)).mode & 0o7777;
}

/** Extraction must fail with `kind`, leaving neither destDir nor a temp sibling behind. */
async function expectFailure(zip: Buffer, kind: UnzipFailure, opts: { maxUnzippedBytes?: number; maxEntries?: number; match?: RegExp } = {}): Promise<UnzipError> {
  const { parent, dest } = await freshDest();
  const err = await extractZip(zip, dest, { maxUnzippedBytes: opts.maxUnzippedBytes ?? LIMIT, maxEntries: opts.maxEntries }).then(
    () => assert.fail('extraction should have failed'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof UnzipError, `expected UnzipError, got ${String(err)}`);
  assert.equal(err.kind, kind, err.message);
  if (opts.match) assert.match(err.message, opts.match);
  assert.deepEqual(await readdir(parent), [], 'destDir and temp dirs must be gone');
  return err;
}

describe('extractZip: well-formed packages (yazl)', () => {
  test('nested directories, contents, and modes', async () => {
    const zip = await yazlZip((z) => {
      z.addBuffer(Buffer.from('#!/bin/sh\necho hi\n'), 'bootstrap', { mode: 0o100755 });
      z.addBuffer(Buffer.from('exports.handler = 1;\n'), 'index.js', { mode: 0o100644 });
      z.addEmptyDirectory('lib/', { mode: 0o040755 });
      z.addBuffer(Buffer.from('deep'), 'lib/a/b/c.txt', { mode: 0o100600 }); // parents lib/a, lib/a/b not listed
      z.addBuffer(Buffer.alloc(200_000, 'x'), 'lib/big.bin', { compress: false });
      z.addBuffer(Buffer.from('tool'), 'bin/tool', { mode: 0o100700 }); // owner-exec only
    });
    const { parent, dest } = await freshDest();
    const result = await extractZip(zip, dest, { maxUnzippedBytes: LIMIT });
    assert.deepEqual(result, { files: 5, symlinks: 0, unzippedBytes: 18 + 21 + 4 + 200_000 + 4, alreadyExisted: false });
    assert.deepEqual(await readdir(parent), ['code']);
    assert.equal(await readFile(path.join(dest, 'bootstrap'), 'utf8'), '#!/bin/sh\necho hi\n');
    assert.equal(await readFile(path.join(dest, 'lib/a/b/c.txt'), 'utf8'), 'deep');
    assert.equal((await readFile(path.join(dest, 'lib/big.bin'))).length, 200_000);
    assert.equal(await mode(path.join(dest, 'bootstrap')), 0o555);
    assert.equal(await mode(path.join(dest, 'bin/tool')), 0o555, 'any execute bit makes it executable for all');
    assert.equal(await mode(path.join(dest, 'index.js')), 0o444);
    assert.equal(await mode(path.join(dest, 'lib/a/b/c.txt')), 0o444, 'readable by all, whatever the zip said');
    for (const d of ['', 'lib', 'lib/a', 'lib/a/b', 'bin']) assert.equal(await mode(path.join(dest, d)), 0o555, d);
  });

  test('in-tree symlinks are kept', async () => {
    const zip = await yazlZip((z) => {
      z.addBuffer(Buffer.from('cli'), 'node_modules/tool/cli.js', { mode: 0o100755 });
      z.addBuffer(Buffer.from('../tool/cli.js'), 'node_modules/.bin/tool', { mode: 0o120777 });
      z.addBuffer(Buffer.from('v1'), 'lib/current', { mode: 0o120777 });
      z.addBuffer(Buffer.from('one'), 'lib/v1/x.txt');
      z.addBuffer(Buffer.from('.'), 'self', { mode: 0o120777 });
    });
    const { dest } = await freshDest();
    const result = await extractZip(zip, dest, { maxUnzippedBytes: LIMIT });
    assert.equal(result.files, 2);
    assert.equal(result.symlinks, 3);
    assert.equal(await readlink(path.join(dest, 'node_modules/.bin/tool')), '../tool/cli.js');
    assert.equal(await readFile(path.join(dest, 'node_modules/.bin/tool'), 'utf8'), 'cli');
    assert.equal(await readFile(path.join(dest, 'lib/current/x.txt'), 'utf8'), 'one');
    assert.ok((await lstat(path.join(dest, 'self'))).isSymbolicLink());
  });

  test('an empty zip is valid (and useless): an empty directory', async () => {
    const zip = await yazlZip(() => {});
    const { dest } = await freshDest();
    assert.deepEqual(await extractZip(zip, dest, { maxUnzippedBytes: LIMIT }), { files: 0, symlinks: 0, unzippedBytes: 0, alreadyExisted: false });
    assert.deepEqual(await readdir(dest), []);
    assert.equal(await mode(dest), 0o555);
  });

  test('an existing destDir is kept and the new copy discarded', async () => {
    const zip = await yazlZip((z) => z.addBuffer(Buffer.from('new'), 'index.js'));
    const { parent, dest } = await freshDest();
    await mkdir(dest);
    await writeFile(path.join(dest, 'marker'), 'old');
    const result = await extractZip(zip, dest, { maxUnzippedBytes: LIMIT });
    assert.equal(result.alreadyExisted, true);
    assert.deepEqual(await readdir(dest), ['marker']);
    assert.deepEqual(await readdir(parent), ['code']);
  });

  test('concurrent extractions to one destDir both succeed, one copy remains', async () => {
    const zip = await yazlZip((z) => {
      for (let i = 0; i < 50; i++) z.addBuffer(Buffer.from(`file ${i}`), `f/${i}.txt`);
    });
    const { parent, dest } = await freshDest();
    const results = await Promise.all([1, 2, 3].map(() => extractZip(zip, dest, { maxUnzippedBytes: LIMIT })));
    assert.equal(results.filter((r) => !r.alreadyExisted).length, 1);
    assert.deepEqual(await readdir(parent), ['code']);
    assert.equal((await readdir(path.join(dest, 'f'))).length, 50);
  });

  test('removeTree deletes a read-only unpacked tree', async () => {
    const zip = await yazlZip((z) => z.addBuffer(Buffer.from('x'), 'a/b/c.txt'));
    const { parent, dest } = await freshDest();
    await extractZip(zip, dest, { maxUnzippedBytes: LIMIT });
    await removeTree(dest);
    assert.deepEqual(await readdir(parent), []);
  });
});

describe('extractZip: crafted but acceptable zips', () => {
  test('stored and deflated entries, duplicate directory entries, "./" prefixes', async () => {
    const zip = craftZip([
      dir('a'),
      dir('a/'),
      file('./a/one.txt', 'stored', 0o644, 0),
      file('a//two.txt', 'deflated', 0o644, 8),
      dir('./'),
    ]);
    const { dest } = await freshDest();
    const result = await extractZip(zip, dest, { maxUnzippedBytes: LIMIT });
    assert.equal(result.files, 2);
    assert.equal(await readFile(path.join(dest, 'a/one.txt'), 'utf8'), 'stored');
    assert.equal(await readFile(path.join(dest, 'a/two.txt'), 'utf8'), 'deflated');
  });

  test('Windows-made zips (no Unix mode) get 0o444, bootstrap included, as on AWS', async () => {
    const zip = craftZip([
      { name: 'bootstrap', data: Buffer.from('#!/bin/sh'), method: 8, versionMadeBy: (HOST_MSDOS << 8) | 20, externalAttributes: 0x20 },
      { name: 'lib/', versionMadeBy: (HOST_MSDOS << 8) | 20, externalAttributes: 0x10 },
    ]);
    const { dest } = await freshDest();
    await extractZip(zip, dest, { maxUnzippedBytes: LIMIT });
    assert.equal(await mode(path.join(dest, 'bootstrap')), 0o444);
    assert.equal(await mode(path.join(dest, 'lib')), 0o555);
  });

  test('set-id and sticky bits are dropped', async () => {
    const zip = craftZip([file('suid', 'x', 0o7755)]);
    const { dest } = await freshDest();
    await extractZip(zip, dest, { maxUnzippedBytes: LIMIT });
    assert.equal(await mode(path.join(dest, 'suid')), 0o555);
  });

  test('a Unix directory mode without a trailing slash makes a directory', async () => {
    const zip = craftZip([{ name: 'd', unixMode: 0o040755 }, file('d/x', 'x')]);
    const { dest } = await freshDest();
    await extractZip(zip, dest, { maxUnzippedBytes: LIMIT });
    assert.ok((await lstat(path.join(dest, 'd'))).isDirectory());
  });
});

describe('extractZip: hostile names', () => {
  const names = [
    '../evil',
    '/etc/evil',
    'a/../../evil',
    'a/b/../../../evil',
    'C:\\evil',
    'C:/evil',
    'c:evil',
    'a\\..\\..\\evil',
    '..\\evil',
    'evil\0.txt',
    `${'x'.repeat(256)}/f`,
  ];
  for (const name of names) {
    test(`refuses ${JSON.stringify(name)}`, async () => {
      await expectFailure(craftZip([file('ok.txt', 'fine'), file(name, 'pwned')]), 'invalid');
    });
  }

  test('refuses duplicate file names rather than picking one', async () => {
    await expectFailure(craftZip([file('index.js', 'good'), file('index.js', 'evil')]), 'invalid', { match: /duplicate/ });
  });

  test('refuses aliases that normalise to one name', async () => {
    await expectFailure(craftZip([file('index.js', 'good'), file('./index.js', 'evil')]), 'invalid', { match: /duplicate/ });
  });

  test('refuses a file that is also a directory', async () => {
    await expectFailure(craftZip([file('a', 'file'), file('a/b', 'under a file')]), 'invalid');
    await expectFailure(craftZip([dir('a'), file('a', 'file')]), 'invalid');
  });

  test('refuses a file with no name', async () => {
    await expectFailure(craftZip([file('.', 'x')]), 'invalid', { match: /no name/ });
    await expectFailure(craftZip([file('./.', 'x')]), 'invalid', { match: /no name/ });
  });
});

describe('extractZip: hostile symlinks', () => {
  test('absolute target', async () => {
    await expectFailure(craftZip([link('passwd', '/etc/passwd')]), 'invalid', { match: /absolute/ });
  });

  test('target climbing out of the tree', async () => {
    await expectFailure(craftZip([link('up', '..')]), 'invalid');
    await expectFailure(craftZip([link('a/b/up', '../../../etc')]), 'invalid');
    await expectFailure(craftZip([link('broken', 'missing/../../x')]), 'invalid');
  });

  test('backslash or NUL in the target', async () => {
    await expectFailure(craftZip([link('l', '..\\..\\etc')]), 'invalid');
    await expectFailure(craftZip([link('l', 'a\0b')]), 'invalid');
  });

  test('symlink d -> .. then d/evil: nothing is written through it', async () => {
    await expectFailure(craftZip([link('d', '..'), file('d/evil', 'pwned')]), 'invalid');
    // Even when the link stays in the tree, entries may not be placed beneath it.
    await expectFailure(craftZip([dir('sub'), link('d', 'sub'), file('d/evil', 'x')]), 'invalid', { match: /inside "d", which is a symlink/ });
    // Whatever the order of the entries.
    await expectFailure(craftZip([file('d/evil', 'x'), link('d', 'sub')]), 'invalid');
  });

  test('a -> . then a/../../x', async () => {
    await expectFailure(craftZip([link('a', '.'), file('a/../../x', 'pwned')]), 'invalid');
  });

  test('a chain of links that looks in-tree lexically but escapes', async () => {
    // deep/a/up -> ../.. is the root (fine); x -> deep/a/up/.. is therefore the root's parent.
    await expectFailure(craftZip([dir('deep/a'), link('deep/a/up', '../..'), link('x', 'deep/a/up/..')]), 'invalid', { match: /outside/ });
    // The same through a second hop.
    await expectFailure(craftZip([dir('p/q'), link('p/q/r', '../..'), link('s', 'p/q/r'), link('t', 's/..')]), 'invalid', { match: /outside/ });
  });

  test('loops', async () => {
    await expectFailure(craftZip([link('a', 'b'), link('b', 'a')]), 'invalid', { match: /loop/ });
    await expectFailure(craftZip([link('a', 'a/x')]), 'invalid', { match: /loop/ });
  });

  test('an empty or oversized target', async () => {
    await expectFailure(craftZip([link('l', '')]), 'invalid');
    await expectFailure(craftZip([link('l', 'a/'.repeat(3000))]), 'invalid');
  });
});

describe('extractZip: zip bombs and size limits', () => {
  const zeros = Buffer.alloc(50 * MB);

  test('a deflate bomb that declares its size is refused before anything is written', async () => {
    const zip = craftZip([file('ok.txt', 'fine'), { name: 'bomb', data: zeros, method: 8 }]);
    assert.ok(zip.length < 200_000, `bomb is ${zip.length} bytes`);
    const { parent, dest } = await freshDest();
    const watch = watchPeak(parent);
    const err = await extractZip(zip, dest, { maxUnzippedBytes: 10 * MB }).catch((e: unknown) => e);
    const peak = await watch.stop();
    assert.ok(err instanceof UnzipError && err.kind === 'too-large', String(err));
    assert.equal(peak, 0, 'the declared sizes are checked before writing');
    assert.deepEqual(await readdir(parent), []);
  });

  test('many files whose declared sizes add up past the limit', async () => {
    const entries = Array.from({ length: 6 }, (_, i) => ({ name: `f${i}`, data: Buffer.alloc(2 * MB), method: 8 }));
    await expectFailure(craftZip(entries), 'too-large', { maxUnzippedBytes: 10 * MB });
  });

  test('exactly at the limit is fine', async () => {
    const { dest } = await freshDest();
    const result = await extractZip(craftZip([{ name: 'f', data: Buffer.alloc(MB), method: 8 }]), dest, { maxUnzippedBytes: MB });
    assert.equal(result.unzippedBytes, MB);
  });

  test('a bomb that under-declares its size stops at the lie', async () => {
    const zip = craftZip([{ name: 'bomb', data: zeros, method: 8, uncompressedSize: MB }]);
    const { parent, dest } = await freshDest();
    const watch = watchPeak(parent);
    const err = await extractZip(zip, dest, { maxUnzippedBytes: 10 * MB }).catch((e: unknown) => e);
    const peak = await watch.stop();
    assert.ok(err instanceof UnzipError && err.kind === 'invalid', String(err));
    assert.match(err.message, /too many bytes/);
    assert.ok(peak <= MB, `peak on disk ${peak}`);
    assert.deepEqual(await readdir(parent), []);
  });

  test('if the declared sizes were not enforced, the running count still stops at the limit', async () => {
    // Simulate a size check that fails open: turn yauzl's validateEntrySizes off for this run.
    const proto = yauzl.ZipFile.prototype as unknown as { readEntry(this: { validateEntrySizes: boolean }): void };
    const original = proto.readEntry;
    proto.readEntry = function (this: { validateEntrySizes: boolean }) {
      this.validateEntrySizes = false;
      original.call(this);
    };
    try {
      const zip = craftZip([
        { name: 'small', data: Buffer.alloc(3 * MB, 1), method: 8 },
        // Declared above the one-call threshold, so it is streamed (and metered).
        { name: 'bomb', data: zeros, method: 8, uncompressedSize: 100_000 },
      ]);
      const { parent, dest } = await freshDest();
      const watch = watchPeak(parent);
      const err = await extractZip(zip, dest, { maxUnzippedBytes: 10 * MB }).catch((e: unknown) => e);
      const peak = await watch.stop();
      assert.ok(err instanceof UnzipError && err.kind === 'too-large', String(err));
      assert.ok(peak > 0, 'the watcher saw files being written');
      assert.ok(peak <= 10 * MB, `peak on disk ${peak}`);
      assert.deepEqual(await readdir(parent), []);
    } finally {
      proto.readEntry = original;
    }
  });

  test('too many entries', async () => {
    const entries = Array.from({ length: 6 }, (_, i) => file(`f${i}`, 'x'));
    await expectFailure(craftZip(entries), 'too-large', { maxEntries: 5, match: /6 entries/ });
    const { dest } = await freshDest();
    assert.equal((await extractZip(craftZip(entries.slice(0, 5)), dest, { maxUnzippedBytes: LIMIT, maxEntries: 5 })).files, 5);
  });
});

describe('extractZip: malformed zips', () => {
  test('empty buffer', async () => {
    await expectFailure(Buffer.alloc(0), 'invalid');
  });

  test('random bytes', async () => {
    const bytes = Buffer.alloc(4096);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919 + 13) % 251;
    await expectFailure(bytes, 'invalid');
  });

  test('truncated zips', async () => {
    const zip = await yazlZip((z) => {
      z.addBuffer(Buffer.alloc(10_000, 'a'), 'a.txt');
      z.addBuffer(Buffer.from('b'), 'b.txt');
    });
    for (const cut of [zip.length - 1, zip.length - 30, Math.floor(zip.length / 2), 100, 4]) {
      await expectFailure(zip.subarray(0, cut), 'invalid');
    }
    // Intact end records, but the entries they point at are gone.
    const crafted = craftZip([file('a.txt', 'a'.repeat(1000)), file('b.txt', 'b')]);
    await expectFailure(crafted.subarray(40), 'invalid');
  });

  test('a stored entry whose sizes disagree', async () => {
    await expectFailure(craftZip([{ name: 'f', data: Buffer.from('hello'), method: 0, uncompressedSize: 3 }]), 'invalid');
  });

  test('a deflated entry declaring more than it holds', async () => {
    // Small entries are inflated in one call, large ones streamed: both paths check sizes.
    await expectFailure(craftZip([{ name: 'f', data: Buffer.from('hello'), method: 8, uncompressedSize: 500 }]), 'invalid', { match: /not the 500 declared/ });
    await expectFailure(craftZip([{ name: 'f', data: Buffer.alloc(100_000, 7), method: 8, uncompressedSize: 200_000 }]), 'invalid', { match: /not enough bytes/ });
  });

  test('a deflated entry holding more than it declares', async () => {
    await expectFailure(craftZip([{ name: 'f', data: Buffer.alloc(60_000), method: 8, uncompressedSize: 1000 }]), 'invalid');
    await expectFailure(craftZip([{ name: 'f', data: Buffer.alloc(300_000), method: 8, uncompressedSize: 200_000 }]), 'invalid', { match: /too many bytes/ });
  });

  test('a wrong CRC', async () => {
    await expectFailure(craftZip([{ name: 'f', data: Buffer.from('hello'), method: 0, crc32: 12345 }]), 'invalid', { match: /CRC/ });
    await expectFailure(craftZip([{ name: 'f', data: Buffer.alloc(100_000, 3), method: 8, crc32: 12345 }]), 'invalid', { match: /CRC/ });
  });

  test('corrupt deflate data', async () => {
    await expectFailure(craftZip([{ name: 'f', data: Buffer.from('hello'), method: 8, rawData: Buffer.from([0xff, 0xff, 0xff, 0xff]) }]), 'invalid');
  });

  test('compressed data running past the end of the file', async () => {
    await expectFailure(craftZip([{ name: 'f', data: Buffer.from('hello'), method: 8, compressedSize: 1_000_000 }]), 'invalid');
  });

  test('unsupported compression and encryption', async () => {
    await expectFailure(craftZip([{ name: 'f', data: Buffer.from('x'), method: 12 }]), 'invalid', { match: /compression method 12/ });
    // Traditional encryption: a 12-byte header precedes the (here stored) data.
    const encrypted = { name: 'f', data: Buffer.from('x'), flags: 0x1, rawData: Buffer.alloc(13) };
    await expectFailure(craftZip([encrypted]), 'invalid', { match: /encrypted/ });
  });

  test('an end record claiming more entries than exist', async () => {
    await expectFailure(craftZip([file('a', 'a')], { declaredEntryCount: 3 }), 'invalid');
  });
});

/** Sample the bytes on disk under `dir` until stopped; returns the largest total seen. */
function watchPeak(dir: string): { stop(): Promise<number> } {
  let running = true;
  let peak = 0;
  const loop = (async () => {
    while (running) {
      peak = Math.max(peak, await bytesUnder(dir));
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return peak;
    },
  };
}

async function bytesUnder(dir: string): Promise<number> {
  let total = 0;
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return 0; // removed while we looked
  }
  for (const ent of entries) {
    const p = path.join(dir, ent.name);
    if (ent.isDirectory()) total += await bytesUnder(p);
    else if (ent.isFile()) total += await lstat(p).then((s) => s.size, () => 0);
  }
  return total;
}

/** Merged /opt trees: order, replacement of files, directories and symlinks, hard links, reuse and pruning. */
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { LayerTrees } from '../src/store/layer-trees.js';
import { tempDir } from './helpers/server.js';

function pkg(root: string, sha: string, build: (dir: string) => void): void {
  const dir = join(root, 'code', sha);
  mkdirSync(dir, { recursive: true });
  build(dir);
}

describe('LayerTrees', () => {
  it('lays layers over each other in order, later entries replacing earlier ones of any kind', async () => {
    const data = tempDir();
    pkg(data, 'a', (d) => {
      mkdirSync(join(d, 'x/dir-becomes-file'), { recursive: true });
      writeFileSync(join(d, 'x/dir-becomes-file/inner'), 'a');
      writeFileSync(join(d, 'x/file-becomes-dir'), 'a');
      writeFileSync(join(d, 'x/same'), 'from a');
      writeFileSync(join(d, 'x/only-a'), 'a');
      symlinkSync('only-a', join(d, 'x/link'));
    });
    pkg(data, 'b', (d) => {
      mkdirSync(join(d, 'x/file-becomes-dir'), { recursive: true });
      writeFileSync(join(d, 'x/file-becomes-dir/inner'), 'b');
      writeFileSync(join(d, 'x/dir-becomes-file'), 'b');
      writeFileSync(join(d, 'x/same'), 'from b');
      writeFileSync(join(d, 'x/link'), 'b replaces the link');
    });
    const trees = new LayerTrees(data, (sha) => join(data, 'code', sha));
    assert.equal(await trees.ensure([]), undefined);
    assert.equal(await trees.ensure(['a']), join(data, 'code', 'a'), 'one layer is used as it is');

    const [ab, again] = await Promise.all([trees.ensure(['a', 'b']), trees.ensure(['a', 'b'])]);
    assert.equal(ab, again);
    const x = join(ab!, 'x');
    assert.equal(readFileSync(join(x, 'same'), 'utf8'), 'from b');
    assert.equal(readFileSync(join(x, 'only-a'), 'utf8'), 'a');
    assert.equal(readFileSync(join(x, 'dir-becomes-file'), 'utf8'), 'b');
    assert.equal(readFileSync(join(x, 'file-becomes-dir/inner'), 'utf8'), 'b');
    assert.equal(readFileSync(join(x, 'link'), 'utf8'), 'b replaces the link');
    // Files are hard links to the packages, not copies; directories are read-only.
    assert.equal(statSync(join(x, 'only-a')).ino, statSync(join(data, 'code/a/x/only-a')).ino);
    assert.equal(statSync(x).mode & 0o777, 0o555);

    const ba = await trees.ensure(['b', 'a']);
    assert.notEqual(ba, ab);
    assert.equal(readFileSync(join(ba!, 'x/same'), 'utf8'), 'from a');
    assert.ok(lstatSync(join(ba!, 'x/link')).isSymbolicLink());
    assert.equal(readlinkSync(join(ba!, 'x/link')), 'only-a');
    assert.ok(lstatSync(join(ba!, 'x/dir-becomes-file')).isDirectory());

    // Pruning keeps only the combinations still in use.
    await trees.prune([['a', 'b'], ['a']]);
    assert.ok(existsSync(ab!));
    assert.ok(!existsSync(ba!));
    assert.deepEqual(readdirSync(join(data, 'opt')).sort(), [LayerTrees.key(['a', 'b']), 'package.json'].sort());
    // A tree that went missing is built again on demand.
    await trees.prune([]);
    assert.equal(await trees.ensure(['a', 'b']), ab);
    assert.equal(readFileSync(join(ab!, 'x/same'), 'utf8'), 'from b');
  });
});

// The built-in Node runtime runs from one bundle with a V8 code cache written by the build
// (scripts/bundle-runtime.mjs, src/runtimes/nodejs/start.ts). These tests check the build's
// output against this node, and that the runtime still starts when the cache does not fit or the
// bundle is missing.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { fileURLToPath } from 'node:url';

const runtimeDir = fileURLToPath(new URL('../runtimes/nodejs/', import.meta.url));
const copies: string[] = [];
after(() => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});

/** A copy of the built runtime directory, changed by `edit`. */
function copy(edit: (dir: string) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'stratus-rt-bundle-'));
  copies.push(dir);
  cpSync(runtimeDir, dir, { recursive: true });
  edit(dir);
  return dir;
}

/** Starts the runtime without a Runtime API: it gets as far as its first line of bootstrap.ts. */
function start(dir: string): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [join(dir, 'start.js')], { env: {}, encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, stderr: r.stderr };
}

describe('Node runtime bundle', () => {
  it('ships a code cache that this node accepts for the bundle', () => {
    assert.ok(existsSync(join(runtimeDir, 'bundle.js')), 'npm run build writes dist/runtimes/nodejs/bundle.js');
    const cachedData = readFileSync(join(runtimeDir, 'bundle.cache'));
    // Where the sandbox mounts it, the name the build made it under (V8 would accept any name,
    // but its stack frames keep the build's: start.ts).
    const script = new Script(readFileSync(join(runtimeDir, 'bundle.js'), 'utf8'), { filename: '/var/runtime/bundle.js', cachedData });
    assert.equal(script.cachedDataRejected, false);
  });

  it('bundles every module bootstrap.js needs, and keeps esm.js outside (its import() needs Node\'s loader)', () => {
    const source = readFileSync(join(runtimeDir, 'bundle.js'), 'utf8');
    for (const id of ['bootstrap', 'channel', 'errors', 'handler', 'logging', 'rapid', 'rehearse', 'runtime', 'streaming']) assert.match(source, new RegExp(`defs\\["\\./${id}\\.js"\\]`));
    assert.doesNotMatch(source, /defs\["\.\/esm\.js"\]/);
  });

  it('starts with its cache, with a cache that does not fit, and without a bundle', () => {
    const expected = /AWS_LAMBDA_RUNTIME_API is not set/;
    const cases = {
      built: runtimeDir,
      'foreign cache': copy((dir) => writeFileSync(join(dir, 'bundle.cache'), Buffer.alloc(4096, 7))),
      'no bundle': copy((dir) => rmSync(join(dir, 'bundle.js'))),
    };
    for (const [name, dir] of Object.entries(cases)) {
      const r = start(dir);
      assert.equal(r.status, 1, `${name}: ${r.stderr}`);
      assert.match(r.stderr, expected, name);
    }
  });
});

/** The precompiled Python runtime client (src/environments/python-bootstrap.ts). */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { PYTHON_BOOTSTRAP_PYC, PythonBootstraps } from '../src/environments/python-bootstrap.js';
import { PYTHON_BOOTSTRAP } from '../src/environments/runtime-env.js';

const root = mkdtempSync(join(tmpdir(), 'stratus-pyc-test-'));
after(() => rmSync(root, { recursive: true, force: true }));
const PYTHON = '/usr/bin/python3';

describe('precompiled python runtime client', { skip: !existsSync(PYTHON) && 'no /usr/bin/python3' }, () => {
  it('compiles once per interpreter, reuses the copy, and removes copies of other sources', async () => {
    const dir = join(root, 'a');
    mkdirSync(join(dir, 'stale-copy'), { recursive: true });
    const errors: unknown[] = [];
    const b = new PythonBootstraps(dir, PYTHON_BOOTSTRAP, () => '/var/runtime');
    assert.equal(b.dirFor(PYTHON), undefined, 'nothing before it is ready');
    await b.prepare([PYTHON, PYTHON], (e) => errors.push(e));
    assert.deepEqual(errors, []);
    const out = b.dirFor(PYTHON)!;
    assert.deepEqual(readdirSync(out).sort(), ['bootstrap.py', PYTHON_BOOTSTRAP_PYC]);
    assert.deepEqual(readdirSync(dir), [out.split('/').pop()!]);
    // A second server on the same data dir finds it ready.
    const again = new PythonBootstraps(dir, PYTHON_BOOTSTRAP, () => '/var/runtime');
    const later: unknown[] = [];
    await again.prepare([PYTHON], (e) => later.push(e));
    assert.deepEqual(later, []);
    assert.equal(again.dirFor(PYTHON), out);
  });

  it('never rejects: an interpreter that cannot compile it keeps running the source, and says why', async () => {
    const fake = join(root, 'not-python');
    writeFileSync(fake, '#!/bin/sh\nexit 3\n', { mode: 0o755 });
    const errors: Error[] = [];
    const b = new PythonBootstraps(join(root, 'b'), PYTHON_BOOTSTRAP, (d) => d);
    await b.prepare([fake], (e) => errors.push(e as Error));
    assert.equal(b.dirFor(fake), undefined);
    assert.equal(errors.length, 1);
    assert.match(errors[0]!.message, /could not precompile the Python runtime client for .*not-python/);
  });
});

/** The sandbox's /etc (src/sandbox/etc.ts): copies of host files that follow the host, host directories bound. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { etcView } from '../src/sandbox/etc.js';

const root = mkdtempSync(join(tmpdir(), 'stratus-etc-test-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('sandbox /etc', () => {
  it('copies the named host files, binds host directories, writes its own files, and follows host changes', () => {
    const host = join(root, 'host');
    const view = join(root, 'view');
    mkdirSync(join(host, 'ssl', 'certs'), { recursive: true });
    writeFileSync(join(host, 'hosts'), '127.0.0.1 localhost\n');
    writeFileSync(join(host, 'real-resolv'), 'nameserver 10.0.0.1\n', { mode: 0o640 });
    symlinkSync(join(host, 'real-resolv'), join(host, 'resolv.conf'));
    mkdirSync(view);
    writeFileSync(join(view, 'stale'), 'from an older server');
    const etc = etcView(view, ['hosts', 'resolv.conf', 'ssl', 'missing'], { passwd: 'root:x:0:0::/:/x\n' }, host);

    const args = etc.refresh();
    assert.deepEqual(args, ['--ro-bind', view, '/etc', '--ro-bind', join(host, 'ssl'), '/etc/ssl']);
    assert.deepEqual(readdirSync(view).sort(), ['hosts', 'passwd', 'resolv.conf', 'ssl']);
    assert.equal(readFileSync(join(view, 'hosts'), 'utf8'), '127.0.0.1 localhost\n');
    // A symlink is followed, as a bind mount would: its target's content and mode.
    assert.equal(readFileSync(join(view, 'resolv.conf'), 'utf8'), 'nameserver 10.0.0.1\n');
    assert.equal(statSync(join(view, 'resolv.conf')).mode & 0o777, 0o640);
    assert.equal(statSync(view).mode & 0o777, 0o755);
    assert.deepEqual(readdirSync(join(view, 'ssl')), [], 'an empty mount point for the bound directory');

    // The host replaces a file (as resolvers and editors do: a new file renamed over the old one).
    writeFileSync(join(host, 'hosts.new'), '127.0.0.1 localhost\n10.1.1.1 db\n');
    renameSync(join(host, 'hosts.new'), join(host, 'hosts'));
    writeFileSync(join(host, 'real-resolv'), 'nameserver 10.0.0.2\n');
    etc.refresh();
    assert.equal(readFileSync(join(view, 'hosts'), 'utf8'), '127.0.0.1 localhost\n10.1.1.1 db\n');
    assert.equal(readFileSync(join(view, 'resolv.conf'), 'utf8'), 'nameserver 10.0.0.2\n');

    // A file the host no longer has disappears; one it gains appears.
    rmSync(join(host, 'hosts'));
    writeFileSync(join(host, 'missing'), 'now here\n');
    etc.refresh();
    assert.deepEqual(readdirSync(view).sort(), ['missing', 'passwd', 'resolv.conf', 'ssl']);
  });
});

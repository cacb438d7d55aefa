// Log lines stored in batches: order, content and counts survive the multi-row inserts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openSqliteStore } from '../src/store/sqlite.js';
import { tempDir } from './helpers/server.js';

test('a batch of any size is stored whole and in order', () => {
  const store = openSqliteStore(join(tempDir(), 'stratus.db'));
  try {
    let n = 0;
    for (const size of [0, 1, 15, 16, 17, 33, 50]) {
      const events = Array.from({ length: size }, (_, i) => ({
        group: (n + i) % 2 ? '/aws/lambda/a' : '/aws/lambda/b', stream: `s${size}`, timestamp: 1000 + n + i, message: `line ${n + i}\twith tab`,
      }));
      store.appendLogs(events);
      n += size;
    }
    const all = [...store.queryLogs({ group: '/aws/lambda/a', limit: 1000 }), ...store.queryLogs({ group: '/aws/lambda/b', limit: 1000 })]
      .sort((x, y) => x.id - y.id);
    assert.equal(all.length, n);
    all.forEach((e, i) => {
      assert.equal(e.message, `line ${i}\twith tab`);
      assert.equal(e.timestamp, 1000 + i);
      assert.equal(e.group, i % 2 === 0 ? '/aws/lambda/b' : '/aws/lambda/a');
    });
    assert.deepEqual([...new Set(all.map((e) => e.stream))], ['s1', 's15', 's16', 's17', 's33', 's50']);
  } finally {
    store.close();
  }
});

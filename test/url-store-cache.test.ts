// The in-memory cache of URL configs and policies never outlives a change to what it holds, whether
// the change is the URL store's own or a delete whose triggers and cascades reach its tables.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { FunctionConfig } from '../src/control/model.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import type { UrlConfig } from '../src/urls/model.js';
import { tempDir } from './helpers/server.js';

const fn = (name: string, version = '$LATEST') => ({
  name, version, runtime: 'nodejs20.x', handler: 'index.handler', role: '', description: '', timeout: 3, memorySize: 128,
  ephemeralStorage: 512, architectures: ['x86_64'], tracingMode: 'PassThrough', layers: [],
  logging: { logFormat: 'Text', logGroup: `/aws/lambda/${name}` }, codeSha256: 'ab', codeSize: 1, revisionId: 'r',
  lastModified: 0, state: 'Active', passthrough: {},
}) as unknown as FunctionConfig;
const url = (name: string, qualifier: string, urlId: string, authType: 'NONE' | 'AWS_IAM' = 'NONE'): UrlConfig =>
  ({ functionName: name, qualifier, urlId, authType, invokeMode: 'BUFFERED', creationTime: 0, lastModifiedTime: 0 });
const allow = { revisionId: 'p1', statements: [{ Sid: 's', Effect: 'Allow', Principal: '*', Action: 'lambda:InvokeFunctionUrl', Resource: 'x' }] } as never;

test('URL configs and policies read through the cache follow every change', () => {
  const store = openSqliteStore(join(tempDir(), 'stratus.db'));
  try {
    const a = 'a'.repeat(32), b = 'b'.repeat(32), c = 'c'.repeat(32);
    store.createFunction(fn('f'), {});
    assert.equal(store.urls.byId(a), undefined);
    assert.ok(store.urls.create(url('f', '', a)));
    assert.equal(store.urls.byId(a)?.authType, 'NONE');
    store.urls.put(url('f', '', a, 'AWS_IAM'));
    assert.equal(store.urls.byId(a)?.authType, 'AWS_IAM');
    assert.ok(store.urls.delete('f', ''));
    assert.equal(store.urls.byId(a), undefined);

    // An alias's URL and policy go with the alias (trigger).
    store.insertVersion(fn('f', '1'), fn('f'));
    assert.ok(store.createAlias({ functionName: 'f', name: 'live', functionVersion: '1', description: '', revisionId: 'r' }));
    assert.ok(store.urls.create(url('f', 'live', b)));
    store.policies.put('f', 'live', allow);
    assert.equal(store.urls.byId(b)?.qualifier, 'live');
    assert.equal(store.policies.get('f', 'live')?.revisionId, 'p1');
    store.deleteAlias('f', 'live');
    assert.equal(store.urls.byId(b), undefined);
    assert.equal(store.policies.get('f', 'live'), undefined);

    // A version's policy goes with the version (trigger); an absent policy is remembered, then added.
    assert.equal(store.policies.get('f', '1'), undefined);
    store.policies.put('f', '1', allow);
    assert.equal(store.policies.get('f', '1')?.statements.length, 1);
    store.deleteVersion('f', '1');
    assert.equal(store.policies.get('f', '1'), undefined);

    // Deleting the function cascades to its URLs and policies; a new function of that name starts clean.
    assert.ok(store.urls.create(url('f', '', c)));
    store.policies.put('f', '', allow);
    assert.ok(store.urls.byId(c));
    assert.ok(store.policies.get('f', ''));
    assert.ok(store.deleteFunction('f'));
    store.createFunction(fn('f'), {});
    assert.equal(store.urls.byId(c), undefined);
    assert.equal(store.policies.get('f', ''), undefined);
    store.policies.put('f', '', { revisionId: 'p2', statements: [] } as never);
    assert.equal(store.policies.get('f', ''), undefined);
  } finally {
    store.close();
  }
});

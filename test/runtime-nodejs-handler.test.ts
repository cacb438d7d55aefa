// Handler resolution of the built-in Node.js runtime (src/runtimes/nodejs/handler.ts), checked
// against real files in temp directories. Error types and messages are AWS's (contract B1).
//
// The runtime is compiled by its own tsconfig to dist/runtimes/nodejs/, so it is imported at run
// time by URL (from dist/test/) rather than type-checked here.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

type Handler = (...args: unknown[]) => unknown;
interface HandlerModule {
  loadHandler(appRoot: string, handler: string, options?: { installGlobal?: boolean }): Promise<Handler>;
  getHandlerMetadata(handler: Handler): {
    streaming: boolean;
    highWaterMark: number | undefined;
    isAsync: boolean;
    argsNum: number;
  };
}
interface ErrorsModule {
  toErrorResponse(error: unknown): { errorType: string; errorMessage: string; trace?: string[] };
}

const runtimeDir = new URL('../runtimes/nodejs/', import.meta.url);
const { loadHandler, getHandlerMetadata } = (await import(new URL('handler.js', runtimeDir).href)) as HandlerModule;
const { toErrorResponse } = (await import(new URL('errors.js', runtimeDir).href)) as ErrorsModule;

const roots: string[] = [];
after(() => {
  for (const dir of roots) fs.rmSync(dir, { recursive: true, force: true });
});

/** Writes `files` (path → content) into a fresh directory under the OS temp dir. */
function app(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'stratus-rt-handler-'));
  roots.push(root);
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(root, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
  return root;
}

/** Asserts that loading rejects with an error of AWS's `name` and exact `message`. */
async function rejectsWith(root: string, handler: string, name: string, message: string | RegExp): Promise<void> {
  await assert.rejects(loadHandler(root, handler), (err: Error) => {
    assert.equal(err.name, name);
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });
}

describe('loadHandler: module formats', () => {
  it('loads a CommonJS index.js', async () => {
    const root = app({ 'index.js': 'exports.handler = async (e) => ({ cjs: e });' });
    const fn = await loadHandler(root, 'index.handler');
    assert.deepEqual(await fn(1), { cjs: 1 });
  });

  it('loads an ES module .mjs, including top-level await', async () => {
    const root = app({
      'index.mjs': 'const v = await Promise.resolve(7);\nexport const handler = async () => v;',
    });
    const fn = await loadHandler(root, 'index.handler');
    assert.equal(await fn(), 7);
  });

  it('imports .js as ESM when the nearest package.json says "type":"module"', async () => {
    // Top-level await cannot be require()d, so this only loads through import().
    const root = app({
      'package.json': '{"type":"module"}',
      'index.js': 'const v = await Promise.resolve("esm");\nexport const handler = () => v;',
    });
    const fn = await loadHandler(root, 'index.handler');
    assert.equal(fn(), 'esm');
  });

  it('finds "type":"module" in a parent folder of a nested handler', async () => {
    const root = app({
      'package.json': '{"type":"module"}',
      'src/app.js': 'await null;\nexport const handler = () => "parent-scope";',
    });
    const fn = await loadHandler(root, 'src/app.handler');
    assert.equal(fn(), 'parent-scope');
  });

  it('requires .js when package.json has no "type":"module"', async () => {
    const root = app({
      'package.json': '{"name":"x"}',
      'index.js': 'module.exports.handler = () => typeof require;',
    });
    const fn = await loadHandler(root, 'index.handler');
    assert.equal(fn(), 'function');
  });

  it('loads .cjs', async () => {
    const root = app({ 'index.cjs': 'exports.handler = () => "cjs-ext";' });
    assert.equal((await loadHandler(root, 'index.handler'))(), 'cjs-ext');
  });

  it('prefers an extensionless file, then .js, over .mjs', async () => {
    const root = app({
      handler: 'exports.fn = () => "extensionless";',
      'index.js': 'exports.fn = () => "js";',
      'index.mjs': 'export const fn = () => "mjs";',
    });
    assert.equal((await loadHandler(root, 'handler.fn'))(), 'extensionless');
    assert.equal((await loadHandler(root, 'index.fn'))(), 'js');
  });

  it('falls back to node_modules', async () => {
    const root = app({ 'node_modules/mypkg/index.js': 'exports.handler = () => "from node_modules";' });
    assert.equal((await loadHandler(root, 'mypkg.handler'))(), 'from node_modules');
  });
});

describe('loadHandler: handler strings', () => {
  it('resolves a handler in a subdirectory (src/app.handler)', async () => {
    const root = app({ 'src/app.js': 'exports.handler = () => "nested dir";' });
    assert.equal((await loadHandler(root, 'src/app.handler'))(), 'nested dir');
  });

  it('resolves a nested export path (index.a.b)', async () => {
    const root = app({ 'index.js': 'exports.a = { b: () => "nested export" };' });
    assert.equal((await loadHandler(root, 'index.a.b'))(), 'nested export');
  });

  it('resolves a default export path in ESM (index.default.handler)', async () => {
    const root = app({ 'index.mjs': 'export default { handler: () => "default" };' });
    assert.equal((await loadHandler(root, 'index.default.handler'))(), 'default');
  });

  it('rejects ".." with Runtime.MalformedHandlerName', async () => {
    const root = app({ 'index.js': 'exports.handler = () => 1;' });
    await rejectsWith(
      root,
      '../index.handler',
      'Runtime.MalformedHandlerName',
      "'../index.handler' is not a valid handler name. Use absolute paths when specifying root directories in handler names.",
    );
  });

  it('rejects a handler without a dot with "Bad handler"', async () => {
    const root = app({ 'index.js': 'exports.handler = () => 1;' });
    await rejectsWith(root, 'index', 'Runtime.MalformedHandlerName', 'Bad handler');
    await rejectsWith(root, '', 'Runtime.MalformedHandlerName', 'Bad handler');
  });
});

describe('loadHandler: errors', () => {
  it('reports a missing module as Runtime.ImportModuleError with AWS\'s message', async () => {
    const root = app({ 'other.js': '' });
    await rejectsWith(
      root,
      'index.handler',
      'Runtime.ImportModuleError',
      "Error: Cannot find module 'index'\nRequire stack:\n- /var/runtime/index.mjs",
    );
  });

  it('reports a missing dependency of a CommonJS handler as Runtime.ImportModuleError', async () => {
    const root = app({ 'index.js': 'require("not-installed-anywhere"); exports.handler = () => 1;' });
    await rejectsWith(
      root,
      'index.handler',
      'Runtime.ImportModuleError',
      `Error: Cannot find module 'not-installed-anywhere'\nRequire stack:\n- ${path.join(root, 'index.js')}\n- /var/runtime/index.mjs`,
    );
  });

  it('passes an ES module\'s missing import through unchanged, as AWS does', async () => {
    const root = app({ 'index.mjs': 'import "not-installed-anywhere";\nexport const handler = () => 1;' });
    await assert.rejects(loadHandler(root, 'index.handler'), (err: Error & { code?: string }) => {
      assert.equal(err.name, 'Error');
      assert.equal(err.code, 'ERR_MODULE_NOT_FOUND');
      return true;
    });
  });

  it('reports a syntax error as Runtime.UserCodeSyntaxError (CommonJS and ESM)', async () => {
    const cjs = app({ 'index.js': 'exports.handler = ;' });
    await rejectsWith(cjs, 'index.handler', 'Runtime.UserCodeSyntaxError', /^SyntaxError: Unexpected token/);
    const esm = app({ 'index.mjs': 'export const handler = ;' });
    await rejectsWith(esm, 'index.handler', 'Runtime.UserCodeSyntaxError', /^SyntaxError: Unexpected token/);
  });

  it('passes an error thrown at module top level through unchanged', async () => {
    const root = app({ 'index.js': 'throw new RangeError("init failed");' });
    await rejectsWith(root, 'index.handler', 'RangeError', 'init failed');
  });

  it('passes an ES module\'s top-level error and missing import through unchanged, running it once', async () => {
    const counter = `stratusEvaluations${process.hrtime.bigint()}`;
    const root = app({
      'throws.mjs': `globalThis.${counter} = (globalThis.${counter} ?? 0) + 1;\nthrow new RangeError("esm init failed");`,
      'missing.mjs': 'import x from "no-such-package";\nexport const handler = x;',
    });
    await rejectsWith(root, 'throws.handler', 'RangeError', 'esm init failed');
    assert.equal((globalThis as Record<string, unknown>)[counter], 1);
    await assert.rejects(loadHandler(root, 'missing.handler'), { code: 'ERR_MODULE_NOT_FOUND', message: /Cannot find package 'no-such-package'/ });
  });

  it('evaluates an ES module once, with or without top-level await', async () => {
    // Without top-level await the module is loaded synchronously; with it, the synchronous load is
    // declined before anything runs and import() loads it. Either way its code runs exactly once.
    const counter = `stratusEvaluations${process.hrtime.bigint()}`;
    const body = `globalThis.${counter} = (globalThis.${counter} ?? 0) + 1;\nexport const handler = () => globalThis.${counter};`;
    const root = app({ 'plain.mjs': body, 'tla.mjs': `await null;\n${body}` });
    assert.equal((await loadHandler(root, 'plain.handler'))(), 1);
    assert.equal((await loadHandler(root, 'tla.handler'))(), 2);
  });

  it('looks the handler up in the module namespace even when the module exports "module.exports"', async () => {
    const counter = `stratusEvaluations${process.hrtime.bigint()}`;
    const root = app({
      'index.mjs': `globalThis.${counter} = (globalThis.${counter} ?? 0) + 1;\nconst other = { handler: () => "module.exports" };\nexport const handler = () => "namespace";\nexport { other as "module.exports" };`,
    });
    assert.equal((await loadHandler(root, 'index.handler'))(), 'namespace');
    assert.equal((globalThis as Record<string, unknown>)[counter], 1);
  });

  it('reports a missing export as Runtime.HandlerNotFound', async () => {
    const root = app({ 'index.js': 'exports.other = () => 1;' });
    await rejectsWith(root, 'index.handler', 'Runtime.HandlerNotFound', 'index.handler is undefined or not exported');
    await rejectsWith(root, 'index.a.b', 'Runtime.HandlerNotFound', 'index.a.b is undefined or not exported');
  });

  it('reports a missing export in a nested handler with the full handler string', async () => {
    const root = app({ 'src/app.mjs': 'export const x = 1;' });
    await rejectsWith(root, 'src/app.handler', 'Runtime.HandlerNotFound', 'src/app.handler is undefined or not exported');
  });

  it('reports a non-function export as Runtime.HandlerNotFound', async () => {
    const root = app({ 'index.js': 'exports.handler = { not: "a function" };' });
    await rejectsWith(root, 'index.handler', 'Runtime.HandlerNotFound', 'index.handler is not a function');
  });

  it('builds the Runtime API error body AWS sends for a load failure', async () => {
    const root = app({ 'other.js': '' });
    const err = await loadHandler(root, 'index.handler').then(
      () => assert.fail('expected a rejection'),
      (e: unknown) => e,
    );
    const body = toErrorResponse(err);
    assert.equal(body.errorType, 'Runtime.ImportModuleError');
    assert.equal(body.errorMessage, "Error: Cannot find module 'index'\nRequire stack:\n- /var/runtime/index.mjs");
    assert.deepEqual(body.trace?.slice(0, 3), [
      "Runtime.ImportModuleError: Error: Cannot find module 'index'",
      'Require stack:',
      '- /var/runtime/index.mjs',
    ]);
  });
});

describe('getHandlerMetadata', () => {
  it('tells async from callback handlers', async () => {
    const root = app({
      'index.js': 'exports.a = async (e) => e;\nexports.cb = (e, c, cb) => cb(null, e);',
    });
    const a = getHandlerMetadata(await loadHandler(root, 'index.a'));
    assert.equal(a.isAsync, true);
    assert.equal(a.streaming, false);
    const cb = getHandlerMetadata(await loadHandler(root, 'index.cb'));
    assert.equal(cb.isAsync, false);
    assert.equal(cb.argsNum, 3);
  });

  it('sees awslambda.streamifyResponse marks (installed before the module loads)', async () => {
    const root = app({
      'index.mjs':
        'export const handler = awslambda.streamifyResponse(async (e, stream) => stream.end(), { highWaterMark: 1024 });',
    });
    const meta = getHandlerMetadata(await loadHandler(root, 'index.handler'));
    assert.equal(meta.streaming, true);
    assert.equal(meta.highWaterMark, 1024);
    const g = (globalThis as { awslambda?: { HttpResponseStream?: unknown } }).awslambda;
    assert.equal(typeof g?.HttpResponseStream, 'function');
  });

  it('rejects a streaming mark other than "response"', async () => {
    const root = app({
      'index.js': 'const h = async () => 1; h[Symbol.for("aws.lambda.runtime.handler.streaming")] = "request"; exports.handler = h;',
    });
    const fn = await loadHandler(root, 'index.handler');
    assert.throws(() => getHandlerMetadata(fn), { name: 'Runtime.MalformedStreamingHandler' });
  });
});

// Resolving the function's handler string to a function, exactly as AWS's managed Node runtime
// does (contract B1 "Handler resolution"), so that a package that loads on Lambda loads here and
// one that fails there fails here with the same error type and message.
//
// This runs once per execution environment, during init, so synchronous fs calls are fine.

import { installAwsLambdaGlobal, STREAMING_SYMBOL, HIGH_WATER_MARK_SYMBOL } from './awslambda.js';
import {
  HandlerNotFound,
  ImportModuleError,
  MalformedHandlerName,
  MalformedStreamingHandler,
  UserCodeSyntaxError,
} from './errors.js';
import { importModule } from './esm.js';

// See errors.ts on why builtins are not imported statically.
const { existsSync, readFileSync } = process.getBuiltinModule('node:fs');
const { createRequire } = process.getBuiltinModule('node:module');
const path = process.getBuiltinModule('node:path');
const { pathToFileURL } = process.getBuiltinModule('node:url');
const { isModuleNamespaceObject } = process.getBuiltinModule('node:util').types;

/** The user's handler as we call it: (event, context, callback) or (event, stream, context). */
export type HandlerFunction = (...args: unknown[]) => unknown;

/** What the invoke loop needs to know about a handler, computed once at init. */
export interface HandlerMetadata {
  streaming: boolean;
  highWaterMark: number | undefined;
  isAsync: boolean;
  argsNum: number;
}

export interface LoadOptions {
  /** Install `globalThis.awslambda` before loading (AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA unset). */
  installGlobal?: boolean;
}

// The "Require stack" in a missing-module error names the requiring file. On AWS that is
// "/var/runtime/index.mjs", and users and tools match on the whole message
// ("Error: Cannot find module 'index'\nRequire stack:\n- /var/runtime/index.mjs"), so we require
// through a module that claims that file name. We only ever pass absolute paths or explicit
// lookup paths, so the (absent) directory itself is never searched.
const userRequire = createRequire('/var/runtime/index.mjs');

// The module name is everything before the first dot of the basename; the rest is the
// (possibly dotted) property path of the function.
const FUNCTION_EXPR = /^([^.]*)\.(.*)$/;

/**
 * Loads and returns the handler function named by `handlerString` (e.g. "src/app.handler",
 * "index.a.b") relative to `appRoot`. Throws AWS's Runtime.* errors for a malformed name, a
 * missing module, a syntax error, or a missing or non-function export.
 */
export async function loadHandler(
  appRoot: string,
  handlerString: string,
  options: LoadOptions = {},
): Promise<HandlerFunction> {
  // Handlers may not climb out of the task root.
  if (handlerString.includes('..')) {
    throw new MalformedHandlerName(
      `'${handlerString}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }

  const basename = path.basename(handlerString);
  // AWS takes the text before the first occurrence of the basename (not before the last path
  // separator); the two only differ for odd names like "a.b/a.b", and we follow AWS there too.
  const moduleRoot = handlerString.substring(0, handlerString.indexOf(basename));
  const match = FUNCTION_EXPR.exec(basename);
  if (!match) throw new MalformedHandlerName('Bad handler');
  const [, moduleName, functionPath] = match;

  if (options.installGlobal !== false) installAwsLambdaGlobal();

  const userModule = await loadUserModule(appRoot, moduleRoot, moduleName);
  const handler = functionPath
    .split('.')
    .reduce<unknown>((obj, key) => (obj ? (obj as Record<string, unknown>)[key] : obj), userModule);

  if (!handler) throw new HandlerNotFound(`${handlerString} is undefined or not exported`);
  if (typeof handler !== 'function') throw new HandlerNotFound(`${handlerString} is not a function`);
  return handler as HandlerFunction;
}

async function loadUserModule(appRoot: string, moduleRoot: string, moduleName: string): Promise<unknown> {
  try {
    return await tryLoad(appRoot, moduleRoot, moduleName);
  } catch (e) {
    if (e instanceof SyntaxError) throw new UserCodeSyntaxError(e as unknown as string);
    if ((e as { code?: unknown } | null)?.code === 'MODULE_NOT_FOUND') {
      // Error(e) stringifies e, which is why AWS's message reads "Error: Cannot find module ...".
      throw new ImportModuleError(e as unknown as string);
    }
    // Anything else (a throw at the module's top level, ERR_MODULE_NOT_FOUND from an ESM import,
    // ERR_REQUIRE_ESM, ...) is reported unchanged, as on AWS.
    throw e;
  }
}

// The candidate order is AWS's: extensionless (require), .js (require unless the package scope
// is "type":"module", else import), .mjs (import), .cjs (require), then a node_modules lookup.
async function tryLoad(appRoot: string, moduleRoot: string, moduleName: string): Promise<unknown> {
  const base = path.resolve(appRoot, moduleRoot, moduleName);

  const extensionless = requireIfExists(base);
  if (extensionless) return extensionless;

  const jsIsModule = existsSync(base + '.js') && isTypeModuleScope(path.dirname(base + '.js'));
  if (!jsIsModule) {
    const js = requireIfExists(base + '.js');
    if (js) return js;
  }

  const loaded =
    (jsIsModule && (await importIfExists(base + '.js'))) ||
    (await importIfExists(base + '.mjs')) ||
    requireIfExists(base + '.cjs');
  if (loaded) return loaded;

  // A handler module that lives in node_modules (e.g. a layer on NODE_PATH). AWS passes the
  // module root relative to the cwd, which the platform sets to the app root; resolving it
  // against appRoot gives the same result without depending on the cwd.
  const resolved = userRequire.resolve(moduleName, { paths: [appRoot, path.resolve(appRoot, moduleRoot)] });
  return userRequire(resolved);
}

function requireIfExists(file: string): unknown {
  return existsSync(file) ? userRequire(file) : undefined;
}

// Codes with which require() declines an ES module before running any of it: a graph with
// top-level await, a cycle through CommonJS, or a Node without require(esm) (before 20.19).
const IMPORT_INSTEAD = new Set(['ERR_REQUIRE_ASYNC_MODULE', 'ERR_REQUIRE_CYCLE_MODULE', 'ERR_REQUIRE_ESM']);

async function importIfExists(file: string): Promise<unknown> {
  if (!existsSync(file)) return undefined;
  // AWS import()s ES modules. require() of one (Node 20.19+) gives the same namespace from the
  // same single evaluation, but synchronously: import() first sets up the asynchronous ES module
  // loader, ~5 ms of every cold start of an .mjs handler here. Whatever require() declines, it
  // declines before evaluating anything, and import() then loads it as AWS does.
  try {
    const loaded = userRequire(file);
    // require() gives a module's "module.exports" export instead of its namespace, when it has
    // one; import() then gives the namespace, of the module already evaluated.
    if (isModuleNamespaceObject(loaded)) return loaded;
  } catch (e) {
    if (!IMPORT_INSTEAD.has((e as { code?: string } | null)?.code ?? '')) throw e;
  }
  // A file URL rather than the bare path, so that names with '#' or '%' import correctly.
  return await importModule(pathToFileURL(file).href);
}

// Walks up from `folder` looking for the nearest package.json, stopping (as "not a module") at
// a node_modules folder or at the root, as AWS does.
function isTypeModuleScope(folder: string): boolean {
  for (let dir = folder; ; dir = path.dirname(dir)) {
    if (dir.endsWith('/node_modules')) return false;
    const pj = path.join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        const pkg = JSON.parse(readFileSync(pj, 'utf8')) as { type?: unknown } | null;
        // A package.json holding `null` is skipped, like a missing one.
        if (pkg) return pkg.type === 'module';
      } catch (e) {
        console.warn(`${pj} could not be read; ignoring it when deciding whether .js files are ES modules.`, e);
        return false;
      }
    }
    if (dir === '/' || path.dirname(dir) === dir) return false;
  }
}

/** Reads the streaming marks and the shape of a loaded handler. */
export function getHandlerMetadata(handler: HandlerFunction): HandlerMetadata {
  const marks = handler as unknown as Record<symbol, unknown>;
  const mode = marks[STREAMING_SYMBOL];
  let streaming = false;
  if (mode !== undefined && mode !== null && mode !== false) {
    if (mode !== 'response') throw new MalformedStreamingHandler('Only response streaming is supported.');
    streaming = true;
  }
  let highWaterMark: number | undefined;
  const hwm = marks[HIGH_WATER_MARK_SYMBOL];
  if (hwm !== undefined && hwm !== null && hwm !== false) {
    const n = parseInt(String(hwm), 10);
    highWaterMark = Number.isNaN(n) ? undefined : n;
  }
  return {
    streaming,
    highWaterMark,
    // Only a native async function counts: AWS uses this to tell "promise never settled"
    // (Runtime.NodeJsExit) from "sync handler never called back" (null response).
    isAsync: handler.constructor?.name === 'AsyncFunction',
    argsNum: handler.length,
  };
}

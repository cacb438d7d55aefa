// What `node` starts in an execution environment: it runs the runtime (bootstrap.ts and the
// modules it uses) from one bundle, compiled with a V8 code cache that the build wrote after
// running that code once (scripts/bundle-runtime.mjs). A cold start then neither resolves and reads
// each module nor compiles the functions of its first invocation (~3-4 ms here).
//
// V8 checks a cache against its own version, flags and the source, and rejects one that does
// not match (another `node` configured for a nodejs*.x runtime): the bundle then compiles as
// usual. Without a bundle (a bare `tsc` build) the modules load one by one, as before.
//
// V8 (Node 20) also keeps the file name the cache was written under: stack frames of a script
// compiled from it name that file, whatever name it is given now. So the build compiles the
// bundle under the name environments see it by (/var/runtime/bundle.js in the sandbox), never
// the build directory's path on the host, which a function's error trace would otherwise show.

const { readFileSync, writeFileSync } = process.getBuiltinModule('node:fs');
const { join } = process.getBuiltinModule('node:path');
const { Script } = process.getBuiltinModule('node:vm');

/** The bundle's modules by id ('./bootstrap.js'); ids it lacks are required from this directory. */
type Bundle = { load: (id: string) => unknown; ids: string[] };

const BUNDLE = join(__dirname, 'bundle.js');
const CACHE = join(__dirname, 'bundle.cache');

let source: string | undefined;
try {
  source = readFileSync(BUNDLE, 'utf8');
} catch {
  /* not bundled */
}

if (source === undefined) {
  require('./bootstrap.js');
} else if (process.argv[2] === '--write-code-cache') {
  // The build: load every module and rehearse an invocation (nothing starts: bootstrap.js is not
  // loaded), then keep what V8 compiled meanwhile, under the file name argv[3] (see above).
  const script = new Script(source, { filename: process.argv[3] ?? BUNDLE });
  const bundle = (script.runInThisContext() as (req: NodeJS.Require, dir: string) => Bundle)(require, __dirname);
  for (const id of bundle.ids) if (id !== './bootstrap.js') bundle.load(id);
  void (bundle.load('./rehearse.js') as typeof import('./rehearse.js')).rehearse().then(() => {
    writeFileSync(CACHE, script.createCachedData());
    process.exit(0);
  });
} else {
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(CACHE);
  } catch {
    /* compiled as usual */
  }
  const script = new Script(source, { filename: BUNDLE, cachedData });
  (script.runInThisContext() as (req: NodeJS.Require, dir: string) => Bundle)(require, __dirname).load('./bootstrap.js');
}

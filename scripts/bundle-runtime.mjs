// Build step (after tsc): the built-in Node runtime's modules in one script, and a V8 code cache
// of it (src/runtimes/nodejs/start.ts says why). `npm run build` runs it; a runtime built by tsc
// alone still works, from its separate modules, once the bundle is removed.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = new URL('../dist/runtimes/nodejs/', import.meta.url).pathname;
// start.js loads the bundle; esm.js must be loaded by Node's own loader (its import() needs one).
const outside = new Set(['start.js', 'esm.js']);
// What bootstrap.js and the build's rehearsal (start.js) require, and what those require in turn:
// not every .js in dist/, which keeps the outputs of modules since removed (tsc never deletes).
const files = [];
for (const queue = ['bootstrap.js', 'rehearse.js']; queue.length; ) {
  const f = queue.shift();
  if (files.includes(f) || outside.has(f)) continue;
  files.push(f);
  for (const m of readFileSync(join(dir, f), 'utf8').matchAll(/require\(["']\.\/([\w.-]+\.js)["']\)/g)) queue.push(m[1]);
}
files.sort();

// Each module runs in the wrapper Node's CommonJS loader would give it; ids are the './x.js'
// the compiled modules require each other by. Anything else goes to the real require().
let out = `(function (require, __dirname) {
const defs = Object.create(null);
const cache = Object.create(null);
function load(id) {
  if (!(id in defs)) return require(id);
  if (id in cache) return cache[id].exports;
  const module = (cache[id] = { exports: {} });
  defs[id].call(module.exports, module.exports, load, module, __dirname + '/' + id.slice(2), __dirname);
  return module.exports;
}
`;
for (const f of files) {
  out += `defs[${JSON.stringify('./' + f)}] = function (exports, require, module, __filename, __dirname) {\n${readFileSync(join(dir, f), 'utf8')}\n};\n`;
}
out += `return { load, ids: Object.keys(defs) };\n})`;
writeFileSync(join(dir, 'bundle.js'), out);

// The cache, written by the same node with a clean environment (no NODE_OPTIONS: V8 rejects a
// cache made under other flags). Without one the bundle still runs, compiled at each start.
// Its file name is where the sandbox mounts the runtime (src/sandbox/bwrap.ts, paths()): stack
// traces name the file the cache was made under (start.ts), and must not show this host's paths.
// (With --sandbox none, where functions see host paths anyway, they name it too.)
const SEEN_AS = '/var/runtime/bundle.js';
rmSync(join(dir, 'bundle.cache'), { force: true });
const r = spawnSync(process.execPath, [join(dir, 'start.js'), '--write-code-cache', SEEN_AS], { env: {}, encoding: 'utf8', timeout: 30_000 });
if (r.status !== 0) console.warn(`bundle-runtime: no code cache for the Node runtime (it will compile at each start): ${r.stderr || r.error?.message || `exit ${r.status}`}`);

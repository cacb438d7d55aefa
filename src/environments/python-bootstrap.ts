/**
 * The Python runtime client, compiled once per interpreter. Python never caches the script it is
 * asked to run: started as `python3 bootstrap.py` it compiles the whole client at every cold
 * start (~9 ms here, a sixth of a Python cold start). A .pyc of it, made by py_compile for the
 * same interpreter, runs in its place (bootstrap.py allows for this). The copies are made in the
 * background at server start; until one is ready, environments run the source as before.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';

/** The precompiled copy's file name, next to a copy of the source it was compiled from. */
export const PYTHON_BOOTSTRAP_PYC = 'bootstrap.pyc';

const COMPILE = 'import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], dfile=sys.argv[3], doraise=True)';

export class PythonBootstraps {
  /** Interpreter path → host directory holding bootstrap.py and its .pyc. */
  private readonly ready = new Map<string, string>();

  constructor(
    private readonly dir: string,
    /** The runtime client's source (src/runtimes/python/bootstrap.py). */
    private readonly source: string,
    /** Where a host runtime directory appears inside an environment (/var/runtime in a sandbox). */
    private readonly seenAs: (hostDir: string) => string,
  ) {}

  /** The directory to mount as the runtime client for this interpreter, once its copy is ready. */
  dirFor(interpreter: string | undefined): string | undefined {
    return interpreter === undefined ? undefined : this.ready.get(interpreter);
  }

  /**
   * Compile the client for each interpreter (in parallel, off the event loop) and remove copies
   * of older sources. Never rejects: an interpreter that cannot compile it keeps running the source.
   */
  async prepare(interpreters: readonly string[], logError: (err: unknown) => void): Promise<void> {
    try {
      await this.compileAll(interpreters, logError);
    } catch (err) {
      logError(new Error(`could not precompile the Python runtime client (environments compile it at each start): ${(err as Error).message}`));
    }
  }

  private async compileAll(interpreters: readonly string[], logError: (err: unknown) => void): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    const text = readFileSync(this.source);
    const keep = new Set<string>();
    await Promise.all(
      [...new Set(interpreters)].map(async (interpreter) => {
        try {
          // The copy belongs to this source, this interpreter binary (a .pyc is only valid for
          // the Python version that wrote it) and the path the environments see it at.
          const real = realpathSync(interpreter);
          const st = statSync(real);
          const id = createHash('sha256').update(text).update(`\0${real}\0${st.size}\0${st.mtimeMs}\0${this.seenAs('')}`).digest('hex').slice(0, 16);
          keep.add(id);
          const out = join(this.dir, id);
          if (!existsSync(join(out, PYTHON_BOOTSTRAP_PYC))) await this.compile(interpreter, out);
          this.ready.set(interpreter, out);
        } catch (err) {
          logError(new Error(`could not precompile the Python runtime client for ${interpreter} (its environments compile it at each start): ${(err as Error).message}`));
        }
      }),
    );
    for (const name of readdirSync(this.dir)) if (!keep.has(name)) rmSync(join(this.dir, name), { recursive: true, force: true });
  }

  private async compile(interpreter: string, out: string): Promise<void> {
    const tmp = `${out}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    const src = join(tmp, basename(this.source));
    copyFileSync(this.source, src);
    // Tracebacks name the file where the environment sees it: the source copy next to the .pyc.
    const seen = join(this.seenAs(out), basename(this.source));
    await new Promise<void>((resolve, reject) =>
      execFile(interpreter, ['-S', '-B', '-c', COMPILE, src, join(tmp, PYTHON_BOOTSTRAP_PYC), seen], { env: {}, timeout: 30_000 }, (err, _stdout, stderr) =>
        err ? reject(new Error(stderr.trim() || err.message)) : resolve(),
      ),
    );
    // Whole or not at all: an environment never sees a directory without its .pyc.
    rmSync(out, { recursive: true, force: true });
    renameSync(tmp, out);
  }
}

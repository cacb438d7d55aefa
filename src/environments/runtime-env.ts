/** What a runtime process is started with: its command line and exactly Lambda's environment variables (contract A7). */
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RuntimeCommand } from '../config/config.js';
import type { FunctionConfig } from '../control/model.js';
import type { EnvironmentPaths } from '../sandbox/launcher.js';
import { PYTHON_BOOTSTRAP_PYC } from './python-bootstrap.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The built-in runtime clients: Node's is compiled to dist/, Python's runs from source. */
export const NODE_BOOTSTRAP = join(ROOT, 'dist/runtimes/nodejs/start.js');
export const PYTHON_BOOTSTRAP = join(ROOT, 'src/runtimes/python/bootstrap.py');

const isExecutable = (path: string): boolean => {
  try {
    return existsSync(path) && statSync(path).isFile() && (statSync(path).mode & 0o111) !== 0;
  } catch {
    return false;
  }
};

export interface RuntimeLaunch {
  argv: string[];
  /** LAMBDA_RUNTIME_DIR, as the environment sees it. */
  runtimeDir: string;
  /** Where the runtime client lives on the host (mounted at runtimeDir by a sandbox). */
  hostRuntimeDir?: string;
  /** A built-in runtime, which can talk to the server over its private channel (runtime-channel.ts). */
  channel?: boolean;
}

/**
 * The command that starts this runtime, or undefined when a custom runtime has no executable
 * bootstrap. `paths` says where the code and a runtime client directory appear inside the
 * environment (a sandbox mounts them at /var/task and /var/runtime; without one they stay put).
 */
export function runtimeLaunch(
  runtime: RuntimeCommand,
  paths: (hostRuntimeDir: string) => EnvironmentPaths,
  codeDir: string,
  optDir?: string,
  /** A directory holding a precompiled copy of the Python runtime client (python-bootstrap.ts), when ready. */
  pythonPrecompiled?: string,
  /** The function's AWS_LAMBDA_EXEC_WRAPPER, if it sets one (managed runtimes only). */
  execWrapper?: string,
): RuntimeLaunch | undefined {
  switch (runtime.kind) {
    case 'nodejs': {
      // Lambda's Node runtime also passes V8 heap flags (--max-old-space-size, --max-semi-space-size,
      // --expose-gc) sized to the memory; on Node 20 any V8 flag costs ~25 ms of start-up here
      // (measured: 61-67 ms without, 92 ms with, spawn to first /next), so the memory limit is left
      // to the sandbox's cgroup instead.
      const p = paths(dirname(NODE_BOOTSTRAP));
      const argv = [runtime.interpreter!, '--max-http-header-size=81920', join(p.runtimeDir, basename(NODE_BOOTSTRAP))];
      return { argv: wrapped(argv, execWrapper), runtimeDir: p.runtimeDir, hostRuntimeDir: dirname(NODE_BOOTSTRAP), channel: true };
    }
    case 'python': {
      // -S: no host site-packages leak into functions (and a faster start); -B: no .pyc files
      // written into the read-only, shared code directory. The bootstrap line-buffers stdout itself.
      // A precompiled copy, when there is one, spares compiling the client at every start.
      const host = pythonPrecompiled ?? dirname(PYTHON_BOOTSTRAP);
      const p = paths(host);
      const file = pythonPrecompiled ? PYTHON_BOOTSTRAP_PYC : basename(PYTHON_BOOTSTRAP);
      const argv = [runtime.interpreter!, '-S', '-B', join(p.runtimeDir, file)];
      return { argv: wrapped(argv, execWrapper), runtimeDir: p.runtimeDir, hostRuntimeDir: host, channel: true };
    }
    case 'provided': {
      // /var/task/bootstrap first, then /opt/bootstrap from a layer (contract A8).
      const p = paths('');
      if (isExecutable(join(codeDir, 'bootstrap'))) return { argv: [join(p.taskRoot, 'bootstrap')], runtimeDir: p.runtimeDir };
      if (optDir && p.opt && isExecutable(join(optDir, 'bootstrap'))) return { argv: [join(p.opt, 'bootstrap')], runtimeDir: p.runtimeDir };
      return undefined;
    }
  }
}

/**
 * What AWS's managed runtimes do with AWS_LAMBDA_EXEC_WRAPPER (their /var/runtime/bootstrap is a
 * shell script): a wrapper that is not a file ends the runtime with exit status 127 and one
 * that is not executable with 126, each after a line saying so; otherwise the wrapper is exec'd
 * with the runtime's own command line as its arguments. It runs inside the environment, so the
 * checks see the function's paths (/var/task, /opt) as AWS's do. The wrapper's name is read from
 * the environment, as AWS's script reads it. Wrappers are how tracing layers (OpenTelemetry,
 * Datadog) hook in; custom runtimes ignore the variable, as on AWS.
 */
const WRAPPER_SCRIPT = `w="$AWS_LAMBDA_EXEC_WRAPPER"
if [ ! -f "$w" ]; then echo "$w: does not exist"; exit 127; fi
if [ ! -x "$w" ]; then echo "$w: is not an executable"; exit 126; fi
exec "$w" "$@"`;

const wrapped = (argv: string[], execWrapper: string | undefined): string[] =>
  execWrapper ? ['/bin/sh', '-c', WRAPPER_SCRIPT, 'bootstrap', ...argv] : argv;

export interface EnvironmentContext {
  region: string;
  runtimeApi: string;
  logStream: string;
  taskRoot: string;
  runtimeDir: string;
  initType: InitType;
  /** Where the layers are seen: /opt, or their real path without a sandbox (default /opt). */
  opt?: string;
}

/** How an environment came to be: for an invocation, or ahead of time for provisioned concurrency. */
export type InitType = 'on-demand' | 'provisioned-concurrency';

/**
 * Lambda's variables, then the function's own (which cannot name a reserved one: validation
 * refuses them). Nothing comes from the server's environment, so e.g. NODE_EXTRA_CA_CERTS on the
 * host never reaches (or slows) a function.
 */
export function buildEnvironment(c: FunctionConfig, runtime: RuntimeCommand, x: EnvironmentContext): Record<string, string> {
  const opt = x.opt ?? '/opt';
  // AWS's images keep their language runtime in /var/lang and name it first (all but the oldest
  // custom runtimes: recordings test_introspection_invoke[*]). Nothing is there in an environment
  // here (the interpreter stays where the host has it), so the entries find nothing and cost a
  // failed lookup at most; they are there so that the values are AWS's.
  const lang = c.runtime === 'provided' || c.runtime === 'provided.al2' ? '' : '/var/lang/';
  const env: Record<string, string> = {
    ...c.environment,
    PATH: `${lang && `${lang}bin:`}/usr/local/bin:/usr/bin/:/bin:${opt}/bin`,
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    LD_LIBRARY_PATH: `${lang && `${lang}lib:`}/lib64:/usr/lib64:${x.runtimeDir}:${x.runtimeDir}/lib:${x.taskRoot}:${x.taskRoot}/lib:${opt}/lib`,
    _HANDLER: c.handler,
    LAMBDA_TASK_ROOT: x.taskRoot,
    LAMBDA_RUNTIME_DIR: x.runtimeDir,
    AWS_LAMBDA_RUNTIME_API: x.runtimeApi,
    AWS_REGION: x.region,
    AWS_DEFAULT_REGION: x.region,
    AWS_LAMBDA_FUNCTION_NAME: c.name,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(c.memorySize),
    AWS_LAMBDA_FUNCTION_VERSION: c.version,
    AWS_LAMBDA_LOG_GROUP_NAME: c.logging.logGroup,
    AWS_LAMBDA_LOG_STREAM_NAME: x.logStream,
    AWS_LAMBDA_INITIALIZATION_TYPE: x.initType,
    AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
    AWS_XRAY_DAEMON_ADDRESS: '169.254.79.129:2000',
    _AWS_XRAY_DAEMON_ADDRESS: '169.254.79.129',
    _AWS_XRAY_DAEMON_PORT: '2000',
  };
  if (c.logging.logFormat === 'JSON') {
    env.AWS_LAMBDA_LOG_FORMAT = 'JSON';
    if (c.logging.applicationLogLevel) env.AWS_LAMBDA_LOG_LEVEL = c.logging.applicationLogLevel;
  }
  // AWS_EXECUTION_ENV is not set for custom runtimes (contract A7, H11).
  if (runtime.kind !== 'provided') {
    env.AWS_EXECUTION_ENV = `AWS_Lambda_${c.runtime}`;
    // What the shell script that is AWS's bootstrap for these runtimes leaves behind: it exec's
    // the interpreter (so SHLVL is back to 0) from the code directory (recording
    // test_introspection_invoke[nodejs20.x|python3.12]).
    env.SHLVL = '0';
    env.PWD = x.taskRoot;
  }
  if (runtime.kind === 'nodejs') {
    const major = c.runtime.replace(/^nodejs(\d+).*$/, '$1');
    env.NODE_PATH = `${opt}/nodejs/node${major}/node_modules:${opt}/nodejs/node_modules:${x.runtimeDir}/node_modules:${x.runtimeDir}:${x.taskRoot}`;
  }
  if (runtime.kind === 'python') {
    // The runtime client adds /opt/python and its site-packages itself (as AWS's does). Where the
    // layers are elsewhere (no sandbox), they come through PYTHONPATH instead, which the client
    // then takes as given, ahead of the runtime's own directory.
    const version = c.runtime.replace(/^python/, '');
    env.PYTHONPATH = opt === '/opt' ? x.runtimeDir : `${opt}/python/lib/python${version}/site-packages:${opt}/python:${x.runtimeDir}`;
    // AWS's images from python3.12 on (Amazon Linux 2023) set it; 3.11 and older do not
    // (recording test_introspection_invoke[python3.10-3.14]).
    const [major, minor] = version.split('.').map(Number);
    if (major! > 3 || (major === 3 && minor! >= 12)) env.LC_CTYPE = 'C.UTF-8';
  }
  return env;
}

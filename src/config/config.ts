/**
 * The one configuration schema. Flags win over environment variables, which win over defaults.
 * Parsed once at start, validated, frozen, and passed down; nothing else reads process.env.
 */
import { existsSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { LIMITS } from '../control/limits.js';

export interface RuntimeCommand {
  /** Which built-in runtime client to launch: a Node or Python bootstrap, or the function's own. */
  kind: 'nodejs' | 'python' | 'provided';
  /** The interpreter binary (absent for provided runtimes). */
  interpreter?: string;
}

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  region: string;
  accountId: string;
  auth: 'on' | 'off';
  /** Root credentials from the environment; when absent they are generated into the data dir. */
  rootAccessKeyId?: string;
  rootSecretAccessKey?: string;
  /** How long an idle execution environment is kept before it is stopped. */
  idleTimeoutMs: number;
  /** bubblewrap: refuse to start without a real sandbox; none: run functions unisolated (and say so). */
  sandbox: 'bubblewrap' | 'none';
  /** The account's concurrency limit (AWS's default is 1,000). */
  concurrencyLimit: number;
  /** The most memory (sum of MemorySize) live environments may hold; idle ones are evicted first. */
  memoryBudgetMB: number;
  /** Cold starts that may run side by side; more invocations wait for one of them or a warm environment. */
  maxStarting: number;
  /** Pre-started runtimes that cold starts specialise instead of spawning (docs/stem-cells.md). */
  stemCells: 'on' | 'off';
  /** How built-in runtimes talk to the server: a private socket (on) or the HTTP Runtime API (off). */
  runtimeChannel: 'on' | 'off';
  /** The most bytes one streamed response may hold (AWS: 200 MiB). */
  streamLimitBytes: number;
  /** runtime id (e.g. `nodejs20.x`) → how to run it on this host. */
  runtimes: Readonly<Record<string, RuntimeCommand>>;
  /**
   * Async retry backoff unit (AWS: one minute): function errors are retried after 1× then 2× this;
   * throttles and platform errors after 1/60 of it, doubling, up to 5× (AWS: 1 s … 5 min).
   */
  asyncRetryBaseMs: number;
  /** Async events running at once, over all functions. */
  asyncConcurrency: number;
  /** Async events of one function running at once (so one flooded function cannot take every slot). */
  asyncFunctionConcurrency: number;
}

export class ConfigError extends Error {}

interface Option<K extends keyof Config> {
  key: K;
  flag: string;
  env?: string;
  help: string;
  parse: (raw: string) => Config[K];
}

const int = (name: string, min: number, max: number) => (raw: string) => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got '${raw}'`);
  return n;
};

/** One of a few words, e.g. on|off. */
const oneOf = <T extends string>(name: string, words: readonly T[]) => (raw: string): T => {
  if (!(words as readonly string[]).includes(raw)) throw new ConfigError(`${name} must be ${words.map((w) => `'${w}'`).join(' or ')}, got '${raw}'`);
  return raw as T;
};

const OPTIONS = [
  { key: 'host', flag: 'host', env: 'STRATUS_HOST', help: 'address to listen on (default 127.0.0.1)', parse: (s: string) => s },
  { key: 'port', flag: 'port', env: 'STRATUS_PORT', help: 'port to listen on, 0 for any (default 4570)', parse: int('port', 0, 65535) },
  { key: 'dataDir', flag: 'data-dir', env: 'STRATUS_DATA_DIR', help: 'where state lives (default ./.stratus)', parse: (s: string) => resolve(s) },
  {
    key: 'region', flag: 'region', env: 'STRATUS_REGION', help: 'the region in ARNs (default us-east-1)',
    parse: (s: string) => {
      if (!/^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(s)) throw new ConfigError(`region must look like us-east-1, got '${s}'`);
      return s;
    },
  },
  {
    key: 'accountId', flag: 'account-id', env: 'STRATUS_ACCOUNT_ID', help: 'the 12-digit account id in ARNs (default 000000000000)',
    parse: (s: string) => {
      if (!/^\d{12}$/.test(s)) throw new ConfigError(`account id must be 12 digits, got '${s}'`);
      return s;
    },
  },
  {
    key: 'auth', flag: 'auth', env: 'STRATUS_AUTH', help: 'on (SigV4 required) or off (accept any caller)',
    parse: oneOf('auth', ['on', 'off'] as const),
  },
  {
    key: 'idleTimeoutMs', flag: 'idle-timeout', env: 'STRATUS_IDLE_TIMEOUT', help: 'seconds an idle environment is kept (default 300)',
    parse: (s: string) => int('idle-timeout', 1, 86_400)(s) * 1000,
  },
  {
    key: 'sandbox', flag: 'sandbox', env: 'STRATUS_SANDBOX', help: 'bubblewrap (default: namespaces + cgroups) or none (no isolation)',
    parse: oneOf('sandbox', ['bubblewrap', 'none'] as const),
  },
  {
    key: 'concurrencyLimit', flag: 'concurrency-limit', env: 'STRATUS_CONCURRENCY_LIMIT',
    help: 'concurrent executions the account may run (default 1000)', parse: int('concurrency-limit', 1, 100_000),
  },
  {
    key: 'memoryBudgetMB', flag: 'memory-budget', env: 'STRATUS_MEMORY_BUDGET',
    help: 'MB of MemorySize live environments may hold together (default 80% of RAM)', parse: int('memory-budget', 128, 16_777_216),
  },
  {
    key: 'maxStarting', flag: 'max-starting', env: 'STRATUS_MAX_STARTING',
    help: 'environments that may start at once (default 4 per core)', parse: int('max-starting', 1, 10_000),
  },
  {
    key: 'stemCells', flag: 'stem-cells', env: 'STRATUS_STEM_CELLS', help: 'on (default): cold starts take a pre-started runtime; off: always spawn',
    parse: oneOf('stem-cells', ['on', 'off'] as const),
  },
  {
    key: 'runtimeChannel', flag: 'runtime-channel', env: 'STRATUS_RUNTIME_CHANNEL',
    help: 'on (default): built-in runtimes talk to the server over a private socket; off: over the HTTP Runtime API, like custom runtimes',
    parse: oneOf('runtime-channel', ['on', 'off'] as const),
  },
  {
    key: 'asyncRetryBaseMs', flag: 'async-retry-base', env: 'STRATUS_ASYNC_RETRY_BASE',
    help: 'async retry backoff unit in ms (default 60000: retries after 1 and 2 min, as on AWS)',
    parse: int('async-retry-base', 1, 3_600_000),
  },
  {
    key: 'asyncConcurrency', flag: 'async-concurrency', env: 'STRATUS_ASYNC_CONCURRENCY',
    help: 'async events running at once, all functions (default 32)', parse: int('async-concurrency', 1, 10_000),
  },
  {
    key: 'asyncFunctionConcurrency', flag: 'async-function-concurrency', env: 'STRATUS_ASYNC_FUNCTION_CONCURRENCY',
    help: 'async events of one function running at once (default 8)', parse: int('async-function-concurrency', 1, 10_000),
  },
  {
    key: 'streamLimitBytes', flag: 'stream-limit', env: 'STRATUS_STREAM_LIMIT',
    help: 'bytes one streamed response may hold (default 209715200, AWS\'s 200 MiB)', parse: int('stream-limit', 1, 1_073_741_824),
  },
] satisfies Option<keyof Config>[];

/** The help text for `stratus serve`, generated from the schema so it cannot drift. */
export function configHelp(): string {
  return OPTIONS.map((o) => `  --${o.flag.padEnd(27)} ${o.help}${o.env ? ` [${o.env}]` : ''}`).join('\n') +
    `\n  --runtime                     ID=PATH, repeatable: run runtime ID with the interpreter at PATH [STRATUS_RUNTIMES=ID=PATH,…]`;
}

/** The option names `serve` accepts, for the CLI's argument parser. */
export const configFlags = (): string[] => [...OPTIONS.map((o) => o.flag), 'runtime'];

/** Build the frozen Config from parsed flags and an environment (pass process.env at the entry point). */
export function loadConfig(flags: Record<string, string | string[] | undefined>, env: Record<string, string | undefined>): Readonly<Config> {
  const config: Config = {
    host: '127.0.0.1',
    port: 4570,
    dataDir: resolve('.stratus'),
    region: 'us-east-1',
    accountId: '000000000000',
    auth: 'on',
    idleTimeoutMs: 300_000,
    sandbox: 'bubblewrap',
    concurrencyLimit: 1000,
    // "Most of the host's RAM": environments rarely use all of their MemorySize, the server and the OS need the rest.
    memoryBudgetMB: Math.floor((totalmem() / 1024 / 1024) * 0.8),
    maxStarting: 4 * availableParallelism(),
    stemCells: 'on',
    runtimeChannel: 'on',
    streamLimitBytes: LIMITS.streamResponseBytes,
    runtimes: {},
    asyncRetryBaseMs: 60_000,
    asyncConcurrency: 32,
    asyncFunctionConcurrency: 8,
  };
  for (const o of OPTIONS) {
    const raw = flags[o.flag] ?? (o.env ? env[o.env] : undefined);
    if (raw === undefined || raw === '') continue;
    (config as unknown as Record<string, unknown>)[o.key] = o.parse(Array.isArray(raw) ? raw[raw.length - 1]! : raw);
  }
  if (env.STRATUS_ACCESS_KEY_ID || env.STRATUS_SECRET_ACCESS_KEY) {
    if (!env.STRATUS_ACCESS_KEY_ID || !env.STRATUS_SECRET_ACCESS_KEY)
      throw new ConfigError('set both STRATUS_ACCESS_KEY_ID and STRATUS_SECRET_ACCESS_KEY, or neither');
    config.rootAccessKeyId = env.STRATUS_ACCESS_KEY_ID;
    config.rootSecretAccessKey = env.STRATUS_SECRET_ACCESS_KEY;
  }
  const extra = [...(env.STRATUS_RUNTIMES ? env.STRATUS_RUNTIMES.split(',') : []), ...[flags.runtime ?? []].flat()];
  config.runtimes = Object.freeze({ ...detectRuntimes(), ...parseRuntimeOverrides(extra) });
  return Object.freeze(config);
}

function runtimeKind(id: string): RuntimeCommand['kind'] {
  if (id.startsWith('nodejs')) return 'nodejs';
  if (id.startsWith('python')) return 'python';
  if (id.startsWith('provided')) return 'provided';
  throw new ConfigError(`runtime '${id}' is not one Stratus can run: use a nodejs*, python3.* or provided* id`);
}

function parseRuntimeOverrides(items: string[]): Record<string, RuntimeCommand> {
  const out: Record<string, RuntimeCommand> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq < 1) throw new ConfigError(`--runtime takes ID=PATH (e.g. nodejs22.x=/usr/local/bin/node22), got '${item}'`);
    const id = item.slice(0, eq).trim();
    const path = resolve(item.slice(eq + 1).trim());
    if (!existsSync(path)) throw new ConfigError(`interpreter for ${id} not found at ${path}`);
    out[id] = { kind: runtimeKind(id), interpreter: path };
  }
  return out;
}

/**
 * The runtimes this host can run without configuration: the Node that runs Stratus (for its
 * own major version), the system's real python3 (never a pyenv shim: it adds ~90 ms per start),
 * and the custom runtimes.
 */
function detectRuntimes(): Record<string, RuntimeCommand> {
  const out: Record<string, RuntimeCommand> = {
    provided: { kind: 'provided' },
    'provided.al2': { kind: 'provided' },
    'provided.al2023': { kind: 'provided' },
  };
  const nodeMajor = process.versions.node.split('.')[0];
  out[`nodejs${nodeMajor}.x`] = { kind: 'nodejs', interpreter: process.execPath };
  for (const py of ['/usr/bin/python3', '/usr/local/bin/python3']) {
    if (!existsSync(py)) continue;
    const r = spawnSync(py, ['-S', '-c', 'import sys;print("%d.%d"%sys.version_info[:2])'], { encoding: 'utf8', env: {} });
    const v = r.stdout?.trim();
    if (r.status === 0 && v) {
      out[`python${v}`] = { kind: 'python', interpreter: py };
      break;
    }
  }
  return out;
}

/**
 * One execution environment: a runtime process, its Runtime API listener, its log stream and its
 * /tmp. It runs one invocation at a time; the first one cold-starts it. Failures are reported
 * exactly as AWS reports them (contract A6), and a failed environment is never reused.
 */
import type { ChildProcess } from 'node:child_process';
import { dirname } from 'node:path';
import type { RuntimeCommand } from '../config/config.js';
import type { FunctionConfig } from '../control/model.js';
import type { Clock } from '../shared/clock.js';
import { linkTree, removeTree } from '../shared/fs.js';
import { hex } from '../shared/ids.js';
import type { Launched, Launcher } from '../sandbox/launcher.js';
import type { LogSink } from '../telemetry/logs.js';
import { exitReason } from './exit-reason.js';
import { platformError, type Invocation, type InvocationResult } from './invocation.js';
import { RuntimeApi } from './runtime-api.js';
import { CHANNEL_FD, CHANNEL_VAR } from './runtime-channel.js';
import type { StreamTarget } from './stream-receiver.js';
import { LIMITS } from '../control/limits.js';
import { buildEnvironment, runtimeLaunch, type InitType, type RuntimeLaunch } from './runtime-env.js';

export interface EnvironmentDeps {
  clock: Clock;
  launcher: Launcher;
  logs: LogSink;
  region: string;
  /** Cap on a streamed response (default: AWS's 200 MiB); smaller in tests. */
  streamLimitBytes?: number;
  /** Built-in runtimes talk over their private channel (default) rather than the HTTP Runtime API. */
  runtimeChannel?: boolean;
  /** The host directory of a precompiled Python runtime client for an interpreter, once ready (python-bootstrap.ts). */
  pythonPrecompiled?: (interpreter: string | undefined) => string | undefined;
}

/** AWS's init phase limit for on-demand environments (contract A9). */
const INIT_LIMIT_MS = 10_000;

/** `stem`: a stem cell, started and loaded, waiting to be given a function (stem-cells.ts). */
type State = 'new' | 'initializing' | 'stem' | 'idle' | 'busy' | 'stopped';

interface Pending {
  inv: Invocation;
  resolve: (r: InvocationResult) => void;
  startedAt?: number;
  log: string[];
  timer?: NodeJS.Timeout;
  contentType?: string;
  /** The response is being streamed to the invocation's sink. */
  streamed?: true;
  /** A streamed response with no sink to go to (plain Invoke): kept, and returned whole. */
  collected?: Buffer[];
}

export class Environment {
  state: State = 'new';
  readonly id = hex(16);
  logStream: string;
  lastUsed = 0;
  private proc?: ChildProcess;
  private launched?: Launched;
  private api?: RuntimeApi;
  private pending?: Pending;
  private initStartedAt = 0;
  private initDurationMs?: number;
  /** Whether an invocation has already carried this environment's Init Duration. */
  private reportedInit = false;
  /** Lines logged while no invocation was running (init output): they go with the next invocation's tail. */
  private orphanLines: string[] = [];
  private stdoutRest = '';
  private stderrRest = '';
  private readonly onStopped: (env: Environment) => void;
  /** A prewarm waiting for init to finish. */
  private warming?: { resolve: () => void; reject: (err: Error) => void; timer: NodeJS.Timeout };
  /** Why init failed, for a prewarm's rejection. */
  private initFailure?: string;
  private initSettled!: () => void;
  /** Settles when init is over: the runtime asked for its first event, or the environment stopped. */
  readonly initialized = new Promise<void>((resolve) => (this.initSettled = resolve));
  /** A stem cell waiting for its runtime to load (startStem). */
  private stemming?: { resolve: () => void; reject: (err: Error) => void };
  /** The Runtime API address and launch details, kept for a stem cell's specialisation. */
  private apiAddress = '';
  /** A stem cell logs nothing of its own until it has a function (and a log group). */
  private specialised = false;
  private launchInfo?: RuntimeLaunch;

  constructor(
    /** The function version it runs; a stem cell takes on its function's when specialised. */
    public config: FunctionConfig,
    /** Host path of the code; a stem cell's is an empty directory of its own that receives it. */
    readonly codeDir: string,
    private readonly runtime: RuntimeCommand,
    private readonly deps: EnvironmentDeps,
    onStopped: (env: Environment) => void,
    public initType: InitType = 'on-demand',
    /** Host path of the merged layers (store/layer-trees.ts), when the function has any. */
    readonly optDir?: string,
    /** Start as a stem cell: the runtime loads, then waits to be given a function. */
    private readonly stem = false,
  ) {
    this.logStream = this.streamName();
    this.onStopped = onStopped;
  }

  private streamName(): string {
    const d = new Date(this.deps.clock.now());
    const day = `${d.getUTCFullYear()}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/${String(d.getUTCDate()).padStart(2, '0')}`;
    return `${day}/[${this.config.version}]${this.id}`;
  }

  /** Start a stem cell: resolves once its runtime has loaded and waits for a function. */
  startStem(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.stemming = { resolve, reject };
      this.start();
    });
  }

  /**
   * Make this stem cell the function's environment: its code appears at /var/task (hard links
   * into the cell's own directory), its memory limit is set, and its runtime receives exactly the
   * environment a fresh start would have had, then imports the handler. Init Duration counts from
   * here. The cell belongs to this function from now on.
   */
  specialise(config: FunctionConfig, hostCodeDir: string, initType: InitType): void {
    if (this.state !== 'stem' || !this.launchInfo || !this.launched) throw new Error('not a ready stem cell');
    linkTree(hostCodeDir, this.codeDir);
    this.config = config;
    this.initType = initType;
    this.logStream = this.streamName();
    this.specialised = true;
    this.orphanLines = [];
    if (this.deps.launcher.name === 'none') this.line('WARNING: this environment is not sandboxed (the server runs with --sandbox none)');
    this.launched.setMemory?.(config.memorySize);
    const paths = this.deps.launcher.paths(this.codeDir, this.launchInfo.hostRuntimeDir ?? '', this.optDir);
    const vars = {
      ...buildEnvironment(config, this.runtime, {
        region: this.deps.region,
        runtimeApi: this.apiAddress,
        logStream: this.logStream,
        taskRoot: paths.taskRoot,
        runtimeDir: this.launchInfo.runtimeDir,
        initType,
        opt: paths.opt,
      }),
      ...this.launched.env,
    };
    this.state = 'initializing';
    this.initStartedAt = this.deps.clock.monotonic();
    this.api!.specialise(vars);
  }

  /** Run one invocation; cold-starts the environment when it is new. Never rejects. */
  invoke(inv: Invocation): Promise<InvocationResult> {
    return new Promise((resolve) => {
      // Every field present from the start: one object shape for every invocation.
      const p: Pending = { inv, resolve, startedAt: undefined, log: [], timer: undefined, contentType: undefined, streamed: undefined, collected: undefined };
      this.pending = p;
      this.lastUsed = this.deps.clock.now();
      // A just-specialised stem cell is still initialising: this is its cold start too.
      const cold = this.state === 'new' || this.state === 'initializing';
      if (this.state === 'new') this.start();
      else if (!cold) this.state = 'busy';
      if (this.pending !== p) return; // start() failed and already answered
      const timeoutMs = this.config.timeout * 1000;
      // Init has its own 10 s budget before the invocation's timeout starts (contract A9).
      if (cold) p.timer = setTimeout(() => this.timedOut(), INIT_LIMIT_MS + timeoutMs);
      this.api!.deliver(inv, timeoutMs);
    });
  }

  /**
   * Start and initialise the environment with no invocation (provisioned concurrency): resolves
   * once the runtime asks for its first event, rejects with the reason when init fails. Its first
   * invocation then reports no Init Duration, as on AWS.
   */
  prewarm(): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.initFailure = `init did not finish within ${INIT_LIMIT_MS / 1000} s`;
        this.stop();
      }, INIT_LIMIT_MS);
      this.warming = { resolve, reject, timer };
      this.reportedInit = true;
      this.start();
    });
  }

  /** Stop the environment: kill its process group, close its listener, remove its /tmp. */
  stop(): void {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.initSettled();
    if (this.stemming) {
      this.stemming.reject(new Error(this.initFailure ?? 'the stem cell stopped before it was ready'));
      this.stemming = undefined;
    }
    if (this.stem) void removeTree(dirname(this.codeDir)).catch(() => undefined);
    if (this.warming) {
      clearTimeout(this.warming.timer);
      this.warming.reject(new Error(this.initFailure ?? 'the runtime exited during init'));
      this.warming = undefined;
    }
    this.launched?.destroy();
    this.api?.close();
    this.flushPartialLines();
    this.onStopped(this);
  }

  private start(): void {
    this.state = 'initializing';
    this.initStartedAt = this.deps.clock.monotonic();
    const paths = (hostRuntimeDir: string) => this.deps.launcher.paths(this.codeDir, hostRuntimeDir, this.optDir);
    const launch = runtimeLaunch(
      this.runtime, paths, this.codeDir, this.optDir, this.deps.pythonPrecompiled?.(this.runtime.interpreter), this.config.environment?.AWS_LAMBDA_EXEC_WRAPPER,
    );
    if (!launch) {
      this.line(`INIT_REPORT Init Duration: 0.00 ms\tPhase: init\tStatus: error\tError Type: Runtime.InvalidEntrypoint`);
      this.initFailure = 'Runtime.InvalidEntrypoint';
      return this.fail('Runtime.InvalidEntrypoint', `Couldn't find valid bootstrap(s): [${paths('').taskRoot}/bootstrap /opt/bootstrap]`);
    }
    this.api = new RuntimeApi(
      {
        onNext: () => {
          if (this.initDurationMs === undefined) {
            this.initDurationMs = this.deps.clock.monotonic() - this.initStartedAt;
            // The CPU share's cgroup writes (~0.5 ms) wait until the first event has been handed over.
            setImmediate(() => this.launched?.initDone());
            this.initSettled();
            if (this.warming) {
              clearTimeout(this.warming.timer);
              this.warming.resolve();
              this.warming = undefined;
              this.lastUsed = this.deps.clock.now();
            }
          }
          if (this.state === 'initializing') this.state = this.pending ? 'busy' : 'idle';
        },
        onDelivered: () => {
          const p = this.pending!;
          p.startedAt = this.deps.clock.monotonic();
          clearTimeout(p.timer);
          p.timer = setTimeout(() => this.timedOut(), this.config.timeout * 1000);
          // this.config, read now: a stem cell's is replaced when it is specialised, after start().
          this.line(`START RequestId: ${p.inv.requestId} Version: ${this.config.version}`);
        },
        onResponse: (_id, body, contentType) => {
          if (this.pending) this.pending.contentType = contentType;
          this.answered(body, undefined);
        },
        onError: (_id, body) => this.answered(body, 'Unhandled'),
        onResponseTooLarge: () =>
          this.answered(
            Buffer.from(JSON.stringify({ errorMessage: `Response payload size exceeded maximum allowed payload size (6291556 bytes).`, errorType: 'Function.ResponseSizeTooLarge' })),
            'Unhandled',
          ),
        onStreamStart: (_id, contentType) => this.streamStarted(contentType),
        onStreamEnd: (_id, error) => {
          const p = this.pending;
          if (error) this.answered(error.body, 'Unhandled');
          else this.answered(p?.collected ? Buffer.concat(p.collected) : Buffer.alloc(0), undefined);
        },
        onStreamTooLarge: (_id, limit) =>
          this.answered(
            Buffer.from(JSON.stringify({ errorMessage: `Response payload size exceeded maximum allowed payload size (${limit} bytes).`, errorType: 'Function.ResponseSizeTooLarge' })),
            'Unhandled',
          ),
        onInitError: (body, type) => {
          this.initFailure = `${type ?? 'Runtime.Unknown'}: ${initErrorMessage(body)}`;
          this.initReport(type ?? 'Runtime.Unknown');
          this.finish(body, 'Unhandled', true);
        },
        onStemReady: this.stem
          ? () => {
              this.state = 'stem';
              this.stemming?.resolve();
              this.stemming = undefined;
            }
          : undefined,
      },
      {},
      this.deps.clock,
    );
    let uid: number | undefined;
    try {
      uid = this.deps.launcher.reserveUid();
    } catch (err) {
      this.initFailure = `Sandbox.Failure: ${(err as Error).message}`;
      return this.fail('Sandbox.Failure', (err as Error).message);
    }
    if (uid !== undefined) this.api.restrictTo(uid);
    this.api.listen().then(
      (address) => this.spawn(launch, address, uid),
      () => this.fail('Sandbox.Failure', 'could not start the Runtime API'),
    );
  }

  private spawn(launch: RuntimeLaunch, runtimeApi: string, uid: number | undefined): void {
    if (this.state === 'stopped') {
      if (uid !== undefined) this.deps.launcher.releaseUid(uid);
      return;
    }
    const paths = this.deps.launcher.paths(this.codeDir, launch.hostRuntimeDir ?? '', this.optDir);
    this.apiAddress = runtimeApi;
    this.launchInfo = launch;
    const env = buildEnvironment(this.config, this.runtime, {
      region: this.deps.region,
      runtimeApi,
      logStream: this.logStream,
      taskRoot: paths.taskRoot,
      runtimeDir: launch.runtimeDir,
      initType: this.initType,
      opt: paths.opt,
    });
    if (this.stem) env.STRATUS_STEM_CELL = '1';
    const channel = launch.channel === true && this.deps.runtimeChannel !== false;
    // The runtime removes it from its own environment before any user code runs.
    if (channel) env[CHANNEL_VAR] = String(CHANNEL_FD);
    let launched: Launched;
    try {
      launched = this.deps.launcher.launch({
        name: this.id,
        argv: launch.argv,
        env,
        codeDir: this.codeDir,
        runtimeDir: launch.hostRuntimeDir,
        optDir: this.optDir,
        interpreter: this.runtime.interpreter,
        memoryMB: this.config.memorySize,
        ephemeralMB: this.config.ephemeralStorage,
        uid,
        channel,
      });
    } catch (err) {
      return this.fail('Sandbox.Failure', `could not start the environment: ${(err as Error).message}`);
    }
    this.launched = launched;
    if (launched.channel) this.api!.attachChannel(launched.channel);
    if (this.deps.launcher.name === 'none') this.line('WARNING: this environment is not sandboxed (the server runs with --sandbox none)');
    const proc = (this.proc = launched.proc);
    proc.stdout!.setEncoding('utf8').on('data', (s: string) => (this.stdoutRest = this.lines(this.stdoutRest + s)));
    proc.stderr!.setEncoding('utf8').on('data', (s: string) => (this.stderrRest = this.lines(this.stderrRest + s)));
    // Pipes of a killed process can report resets; its exit is what matters.
    proc.stdout!.on('error', () => undefined);
    proc.stderr!.on('error', () => undefined);
    proc.on('error', (err) => this.exited(null, null, err));
    proc.on('exit', (code, signal) => {
      const real = launched.decodeExit(code, signal);
      this.exited(real.code, real.signal);
    });
  }

  private exited(code: number | null, signal: NodeJS.Signals | null, err?: Error): void {
    if (this.state === 'stopped') return;
    // Let the last output reach the log before the failure is reported.
    setImmediate(() => {
      if (this.state === 'stopped') return;
      const p = this.pending;
      if (p && p.startedAt === undefined && this.reportedInit) {
        // The runtime exited between invocations, before taking this one: nothing ran, so the
        // pool runs it on a fresh environment instead (AWS hides this from the caller too).
        this.pending = undefined;
        clearTimeout(p.timer);
        this.stop();
        p.resolve({ undelivered: true, body: Buffer.alloc(0), durationMs: 0, maxMemoryUsedMB: 0, log: '' });
      } else {
        // The cgroup's OOM killer ended it: AWS reports this as Runtime.OutOfMemory.
        const oom = this.launched?.oomKilled() === true;
        const type = oom ? 'Runtime.OutOfMemory' : 'Runtime.ExitError';
        if (this.state === 'initializing' && this.initDurationMs === undefined) this.initReport(type);
        this.fail(type, oom ? 'Runtime exited with error: signal: killed' : exitReason(code, signal, err));
      }
    });
  }

  private timedOut(): void {
    const p = this.pending;
    if (!p) return;
    this.fail('Sandbox.Timedout', `Task timed out after ${this.config.timeout.toFixed(2)} seconds`);
  }

  /**
   * The runtime opened a streaming response: hand its chunks to the invocation's sink as they come
   * (up to the streaming cap), or, invoked without one, collect them under the buffered limit.
   */
  private streamStarted(contentType: string): StreamTarget {
    const p = this.pending;
    if (!p) return { limit: 0, write: () => true, onDrain: (cb) => cb() };
    p.contentType = contentType;
    const sink = p.inv.sink;
    if (!sink) {
      const chunks: Buffer[] = (p.collected = []);
      return { limit: LIMITS.responseBytes, write: (c) => (chunks.push(c), true), onDrain: (cb) => cb() };
    }
    p.streamed = true;
    sink.start(contentType);
    // Chunks that arrive after the invocation ended (timed out) go nowhere.
    return {
      limit: this.deps.streamLimitBytes ?? LIMITS.streamResponseBytes,
      write: (c) => (this.pending === p ? sink.write(c) : true),
      onDrain: (cb) => sink.onDrain(cb),
    };
  }

  /** The runtime answered: wait one turn so output written before the answer is attributed to it. */
  private answered(body: Buffer, error: string | undefined): void {
    const p = this.pending;
    setImmediate(() => {
      if (this.pending === p) this.finish(body, error, false);
    });
  }

  /**
   * End the pending invocation with a platform error (contract A6), answered as
   * "RequestId: <id> Error: <detail>"; the environment stops. The log has it as AWS's does,
   * between START and END: a timeout as "<time> <id> Task timed out after 1.00 seconds", any
   * other error as its message, then its type, each a line of its own.
   */
  private fail(errorType: string, detail: string): void {
    const p = this.pending;
    if (!p) return this.stop();
    const id = p.inv.requestId;
    const message = `RequestId: ${id} Error: ${detail}`;
    const logged = errorType === 'Sandbox.Timedout' ? [`${new Date(this.deps.clock.now()).toISOString()} ${id} ${detail}`] : [message, errorType];
    this.finish(platformError(errorType, message), 'Unhandled', true, logged);
  }

  /** The line AWS logs when init fails: how long it ran and why. */
  private initReport(errorType: string): void {
    this.line(`INIT_REPORT Init Duration: ${ms(this.deps.clock.monotonic() - this.initStartedAt)} ms\tPhase: init\tStatus: error\tError Type: ${errorType}`);
  }

  /**
   * Complete the pending invocation with its REPORT; `fatal` stops the environment. `platformLines`
   * (a platform error's) are logged after its START.
   */
  private finish(body: Buffer, error: string | undefined, fatal: boolean, platformLines?: string[]): void {
    const p = this.pending;
    if (!p) return fatal ? this.stop() : undefined;
    this.pending = undefined;
    clearTimeout(p.timer);
    const now = this.deps.clock.monotonic();
    const durationMs = p.startedAt === undefined ? 0 : now - p.startedAt;
    const cold = this.initDurationMs !== undefined && !this.reportedInit;
    const initMs = cold ? this.initDurationMs : undefined;
    this.reportedInit = this.reportedInit || cold;
    if (p.startedAt === undefined) this.line(`START RequestId: ${p.inv.requestId} Version: ${this.config.version}`);
    if (platformLines) for (const l of platformLines) this.line(l);
    const maxMemoryUsedMB = this.peakMemoryMB();
    const billed = Math.ceil(durationMs + (initMs ?? 0));
    this.line(`END RequestId: ${p.inv.requestId}`);
    this.line(
      `REPORT RequestId: ${p.inv.requestId}\tDuration: ${ms(durationMs)} ms\tBilled Duration: ${billed} ms\tMemory Size: ${this.config.memorySize} MB\tMax Memory Used: ${maxMemoryUsedMB} MB\t` +
        (initMs !== undefined ? `Init Duration: ${ms(initMs)} ms\t` : ''),
      p,
    );
    if (fatal) this.stop();
    else this.state = 'idle';
    this.lastUsed = this.deps.clock.now();
    p.resolve({
      body, error: error ? { type: error } : undefined, durationMs, initDurationMs: initMs, maxMemoryUsedMB, log: p.log.join('\n') + '\n',
      contentType: p.contentType, streamed: p.streamed,
    });
  }

  /** Peak memory of the environment: its cgroup's peak in a sandbox, the runtime process's otherwise. */
  private peakMemoryMB(): number {
    return this.launched?.peakMemoryMB() ?? 0;
  }

  /** Split process output into log lines; returns the unfinished rest. */
  private lines(text: string): string {
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      // The runtimes write one log record per line, with its own newlines as \r (as AWS's do).
      this.line(text.slice(start, nl).replace(/\r/g, '\n'));
      start = nl + 1;
    }
    return text.slice(start);
  }

  private flushPartialLines(): void {
    if (this.stdoutRest) this.line(this.stdoutRest);
    if (this.stderrRest) this.line(this.stderrRest);
    this.stdoutRest = this.stderrRest = '';
  }

  /** Record one log line in the stream and in the current invocation's tail. */
  private line(message: string, p: Pending | undefined = this.pending): void {
    if (this.stem && !this.specialised) return;
    this.deps.logs.append(this.config.logging.logGroup, this.logStream, this.deps.clock.now(), message);
    if (p) {
      if (this.orphanLines.length) p.log.push(...this.orphanLines.splice(0));
      p.log.push(message);
    } else if (this.orphanLines.length < 200) this.orphanLines.push(message);
  }
}

const ms = (n: number): string => n.toFixed(2);

function initErrorMessage(body: Buffer): string {
  try {
    return String((JSON.parse(body.toString('utf8')) as { errorMessage?: unknown }).errorMessage ?? '');
  } catch {
    return body.toString('utf8').slice(0, 200);
  }
}


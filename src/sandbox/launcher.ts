/** How an execution environment's process tree is started. Implementations: bubblewrap + cgroups, and none. */
import type { ChildProcess } from 'node:child_process';
import type { Duplex } from 'node:stream';

export interface LaunchSpec {
  /** A name unique to the environment (its id). */
  name: string;
  /** The program and its arguments, as paths the process will see. */
  argv: string[];
  env: Record<string, string>;
  /** Host path of the unpacked code (read-only, the working directory). */
  codeDir: string;
  /** Host path of the runtime client, if any (read-only, seen at `paths().runtimeDir`). */
  runtimeDir?: string;
  /** Host path of the function's merged layers, if it has any (read-only, seen at `paths().opt`). */
  optDir?: string;
  /** The interpreter binary, if the runtime has one (its installation must be visible). */
  interpreter?: string;
  memoryMB: number;
  ephemeralMB: number;
  /** The uid reserved with reserveUid(), if any. */
  uid?: number;
  /** Give the process a private channel to the server at fd 3 (a built-in runtime: runtime-channel.ts). */
  channel?: boolean;
}

/** Where things appear from inside the environment. */
export interface EnvironmentPaths {
  taskRoot: string;
  runtimeDir: string;
  /** Where the layers appear (/opt in a sandbox); undefined when there is no layer directory to show. */
  opt?: string;
}

export interface Launched {
  proc: ChildProcess;
  /** The server's end of the channel, when the spec asked for one. */
  channel?: Duplex;
  /** Peak memory of the whole environment in MB, when the launcher can measure it. */
  peakMemoryMB(): number | undefined;
  /** Whether the kernel killed something in the environment for exceeding its memory. */
  oomKilled(): boolean;
  /** The exit as the runtime saw it: a sandbox wrapper reports a killed child as 128+signal. */
  decodeExit(code: number | null, signal: NodeJS.Signals | null): { code: number | null; signal: NodeJS.Signals | null };
  /** Init is over (the runtime asked for its first event): apply the steady-state CPU share. */
  initDone(): void;
  /** Change the memory limit after launch (a stem cell taking on its function's MemorySize). */
  setMemory?(memoryMB: number): void;
  /** Variables the launcher added to the environment (kept when a stem cell's is replaced). */
  env?: Record<string, string>;
  /** Kill everything the environment started and release what the launcher made for it. */
  destroy(): void;
}

export interface Launcher {
  readonly name: 'bubblewrap' | 'none';
  describe(): string;
  paths(codeDir: string, runtimeDir: string, optDir?: string): EnvironmentPaths;
  /** The uid the environment's processes will run as, when it has one of its own (reserve before launch). */
  reserveUid(): number | undefined;
  /** How many more environments it can start now (bubblewrap: free uids); absent = no limit. */
  available?(): number;
  /** Give back a reserved uid that was never launched. */
  releaseUid(uid: number): void;
  launch(spec: LaunchSpec): Launched;
  /** Release what the launcher holds for all environments (after they are stopped). */
  close(): Promise<void>;
}


/** SIGKILL a process group, ignoring one that is already gone. */
export function killGroup(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

/** How an execution environment's process tree is started. Implementations: none (plain process); bubblewrap (the sandbox issue). */
import type { ChildProcess } from 'node:child_process';

export interface LaunchSpec {
  /** The program and its arguments, as paths the process will see. */
  argv: string[];
  env: Record<string, string>;
  /** Host path of the unpacked code (read-only). */
  codeDir: string;
  /** Host path of this environment's private scratch space. */
  tmpDir: string;
  memoryMB: number;
}

/** Where things appear from inside the environment. */
export interface EnvironmentPaths {
  taskRoot: string;
  tmp: string;
}

export interface Launcher {
  readonly name: string;
  paths(codeDir: string, tmpDir: string): EnvironmentPaths;
  launch(spec: LaunchSpec): ChildProcess;
}

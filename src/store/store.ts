/** Persistence interfaces. SQLite implements them now; a cluster store can later. */
import type { FunctionConfig, StoredFunction } from '../control/model.js';

export interface LogEvent {
  group: string;
  stream: string;
  timestamp: number;
  message: string;
}

export interface StoredLogEvent extends LogEvent {
  id: number;
}

export interface LogQuery {
  group: string;
  streams?: string[];
  until?: number;
  since?: number;
  afterId?: number;
  contains?: string;
  limit: number;
}

export interface Store {
  getFunction(name: string): StoredFunction | undefined;
  /** Functions ordered by name, after `afterName` when given. */
  listFunctions(afterName: string | undefined, limit: number): FunctionConfig[];
  /** Insert a new function; false when the name is taken. */
  createFunction(config: FunctionConfig, tags: Record<string, string>): boolean;
  /** Replace a version's configuration. */
  putConfig(config: FunctionConfig): void;
  deleteFunction(name: string): boolean;
  setTags(name: string, tags: Record<string, string>): void;
  /** Record that a code package is stored and unpacked; idempotent. */
  putCodePackage(sha256: string, size: number, unzippedSize: number): void;
  /** Code packages no function version refers to. */
  unreferencedCodePackages(): string[];
  deleteCodePackage(sha256: string): void;
  usage(): { functionCount: number; totalCodeSize: number };
  appendLogs(events: LogEvent[]): void;
  queryLogs(q: LogQuery): StoredLogEvent[];
  /** The streams of a log group with their first and last event times. */
  logStreams(group: string): { stream: string; first: number; last: number }[];
  logGroups(): string[];
  close(): void;
}

/** Persistence interfaces. SQLite implements them now; a cluster store can later. */
import type { AliasConfig, FunctionConfig, LayerVersion, ProvisionedConfig, StoredFunction } from '../control/model.js';
import type { PolicyStore, UrlStore } from './url-store.js';

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
  beforeId?: number;
  /** Return the newest matching events first (GetLogEvents reading backward). */
  newestFirst?: boolean;
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
  /** A published version (not $LATEST). */
  getVersion(name: string, version: string): FunctionConfig | undefined;
  /** Published versions in ascending order, after `afterVersion` when given. */
  listVersions(name: string, afterVersion: number, limit: number): FunctionConfig[];
  /** The highest version number ever published (0 if none), deleted ones included: numbers are never reused. */
  lastVersionNumber(name: string): number;
  /** Store a new published version and advance the function's version counter, in one transaction. */
  insertVersion(config: FunctionConfig, latest: FunctionConfig): void;
  deleteVersion(name: string, version: string): void;
  /** Every version of every function (ListFunctions FunctionVersion=ALL), by name then version, after the marker. */
  listAllVersions(after: { name: string; order: number } | undefined, limit: number): FunctionConfig[];
  getAlias(name: string, alias: string): AliasConfig | undefined;
  listAliases(name: string): AliasConfig[];
  /** Insert an alias; false when the name is taken. */
  createAlias(alias: AliasConfig): boolean;
  putAlias(alias: AliasConfig): void;
  deleteAlias(name: string, alias: string): void;
  setTags(name: string, tags: Record<string, string>): void;
  setReservedConcurrency(name: string, n: number | undefined): void;
  /** Reserved concurrency summed over all functions but `except`. */
  totalReserved(except?: string): number;
  putProvisioned(p: ProvisionedConfig): void;
  deleteProvisioned(name: string, qualifier: string): void;
  /** All provisioned configurations, or a function's. */
  listProvisioned(name?: string): ProvisionedConfig[];
  /** Record that a code package is stored and unpacked; idempotent. */
  putCodePackage(sha256: string, size: number, unzippedSize: number): void;
  /** Code packages no function version refers to. */
  unreferencedCodePackages(): string[];
  deleteCodePackage(sha256: string): void;
  /** A stored package's sizes, if it is stored. */
  codePackage(sha256: string): { size: number; unzippedSize: number } | undefined;
  /** Record a new version of a layer under the next number (numbers are never reused, even after deletes). */
  publishLayerVersion(v: Omit<LayerVersion, 'version'>): LayerVersion;
  getLayerVersion(name: string, version: number): LayerVersion | undefined;
  /** Every live layer version, by layer name, newest version first. */
  listLayerVersions(name?: string): LayerVersion[];
  deleteLayerVersion(name: string, version: number): boolean;
  /** The ordered layer package lists of every function version that has two or more layers. */
  layerCombinations(): string[][];
  usage(): { functionCount: number; totalCodeSize: number };
  appendLogs(events: LogEvent[]): void;
  queryLogs(q: LogQuery): StoredLogEvent[];
  /** The streams of a log group with their first and last event times. */
  logStreams(group: string): { stream: string; first: number; last: number }[];
  /** Every log group, by name, with its first event's time (groups exist once something is logged). */
  logGroups(): { group: string; first: number }[];
  /** Function URL configs and resource policies (src/store/url-store.ts). */
  urls: UrlStore;
  policies: PolicyStore;
  close(): void;
}

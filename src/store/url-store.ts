/** Persistence of function URL configs and resource policies (per function and qualifier). */
import type Database from 'better-sqlite3';
import type { PolicyStatement, StoredPolicy, UrlConfig } from '../urls/model.js';

export interface UrlStore {
  get(name: string, qualifier: string): UrlConfig | undefined;
  byId(urlId: string): UrlConfig | undefined;
  list(name: string): UrlConfig[];
  /** Insert a new config; false when the function and qualifier already have one. */
  create(config: UrlConfig): boolean;
  put(config: UrlConfig): void;
  delete(name: string, qualifier: string): boolean;
}

export interface PolicyStore {
  get(name: string, qualifier: string): StoredPolicy | undefined;
  /** Replace the policy; an empty statement list removes it. */
  put(name: string, qualifier: string, policy: StoredPolicy): void;
}

/**
 * Appended to the SQLite migrations. Both tables cascade from `functions`, so deleting a function
 * deletes its URLs and policies (as on AWS); the triggers do the same for a deleted alias (its URL
 * and policy) and a deleted version (its policy), whoever deletes them. Once released, never edit
 * this entry: append a new migration to sqlite.ts instead.
 */
export const URL_POLICY_MIGRATION = `CREATE TABLE function_urls (
     name TEXT NOT NULL REFERENCES functions(name) ON DELETE CASCADE,
     qualifier TEXT NOT NULL,
     url_id TEXT NOT NULL UNIQUE,
     config TEXT NOT NULL,
     PRIMARY KEY (name, qualifier)
   );
   CREATE TABLE function_policies (
     name TEXT NOT NULL REFERENCES functions(name) ON DELETE CASCADE,
     qualifier TEXT NOT NULL,
     revision_id TEXT NOT NULL,
     statements TEXT NOT NULL,
     PRIMARY KEY (name, qualifier)
   );
   CREATE TRIGGER alias_deleted_drops_url_and_policy AFTER DELETE ON aliases BEGIN
     DELETE FROM function_urls WHERE name = OLD.name AND qualifier = OLD.alias;
     DELETE FROM function_policies WHERE name = OLD.name AND qualifier = OLD.alias;
   END;
   CREATE TRIGGER version_deleted_drops_policy AFTER DELETE ON function_versions BEGIN
     DELETE FROM function_policies WHERE name = OLD.name AND qualifier = OLD.version;
   END;`;

/**
 * Every function URL request reads its config by id and the function's policy: both are kept in
 * memory once read (a SQLite read and a JSON parse saved per request). A cache is dropped whole
 * (`forget`) by every write that can change what it holds: its own writes, and deleting a
 * function, version or alias (sqlite.ts), whose triggers and cascades delete URLs and policies.
 * Only this process writes these tables (one server per data directory). Bounded: cleared when full.
 */
const MAX_CACHED = 10_000;

/** A UrlStore or PolicyStore with its cache reset, for the main store's deletes. */
export interface Forgetful {
  forget(): void;
}

/** Function URL configs in SQLite, one row per function and qualifier, the config as JSON. */
export function sqliteUrlStore(db: Database.Database): UrlStore & Forgetful {
  const q = {
    get: db.prepare<[string, string], { config: string }>('SELECT config FROM function_urls WHERE name = ? AND qualifier = ?'),
    byId: db.prepare<[string], { config: string }>('SELECT config FROM function_urls WHERE url_id = ?'),
    list: db.prepare<[string], { config: string }>('SELECT config FROM function_urls WHERE name = ? ORDER BY qualifier'),
    insert: db.prepare('INSERT OR IGNORE INTO function_urls (name, qualifier, url_id, config) VALUES (?, ?, ?, ?)'),
    update: db.prepare('UPDATE function_urls SET config = ? WHERE name = ? AND qualifier = ?'),
    delete: db.prepare('DELETE FROM function_urls WHERE name = ? AND qualifier = ?'),
  };
  const parse = (r: { config: string } | undefined) => (r ? (JSON.parse(r.config) as UrlConfig) : undefined);
  // Found configs by URL id (an unknown id is not remembered: anyone can send those).
  const byId = new Map<string, UrlConfig>();
  const forget = () => byId.clear();
  return {
    get: (name, qualifier) => parse(q.get.get(name, qualifier)),
    byId: (id) => {
      let c = byId.get(id);
      if (c === undefined) {
        c = parse(q.byId.get(id));
        if (c === undefined) return undefined;
        if (byId.size >= MAX_CACHED) byId.clear();
        byId.set(id, c);
      }
      return c;
    },
    list: (name) => q.list.all(name).map((r) => JSON.parse(r.config) as UrlConfig),
    create: (c) => {
      forget();
      return q.insert.run(c.functionName, c.qualifier, c.urlId, JSON.stringify(c)).changes > 0;
    },
    put: (c) => {
      forget();
      q.update.run(JSON.stringify(c), c.functionName, c.qualifier);
    },
    delete: (name, qualifier) => {
      forget();
      return q.delete.run(name, qualifier).changes > 0;
    },
    forget,
  };
}

/** Resource policies in SQLite, one row per function and qualifier; an empty policy is no row. */
export function sqlitePolicyStore(db: Database.Database): PolicyStore & Forgetful {
  const q = {
    get: db.prepare<[string, string], { revision_id: string; statements: string }>(
      'SELECT revision_id, statements FROM function_policies WHERE name = ? AND qualifier = ?',
    ),
    put: db.prepare('INSERT OR REPLACE INTO function_policies (name, qualifier, revision_id, statements) VALUES (?, ?, ?, ?)'),
    delete: db.prepare('DELETE FROM function_policies WHERE name = ? AND qualifier = ?'),
  };
  // Policies (or their absence: null) by `name\0qualifier`, of functions that exist.
  const cache = new Map<string, StoredPolicy | null>();
  const forget = () => cache.clear();
  return {
    get(name, qualifier) {
      const key = `${name}\0${qualifier}`;
      let p = cache.get(key);
      if (p === undefined) {
        const r = q.get.get(name, qualifier);
        p = r ? { revisionId: r.revision_id, statements: JSON.parse(r.statements) as PolicyStatement[] } : null;
        if (cache.size >= MAX_CACHED) cache.clear();
        cache.set(key, p);
      }
      return p ?? undefined;
    },
    put(name, qualifier, p) {
      forget();
      if (p.statements.length === 0) q.delete.run(name, qualifier);
      else q.put.run(name, qualifier, p.revisionId, JSON.stringify(p.statements));
    },
    forget,
  };
}

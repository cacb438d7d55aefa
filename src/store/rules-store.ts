/**
 * Persistence for EventBridge rules and targets, in the same SQLite file as the rest of the state
 * (tables made by the event_rules migration in sqlite.ts), on a connection of its own.
 */
import Database from 'better-sqlite3';
import type { Rule, StoredRule, Target } from '../events/bridge/model.js';

export interface RuleStore {
  get(bus: string, name: string): StoredRule | undefined;
  /** Rules on a bus ordered by name, after `after`, whose names start with `prefix`. */
  list(bus: string, prefix: string, after: string, limit: number): StoredRule[];
  /** Every rule on every bus (scheduling and matching read them all). */
  all(): StoredRule[];
  /** Insert or replace the rule; its targets stay. */
  put(r: StoredRule): void;
  delete(bus: string, name: string): void;
  /** Record that ticks up to `tick` have fired; false when another writer moved it already. */
  markFired(bus: string, name: string, from: number, tick: number): boolean;
  targets(bus: string, rule: string): Target[];
  /** Insert or replace targets by Id, keeping the order they were first added in. */
  putTargets(bus: string, rule: string, targets: Target[]): void;
  removeTargets(bus: string, rule: string, ids: string[]): void;
  close(): void;
}

interface Row {
  config: string;
  created_at: number;
  anchor: number;
  fired_until: number;
}

export function openRuleStore(path: string): RuleStore {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  const cols = 'config, created_at, anchor, fired_until';
  const q = {
    get: db.prepare<[string, string], Row>(`SELECT ${cols} FROM event_rules WHERE bus = ? AND name = ?`),
    list: db.prepare<[string, string, string, string, number], Row>(
      `SELECT ${cols} FROM event_rules WHERE bus = ? AND name > ? AND substr(name, 1, length(?)) = ? ORDER BY name LIMIT ?`,
    ),
    all: db.prepare<[], Row>(`SELECT ${cols} FROM event_rules ORDER BY bus, name`),
    put: db.prepare(
      `INSERT INTO event_rules (bus, name, config, created_at, anchor, fired_until) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (bus, name) DO UPDATE SET config = excluded.config, anchor = excluded.anchor, fired_until = excluded.fired_until`,
    ),
    delete: db.prepare('DELETE FROM event_rules WHERE bus = ? AND name = ?'),
    mark: db.prepare('UPDATE event_rules SET fired_until = ? WHERE bus = ? AND name = ? AND fired_until = ?'),
    targets: db.prepare<[string, string], { target: string }>('SELECT target FROM event_targets WHERE bus = ? AND rule = ? ORDER BY seq'),
    putTarget: db.prepare(
      `INSERT INTO event_targets (bus, rule, id, target, seq) VALUES (?, ?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM event_targets))
       ON CONFLICT (bus, rule, id) DO UPDATE SET target = excluded.target`,
    ),
    removeTarget: db.prepare('DELETE FROM event_targets WHERE bus = ? AND rule = ? AND id = ?'),
  };
  const parse = (r: Row): StoredRule => ({ rule: JSON.parse(r.config) as Rule, createdAt: r.created_at, anchor: r.anchor, firedUntil: r.fired_until });
  const putTargets = db.transaction((bus: string, rule: string, targets: Target[]) => {
    for (const t of targets) q.putTarget.run(bus, rule, t.Id, JSON.stringify(t));
  });
  const removeTargets = db.transaction((bus: string, rule: string, ids: string[]) => {
    for (const id of ids) q.removeTarget.run(bus, rule, id);
  });
  return {
    get(bus, name) {
      const r = q.get.get(bus, name);
      return r && parse(r);
    },
    list: (bus, prefix, after, limit) => q.list.all(bus, after, prefix, prefix, limit).map(parse),
    all: () => q.all.all().map(parse),
    put: (r) => void q.put.run(r.rule.EventBusName, r.rule.Name, JSON.stringify(r.rule), r.createdAt, r.anchor, r.firedUntil),
    delete: (bus, name) => void q.delete.run(bus, name),
    markFired: (bus, name, from, tick) => q.mark.run(tick, bus, name, from).changes > 0,
    targets: (bus, rule) => q.targets.all(bus, rule).map((r) => JSON.parse(r.target) as Target),
    putTargets: (bus, rule, targets) => putTargets(bus, rule, targets),
    removeTargets: (bus, rule, ids) => removeTargets(bus, rule, ids),
    close: () => db.close(),
  };
}

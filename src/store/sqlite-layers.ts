/** The SQLite side of layers and of the code packages' sizes (tables created by migration 2 in sqlite.ts). */
import type Database from 'better-sqlite3';
import type { LayerVersion } from '../control/model.js';
import type { Store } from './store.js';

type LayerQueries = Pick<
  Store,
  'codePackage' | 'publishLayerVersion' | 'getLayerVersion' | 'listLayerVersions' | 'deleteLayerVersion' | 'layerCombinations'
>;

export function layerQueries(db: Database.Database): LayerQueries {
  const q = {
    codePackage: db.prepare<[string], { size: number; unzipped_size: number }>('SELECT size, unzipped_size FROM code_packages WHERE sha256 = ?'),
    bump: db.prepare<[string], { last_version: number }>(
      'INSERT INTO layers (name, last_version) VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET last_version = last_version + 1 RETURNING last_version',
    ),
    insert: db.prepare('INSERT INTO layer_versions (name, version, code_sha256, config) VALUES (?, ?, ?, ?)'),
    get: db.prepare<[string, number], { config: string }>('SELECT config FROM layer_versions WHERE name = ? AND version = ?'),
    all: db.prepare<[], { config: string }>('SELECT config FROM layer_versions ORDER BY name, version DESC'),
    byName: db.prepare<[string], { config: string }>('SELECT config FROM layer_versions WHERE name = ? ORDER BY version DESC'),
    delete: db.prepare('DELETE FROM layer_versions WHERE name = ? AND version = ?'),
    combos: db.prepare<[], { layers: string }>(
      `SELECT DISTINCT json_extract(config, '$.layers') AS layers FROM function_versions WHERE json_array_length(config, '$.layers') > 1`,
    ),
  };
  const publish = db.transaction((v: Omit<LayerVersion, 'version'>): LayerVersion => {
    const version = q.bump.get(v.name)!.last_version;
    const out: LayerVersion = { ...v, version };
    q.insert.run(v.name, version, v.codeSha256, JSON.stringify(out));
    return out;
  });
  const parse = (r: { config: string }) => JSON.parse(r.config) as LayerVersion;
  return {
    codePackage(sha) {
      const r = q.codePackage.get(sha);
      return r && { size: r.size, unzippedSize: r.unzipped_size };
    },
    publishLayerVersion: (v) => publish(v),
    getLayerVersion(name, version) {
      const r = q.get.get(name, version);
      return r && parse(r);
    },
    listLayerVersions: (name) => (name === undefined ? q.all.all() : q.byName.all(name)).map(parse),
    deleteLayerVersion: (name, version) => q.delete.run(name, version).changes > 0,
    layerCombinations: () =>
      q.combos.all().map((r) => (JSON.parse(r.layers) as { codeSha256: string }[]).map((l) => l.codeSha256)),
  };
}

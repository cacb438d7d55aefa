// A tiny zip writer for tests that need zips no well-behaved library will make: hostile names,
// arbitrary attributes, lying sizes and CRCs. Real zip tools (yazl) refuse to write these.

import { crc32, deflateRawSync } from 'node:zlib';

export const HOST_MSDOS = 0;
export const HOST_UNIX = 3;

export interface CraftEntry {
  /** Written byte for byte; a string is encoded as UTF-8 with the UTF-8 flag set. */
  name: string | Buffer;
  /** The uncompressed content. */
  data?: Buffer;
  /** 0 = stored, 8 = deflate, anything else is written as stored bytes under that number. */
  method?: number;
  /** Shortcut: host Unix and this mode (type + permissions) in the high 16 bits. */
  unixMode?: number;
  versionMadeBy?: number;
  externalAttributes?: number;
  flags?: number;
  // Lies: override what the headers declare (both local and central headers).
  uncompressedSize?: number;
  compressedSize?: number;
  crc32?: number;
  /** Replace the bytes stored for this entry. */
  rawData?: Buffer;
}

/** Build a zip (local headers, data, central directory, end record) from the entries. */
export function craftZip(entries: CraftEntry[], opts: { declaredEntryCount?: number } = {}): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = typeof e.name === 'string' ? Buffer.from(e.name, 'utf8') : e.name;
    const data = e.data ?? Buffer.alloc(0);
    const method = e.method ?? 0;
    const stored = e.rawData ?? (method === 8 ? deflateRawSync(data, { level: 9 }) : data);
    const flags = e.flags ?? (typeof e.name === 'string' ? 0x800 : 0);
    const crc = e.crc32 ?? crc32(data);
    const csize = e.compressedSize ?? stored.length;
    const usize = e.uncompressedSize ?? data.length;
    const madeBy = e.versionMadeBy ?? (e.unixMode !== undefined ? (HOST_UNIX << 8) | 20 : (HOST_MSDOS << 8) | 20);
    const attrs = e.externalAttributes ?? (e.unixMode !== undefined ? (e.unixMode << 16) >>> 0 : 0);

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(0, 10); // time
    local.writeUInt16LE(0x21, 12); // date: 1980-01-01
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(csize >>> 0, 18);
    local.writeUInt32LE(usize >>> 0, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, name, stored);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(madeBy, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc >>> 0, 16);
    central.writeUInt32LE(csize >>> 0, 20);
    central.writeUInt32LE(usize >>> 0, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt16LE(0, 30); // extra
    central.writeUInt16LE(0, 32); // comment
    central.writeUInt16LE(0, 34); // disk
    central.writeUInt16LE(0, 36); // internal attributes
    central.writeUInt32LE(attrs >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);

    offset += local.length + name.length + stored.length;
  }
  const cd = Buffer.concat(centrals);
  const count = opts.declaredEntryCount ?? entries.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(0, 4);
  end.writeUInt16LE(0, 6);
  end.writeUInt16LE(count, 8);
  end.writeUInt16LE(count, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  end.writeUInt16LE(0, 20);
  return Buffer.concat([...locals, cd, end]);
}

/** A regular file with Unix permissions. */
export function file(name: string, content: string | Buffer, mode = 0o644, method = 8): CraftEntry {
  return { name, data: Buffer.from(content), unixMode: 0o100000 | mode, method };
}

/** A symlink entry: Unix mode S_IFLNK, the target as content. */
export function link(name: string, target: string): CraftEntry {
  return { name, data: Buffer.from(target), unixMode: 0o120777 };
}

/** A directory entry. */
export function dir(name: string): CraftEntry {
  return { name: name.endsWith('/') ? name : `${name}/`, unixMode: 0o040755 };
}

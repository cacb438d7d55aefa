/** Ingesting a code package: size limits, content address, safe unpacking, durable storage. */
import { badZip, unzippedTooLarge, zippedTooLarge } from '../errors/catalog.js';
import { CodeStore } from '../store/blobs.js';
import type { Store } from '../store/store.js';
import { LIMITS } from './limits.js';
import { extractZip, UnzipError } from './unzip.js';

export interface CodePackage {
  sha256: string;
  size: number;
  unzippedSize: number;
}

/**
 * Store and unpack a zip once per content. Unpacking happens before anything is recorded, into a
 * temporary directory renamed into place, so a rejected or interrupted upload leaves no trace the
 * store refers to.
 */
export async function ingestZip(store: Store, code: CodeStore, zip: Buffer, opts: { alsoUnzipped?: number } = {}): Promise<CodePackage> {
  if (zip.length > LIMITS.zippedBytes) throw zippedTooLarge(LIMITS.zippedBytes);
  if (zip.length === 0) throw badZip();
  const sha256 = CodeStore.sha256(zip);
  let unzipped = 0;
  try {
    // The limit covers the code and its layers together (`alsoUnzipped`: what the layers take).
    const maxUnzippedBytes = Math.max(0, LIMITS.unzippedBytes - (opts.alsoUnzipped ?? 0));
    unzipped = (await extractZip(zip, code.codeDir(sha256), { maxUnzippedBytes })).unzippedBytes;
  } catch (err) {
    if (err instanceof UnzipError) throw err.kind === 'too-large' ? unzippedTooLarge(LIMITS.unzippedBytes) : badZip();
    throw err;
  }
  await code.putZip(sha256, zip);
  store.putCodePackage(sha256, zip.length, unzipped);
  return { sha256, size: zip.length, unzippedSize: unzipped };
}

/** Remove packages no function version uses any more (after deletes and code updates). */
export async function collectGarbage(store: Store, code: CodeStore): Promise<void> {
  for (const sha of store.unreferencedCodePackages()) {
    store.deleteCodePackage(sha);
    await code.remove(sha);
  }
}

/** Turn the CLI's --code argument (a folder or a .zip) into zip bytes. */
import { lstatSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ZipFile } from 'yazl';
import { CliError } from './output.js';

const FIXED_MTIME = new Date('2020-01-01T00:00:00Z');

export async function codeZip(path: string): Promise<Buffer> {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new CliError(`cannot read the code at ${path}`, 'no such file or folder', 'pass --code with a folder or a .zip file');
  }
  if (st.isFile()) return readFileSync(path);
  if (!st.isDirectory()) throw new CliError(`cannot read the code at ${path}`, 'not a file or folder', 'pass --code with a folder or a .zip file');
  const zip = new ZipFile();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      const rel = relative(path, full).split('\\').join('/');
      const l = lstatSync(full);
      // Keep symlinks as links and modes as they are, so a `bootstrap` stays executable. A fixed
      // timestamp makes the zip depend on the content only: the same folder gives the same
      // CodeSha256, so `stratus deploy` of unchanged code publishes no new version.
      if (l.isSymbolicLink()) zip.addBuffer(Buffer.from(readlinkSync(full)), rel, { mode: 0o120777, mtime: FIXED_MTIME });
      else if (l.isDirectory()) walk(full);
      else if (l.isFile()) zip.addFile(full, rel, { mode: l.mode, mtime: FIXED_MTIME });
    }
  };
  walk(path);
  zip.end();
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

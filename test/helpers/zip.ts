/** Build real zip files for tests with yazl. */
import { ZipFile } from 'yazl';

export type Files = Record<string, string | Buffer | { content: string | Buffer; mode: number }>;

export async function makeZip(files: Files): Promise<Buffer> {
  const zip = new ZipFile();
  for (const [name, f] of Object.entries(files)) {
    const content = typeof f === 'string' || Buffer.isBuffer(f) ? f : f.content;
    const mode = typeof f === 'string' || Buffer.isBuffer(f) ? 0o100644 : f.mode;
    zip.addBuffer(Buffer.from(content), name, { mode });
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export const HELLO_NODE = { 'index.js': 'exports.handler = async (event) => ({ hello: event.name ?? "world" });\n' };

/** The root key pair: from the config when given, else generated once into `<data-dir>/credentials`. */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface KeyPair {
  accessKeyId: string;
  secretAccessKey: string;
}

export const credentialsPath = (dataDir: string): string => join(dataDir, 'credentials');

/** Read the `default` profile of an AWS shared-credentials file. */
export function readCredentialsFile(path: string): KeyPair | undefined {
  if (!existsSync(path)) return undefined;
  let profile = '';
  const values: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const t = line.trim();
    const section = /^\[(.+)\]$/.exec(t);
    if (section) profile = section[1]!.trim();
    else if (profile === 'default') {
      const kv = /^([a-z_]+)\s*=\s*(.+)$/.exec(t);
      if (kv) values[kv[1]!] = kv[2]!.trim();
    }
  }
  if (!values.aws_access_key_id || !values.aws_secret_access_key) return undefined;
  return { accessKeyId: values.aws_access_key_id, secretAccessKey: values.aws_secret_access_key };
}

/** Load the data dir's root keys, creating them (mode 0600) on first start. `created` says whether to print them. */
export function loadOrCreateRootKeys(dataDir: string): { keys: KeyPair; created: boolean } {
  const path = credentialsPath(dataDir);
  const existing = readCredentialsFile(path);
  if (existing) return { keys: existing, created: false };
  // AWS-like shapes: a 20-character AKIA… id and a 40-character secret.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const id = 'AKIA' + Array.from(randomBytes(16), (b) => alphabet[b % 32]).join('');
  const keys = { accessKeyId: id, secretAccessKey: randomBytes(30).toString('base64') };
  writeFileSync(path, `[default]\naws_access_key_id = ${keys.accessKeyId}\naws_secret_access_key = ${keys.secretAccessKey}\n`, { mode: 0o600, flag: 'wx' });
  return { keys, created: true };
}

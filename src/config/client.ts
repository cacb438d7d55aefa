/** How the CLI reaches a server: flags, then environment, then the local data dir's credentials file. */
import { resolve } from 'node:path';
import { credentialsPath, readCredentialsFile } from '../gateway/credentials.js';
import { ConfigError } from './config.js';

export interface ClientConfig {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  json: boolean;
}

export function loadClientConfig(flags: Record<string, string | string[] | boolean | undefined>, env: Record<string, string | undefined>): ClientConfig {
  const s = (k: string) => (typeof flags[k] === 'string' ? (flags[k] as string) : undefined);
  const dataDir = resolve(s('data-dir') ?? env.STRATUS_DATA_DIR ?? '.stratus');
  let accessKeyId = s('access-key-id') ?? env.STRATUS_ACCESS_KEY_ID ?? env.AWS_ACCESS_KEY_ID;
  let secretAccessKey = s('secret-access-key') ?? env.STRATUS_SECRET_ACCESS_KEY ?? env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) {
    const file = readCredentialsFile(credentialsPath(dataDir));
    if (!file)
      throw new ConfigError(
        `no credentials: none in --access-key-id/--secret-access-key, STRATUS_ACCESS_KEY_ID/STRATUS_SECRET_ACCESS_KEY or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, and no ${credentialsPath(dataDir)}. ` +
          'Run the CLI from the folder where `stratus serve` keeps its data, or pass --data-dir.',
      );
    ({ accessKeyId, secretAccessKey } = file);
  }
  const port = env.STRATUS_PORT ?? '4570';
  const host = env.STRATUS_HOST ?? '127.0.0.1';
  return {
    endpoint: s('endpoint') ?? env.STRATUS_ENDPOINT ?? `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    region: s('region') ?? env.STRATUS_REGION ?? env.AWS_REGION ?? 'us-east-1',
    accessKeyId,
    secretAccessKey,
    json: flags.json === true,
  };
}

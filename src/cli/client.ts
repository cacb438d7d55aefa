/** The CLI talks to the server through the real AWS SDK, exactly like any user's code would. */
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { ClientConfig } from '../config/client.js';

export function lambdaClient(c: ClientConfig): LambdaClient {
  return new LambdaClient({
    endpoint: c.endpoint,
    region: c.region,
    credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey },
    maxAttempts: 1,
  });
}

/** The options every client command shares. */
export const CLIENT_OPTIONS = {
  endpoint: { type: 'string' },
  region: { type: 'string' },
  'data-dir': { type: 'string' },
  'access-key-id': { type: 'string' },
  'secret-access-key': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

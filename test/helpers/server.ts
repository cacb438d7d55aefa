/** Test helpers: a real server on port 0 with a temp data dir, and a real SDK client for it. */
import { LambdaClient } from '@aws-sdk/client-lambda';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { loadConfig, type Config } from '../../src/config/config.js';
import { startPlatform, type Platform, type PlatformOptions } from '../../src/platform.js';

export interface TestServer {
  platform: Platform;
  url: string;
  dataDir: string;
  client: LambdaClient;
  config: Readonly<Config>;
  /** Stop and start again on the same data dir (and port 0 → a new port); refreshes `client`. */
  restart(): Promise<void>;
}

// Registered at module load, so it belongs to the file's root test and runs after all its tests
// (an `after` registered inside a `before` hook would run when that hook ends).
const cleanups: (() => unknown)[] = [];
after(async () => {
  for (const fn of cleanups.reverse()) await fn();
});

export const tempDir = (prefix = 'stratus-test-'): string => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};

export function clientFor(url: string, keys: { accessKeyId: string; secretAccessKey: string }, region = 'us-east-1'): LambdaClient {
  return new LambdaClient({ endpoint: url, region, credentials: keys, maxAttempts: 1 });
}

/** Start a server for the current test file; it is stopped and its data removed after the file's tests. */
export async function startTestServer(flags: Record<string, string> = {}, env: Record<string, string> = {}, opts: PlatformOptions = {}): Promise<TestServer> {
  const dataDir = tempDir();
  const config = loadConfig({ port: '0', 'data-dir': dataDir, 'idle-timeout': '60', ...flags }, env);
  const t: TestServer = {
    platform: await startPlatform(config, { logError: (e) => console.error('[server error]', e), ...opts }),
    url: '',
    dataDir,
    client: undefined as unknown as LambdaClient,
    config,
    async restart() {
      await t.platform.close();
      t.platform = await startPlatform(config, opts);
      t.url = t.platform.url;
      t.client = clientFor(t.url, t.platform.keys);
    },
  };
  t.url = t.platform.url;
  t.client = clientFor(t.url, t.platform.keys);
  cleanups.push(() => t.platform.close());
  return t;
}

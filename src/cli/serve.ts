/** `stratus serve`: start the platform in the foreground until SIGINT/SIGTERM. */
import { parseArgs } from 'node:util';
import { configFlags, configHelp, loadConfig } from '../config/config.js';
import { credentialsPath } from '../gateway/credentials.js';
import { DataDirInUseError } from '../gateway/lock.js';
import { startPlatform } from '../platform.js';
import { SandboxUnavailableError } from '../sandbox/choose.js';
import { CliError } from './output.js';

export async function serveCommand(args: string[], env: Record<string, string | undefined>): Promise<number> {
  const options = Object.fromEntries(configFlags().map((f) => [f, { type: 'string' as const, multiple: f === 'runtime' }]));
  const { values } = parseArgs({ args, options: { ...options, help: { type: 'boolean' } }, allowPositionals: false });
  if (values.help) {
    console.log(`Usage: stratus serve [options]\n\n${configHelp()}`);
    return 0;
  }
  const config = loadConfig(values as Record<string, string | string[]>, env);
  // Signal handlers go in before anything is printed: a supervisor may signal as soon as it sees
  // the "listening" line, and a signal during start-up must still stop the server cleanly.
  let signalled: string | undefined;
  let onSignal: (signal: string) => void = (signal) => (signalled = signal);
  process.once('SIGINT', () => onSignal('SIGINT'));
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  let platform: Awaited<ReturnType<typeof startPlatform>>;
  try {
    platform = await startPlatform(config);
  } catch (err) {
    if (err instanceof SandboxUnavailableError)
      throw new CliError(
        'cannot start the server: no sandbox can be made here',
        err.message,
        'install bubblewrap and run as root (CI and `npm start` do this), or pass --sandbox none to run functions WITHOUT isolation',
      );
    if (err instanceof DataDirInUseError)
      throw new CliError('cannot start the server', err.message, 'stop the other server, or give this one its own --data-dir');
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new CliError('cannot start the server', `${config.host}:${config.port} is already in use`, 'pick another --port (or --port 0 for any free one)');
    throw err;
  }
  const { url, keys } = platform;
  const lines = [
    `Stratus is listening on ${url}  (region ${config.region}, account ${config.accountId}, data in ${config.dataDir})`,
    `Runtimes: ${Object.keys(config.runtimes).sort().join(', ')}`,
    `Sandbox: ${platform.sandbox}`,
  ];
  if (!platform.sandboxed)
    lines.push('⚠ WARNING: functions are NOT sandboxed (--sandbox none): they run as this server\'s user and can read and change anything it can.');
  if (config.auth === 'off') lines.push('⚠ WARNING: authentication is OFF (--auth off): any caller can deploy and run code. Use only on a trusted machine.');
  if (platform.keysCreated)
    lines.push(
      `Generated root credentials (saved to ${credentialsPath(config.dataDir)}, mode 0600; shown only this once):`,
      `  aws_access_key_id     = ${keys.accessKeyId}`,
      `  aws_secret_access_key = ${keys.secretAccessKey}`,
    );
  lines.push(
    '',
    'Reach it with the AWS SDK:  new LambdaClient({ endpoint: "' + url + '", region: "' + config.region + '", credentials })',
    `With the AWS CLI:           AWS_SHARED_CREDENTIALS_FILE=${credentialsPath(config.dataDir)} aws lambda list-functions --endpoint-url ${url} --region ${config.region}`,
    `With the stratus CLI:       stratus functions list   (from this folder, or with --data-dir)`,
  );
  console.log(lines.join('\n'));

  const stopped = new Promise<void>((resolve) => {
    onSignal = (signal) => {
      console.log(`\n${signal} received: stopping (finishing in-flight requests)…`);
      platform.close().then(resolve, resolve);
    };
    if (signalled) onSignal(signalled);
  });

  await stopped;
  console.log('Stratus stopped.');
  return 0;
}

// Entry point of Stratus's built-in Node.js runtime, the equivalent of AWS's
// /var/runtime/index.mjs for nodejs20.x. The platform starts it inside an execution environment
// as `node <this file>` with cwd = the function's code and Lambda's environment (contract A7);
// it then talks to the platform only over the Runtime API.
//
// This file is on the cold-start path: it imports only node built-ins and does no work that
// can wait.

import { UnhandledPromiseRejection } from './errors.js';
import { getHandlerMetadata, loadHandler, type HandlerFunction, type HandlerMetadata } from './handler.js';
import { logError, patchConsole } from './logging.js';
import { ChannelClient } from './channel.js';
import { RuntimeApiClient, type RuntimeClient } from './rapid.js';
import { EXIT_UNCAUGHT, EXIT_UNHANDLED_REJECTION, Runtime } from './runtime.js';
import { rehearse } from './rehearse.js';

const noGlobal = () => process.env.AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA;

// An async main (not top-level await): the bootstrap is CommonJS, which starts ~6 ms faster than
// an ES module entry on Node 20. An ES module handler's own top-level await still finishes
// during init, because loadHandler awaits its import().
void (async () => {
  // A stem cell has loaded all of the above before knowing its function; it now waits to be
  // given one, and takes on that function's environment as if it had been started with it.
  // The platform's private channel, when it gave us one (not a variable user code should see).
  const channelFd = process.env._STRATUS_RUNTIME_FD;
  delete process.env._STRATUS_RUNTIME_FD;
  const channel = channelFd ? new ChannelClient(Number(channelFd), process.env.AWS_LAMBDA_RUNTIME_API) : undefined;
  const stemClient = process.env.STRATUS_STEM_CELL === '1' ? channel ?? new RuntimeApiClient(process.env.AWS_LAMBDA_RUNTIME_API ?? '') : undefined;
  if (stemClient) await becomeFunction(stemClient);

  // The one place the runtime reads its configuration: everything below is passed down.
  const env = process.env;

  // First, so that anything user code logs while loading is already in Lambda's format.
  patchConsole(env.AWS_LAMBDA_LOG_FORMAT, env.AWS_LAMBDA_LOG_LEVEL);

  const runtimeApi = env.AWS_LAMBDA_RUNTIME_API;
  if (!runtimeApi) {
    // Without the API there is nobody to report to; say why on stderr and exit non-zero.
    process.stderr.write('Stratus nodejs runtime: AWS_LAMBDA_RUNTIME_API is not set\n');
    process.exit(1);
  }

  // A stem cell keeps the client it waited with: its socket and code paths are warm.
  const runtime = new Runtime(stemClient ?? channel ?? new RuntimeApiClient(runtimeApi), {
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
  });

  // Installed before user code loads, so that failures during init are reported to /init/error
  // and failures during an invoke to that invoke's /error, each followed by AWS's exit code.
  process.on('uncaughtException', (error) => {
    logError('Uncaught Exception', error);
    runtime.fatal(error, EXIT_UNCAUGHT);
  });
  process.on('unhandledRejection', (reason, promise) => {
    const error = new UnhandledPromiseRejection(reason, promise);
    logError('Unhandled Promise Rejection', error);
    runtime.fatal(error, EXIT_UNHANDLED_REJECTION);
  });
  // How callback handlers are completed when callbackWaitsForEmptyEventLoop is true, and how a
  // handler that never reports is detected: both happen when the event loop runs dry.
  process.on('beforeExit', () => runtime.drain());

  let handler: HandlerFunction | undefined;
  let metadata: HandlerMetadata | undefined;
  try {
    const off = noGlobal();
    handler = await loadHandler(env.LAMBDA_TASK_ROOT || process.cwd(), env._HANDLER ?? '', {
      installGlobal: !(off === '1' || off === 'true'),
    });
    metadata = getHandlerMetadata(handler);
  } catch (error) {
    // AWS reports load failures through its uncaught-exception path; same log line, same exit.
    logError('Uncaught Exception', error);
    runtime.fatal(error, EXIT_UNCAUGHT);
  }
  if (handler && metadata) runtime.start(handler, metadata);
})();

/** Replace this process's environment with the function's, and look for modules where it says. */
async function becomeFunction(client: RuntimeClient): Promise<void> {
  await rehearse();
  const vars = await client.specialise();
  // Only what differs changes: deleting and setting every variable (TZ among them) cost ~5 ms
  // here, against ~0.1 ms for the few that really change.
  for (const key of Object.keys(process.env)) if (!(key in vars)) delete process.env[key];
  for (const [key, value] of Object.entries(vars)) if (process.env[key] !== value) process.env[key] = value;
  // NODE_PATH is read once at start-up; read it again now that it names the function's layers.
  (process.getBuiltinModule('node:module') as unknown as { _initPaths?: () => void })._initPaths?.();
  if (vars.LAMBDA_TASK_ROOT) process.chdir(vars.LAMBDA_TASK_ROOT);
}

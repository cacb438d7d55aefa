// A rehearsal of the runtime's own work, with nothing of anybody's: a stem cell runs it while it
// waits for its function (bootstrap.ts), and the build runs it before writing the code cache
// (start.ts), so that what it compiles is ready when a real function needs it.

import { importModule } from './esm.js';
import { loadHandler } from './handler.js';
import type { NextInvocation, RuntimeClient } from './rapid.js';
import { Runtime } from './runtime.js';

/**
 * Load ES modules and run one made-up invocation through the runtime's own code with a stand-in
 * for the Runtime API: the invoke path is then compiled, and a function's first real invocation
 * does not pay for it (~5-8 ms here). Leaves no trace: nothing is logged, the request id it set
 * is removed, and its stand-in runtime is never resumed.
 */
export async function rehearse(): Promise<void> {
  // ES module handlers are loaded with require() (or import(), with top-level await), whose first
  // use sets up parts of Node's ES module loader (~3-8 ms here). Do both now, with modules that
  // are nobody's code: one from a data: URL, and one from a file through the handler loader, which
  // takes the loader's other paths (resolving, the package scope, reading): the function's own
  // module then loads in ~1 ms.
  try {
    const nobody: string = 'data:text/javascript,export const handler = async () => 1;';
    await importModule(nobody);
    await loadHandler(__dirname, 'rehearsal.handler', { installGlobal: false });
  } catch {
    /* an older or restricted Node: the function's own first load pays instead */
  }
  const event: NextInvocation = {
    body: '{"warm":true}',
    requestId: 'stem-cell-rehearsal',
    deadlineMs: String(Date.now() + 60_000),
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:stem-cell',
    traceId: 'Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0',
    clientContext: undefined,
    cognitoIdentity: undefined,
    tenantId: undefined,
  };
  await new Promise<void>((resolve) => {
    let served = false;
    const next = (): Promise<NextInvocation> => (served ? new Promise(() => undefined) : ((served = true), Promise.resolve(event)));
    const standIn = {
      next,
      postResponse: () => (resolve(), Promise.resolve()),
      postError: () => (resolve(), Promise.resolve()),
      postFatal: () => (resolve(), Promise.resolve()),
    } as unknown as RuntimeClient;
    setTimeout(resolve, 1000).unref();
    try {
      const info = { functionName: 'stem-cell', functionVersion: '$LATEST', memoryLimitInMB: '128', logGroupName: '', logStreamName: '' };
      new Runtime(standIn, info).start(async (event: unknown) => ({ event }), { streaming: false, highWaterMark: undefined, isAsync: true, argsNum: 2 });
    } catch {
      resolve();
    }
  });
  delete (globalThis as unknown as Record<symbol, unknown>)[Symbol.for('aws.lambda.runtime.requestId')];
  delete (globalThis as unknown as Record<symbol, unknown>)[Symbol.for('aws.lambda.runtime.tenantId')];
}

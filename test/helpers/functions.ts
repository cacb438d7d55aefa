import assert from 'node:assert/strict';
/** Deploy-and-invoke helpers for engine tests. */
import { AddPermissionCommand, CreateFunctionCommand, InvokeCommand, waitUntilFunctionActiveV2, type InvokeCommandOutput, type LambdaClient } from '@aws-sdk/client-lambda';
import { makeZip, type Files } from './zip.js';

export const ROLE = 'arn:aws:iam::000000000000:role/lambda-role';

export async function deploy(client: LambdaClient, name: string, files: Files, extra: Record<string, unknown> = {}): Promise<void> {
  await client.send(
    new CreateFunctionCommand({ FunctionName: name, Role: ROLE, Runtime: 'nodejs20.x', Handler: 'index.handler', Code: { ZipFile: await makeZip(files) }, ...extra }),
  );
  await waitUntilFunctionActiveV2({ client, maxWaitTime: 10 }, { FunctionName: name });
}

/** The two statements AWS requires for an AuthType NONE URL to be public (what the console adds). */
export async function allowPublicUrl(client: LambdaClient, name: string, qualifier?: string): Promise<void> {
  await client.send(new AddPermissionCommand({
    FunctionName: name, Qualifier: qualifier, StatementId: 'FunctionURLAllowPublicAccess', Action: 'lambda:InvokeFunctionUrl', Principal: '*', FunctionUrlAuthType: 'NONE',
  }));
  await client.send(new AddPermissionCommand({
    FunctionName: name, Qualifier: qualifier, StatementId: 'FunctionURLInvokeAllowPublicAccess', Action: 'lambda:InvokeFunction', Principal: '*', InvokedViaFunctionUrl: true,
  }));
}

export interface Invoked {
  out: InvokeCommandOutput;
  status?: number;
  error?: string;
  text: string;
  json: any;
  log: string;
}

export async function invoke(client: LambdaClient, name: string, payload: unknown = {}, extra: Record<string, unknown> = {}): Promise<Invoked> {
  const out = await client.send(
    new InvokeCommand({ FunctionName: name, Payload: typeof payload === 'string' || Buffer.isBuffer(payload) ? Buffer.from(payload as string) : Buffer.from(JSON.stringify(payload)), LogType: 'Tail', ...extra }),
  );
  const text = out.Payload ? Buffer.from(out.Payload).toString('utf8') : '';
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { out, status: out.StatusCode, error: out.FunctionError, text, json, log: out.LogResult ? Buffer.from(out.LogResult, 'base64').toString('utf8') : '' };
}

/** The error a call that must fail threw (the test fails when it succeeds): AWS's name, message, status and fields. */
export async function rejects(fn: () => Promise<unknown>): Promise<{ name: string; message: string; $metadata: { httpStatusCode?: number } } & Record<string, unknown>> {
  try {
    await fn();
  } catch (err) {
    return err as never;
  }
  assert.fail('expected the call to fail');
}

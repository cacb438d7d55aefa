/** Domain → wire: FunctionConfiguration as AWS returns it (contract C2). */
import type { AliasConfig, FunctionConfig } from '../../control/model.js';
import { functionArn, type Account } from '../../shared/arn.js';
import { lambdaTimestamp } from '../../shared/ids.js';
import { runtimeVersionArn } from '../../control/runtimes.js';

export interface ShapeOptions {
  /** The qualifier FunctionArn carries: the version (PublishVersion, ListVersions), or what a Get named (alias, `$LATEST`). */
  qualifier?: string;
  /** ListFunctions and ListVersionsByFunction return a subset without state members or RuntimeVersionConfig. */
  listing?: boolean;
}

export function functionConfiguration(account: Account, c: FunctionConfig, opts: ShapeOptions = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {
    FunctionName: c.name,
    FunctionArn: functionArn(account, c.name, opts.qualifier),
    Runtime: c.runtime,
    Role: c.role,
    Handler: c.handler,
    CodeSize: c.codeSize,
    Description: c.description,
    Timeout: c.timeout,
    MemorySize: c.memorySize,
    LastModified: lambdaTimestamp(c.lastModified),
    CodeSha256: Buffer.from(c.codeSha256, 'hex').toString('base64'),
    Version: c.version,
  };
  if (c.environment) out.Environment = { Variables: c.environment };
  out.TracingConfig = { Mode: c.tracingMode };
  out.RevisionId = c.revisionId;
  if (c.layers.length) out.Layers = c.layers.map((l) => ({ Arn: l.arn, CodeSize: l.codeSize }));
  if (!opts.listing) {
    out.RuntimeVersionConfig = { RuntimeVersionArn: runtimeVersionArn(account.region, c.runtime) };
    out.State = c.state;
    if (c.state === 'Pending') {
      out.StateReason = 'The function is being created.';
      out.StateReasonCode = 'Creating';
    }
    if (c.lastUpdateStatus) out.LastUpdateStatus = c.lastUpdateStatus;
    if (c.lastUpdateStatus === 'InProgress') {
      out.LastUpdateStatusReason = 'The function is being created.';
      out.LastUpdateStatusReasonCode = 'Creating';
    }
  }
  out.PackageType = 'Zip';
  out.Architectures = c.architectures;
  out.EphemeralStorage = { Size: c.ephemeralStorage };
  out.SnapStart = { ApplyOn: 'None', OptimizationStatus: 'Off' };
  const logging: Record<string, unknown> = { LogFormat: c.logging.logFormat, LogGroup: c.logging.logGroup };
  if (c.logging.applicationLogLevel) logging.ApplicationLogLevel = c.logging.applicationLogLevel;
  if (c.logging.systemLogLevel) logging.SystemLogLevel = c.logging.systemLogLevel;
  out.LoggingConfig = logging;
  return { ...c.passthrough, ...out };
}

export function aliasConfiguration(account: Account, a: AliasConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {
    AliasArn: functionArn(account, a.functionName, a.name),
    Name: a.name,
    FunctionVersion: a.functionVersion,
    Description: a.description,
    RevisionId: a.revisionId,
  };
  if (a.routing) out.RoutingConfig = { AdditionalVersionWeights: { [a.routing.version]: a.routing.weight } };
  return out;
}

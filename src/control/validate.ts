/**
 * Validation of Create/UpdateFunctionConfiguration input, in AWS's order: constraint violations
 * from the model first (one ValidationException listing them all), then the service's own rules
 * (InvalidParameterValueException), each with AWS's text.
 */
import { invalidParameter, validationError, StratusError, type Violation } from '../errors/catalog.js';
import { LIMITS } from './limits.js';
import { isLayerVersionArn, LAYER_VERSION_ARN_PATTERN } from './layers.js';
import { ARCHITECTURE_MEMBERS, FUNCTION_NAME, shapeViolations } from './names.js';
import type { FunctionConfig, LogFormat } from './model.js';
import { AWS_RUNTIMES, DEPRECATED_RUNTIMES } from './runtimes.js';

const ROLE_PATTERN = 'arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+';
const ROLE_RE = new RegExp(`^${ROLE_PATTERN}$`);
const HANDLER_PATTERN = '[^\\s]+';
const ENV_NAME_PATTERN = '[a-zA-Z]([a-zA-Z0-9_])+';
const ENV_NAME_RE = new RegExp(`^${ENV_NAME_PATTERN}$`);

/** Variables the platform sets that a function may not override (contract A7). */
export const RESERVED_ENV = new Set([
  '_HANDLER', '_X_AMZN_TRACE_ID', 'AWS_DEFAULT_REGION', 'AWS_REGION', 'AWS_EXECUTION_ENV', 'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 'AWS_LAMBDA_FUNCTION_VERSION', 'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME', 'AWS_LAMBDA_LOG_STREAM_NAME', 'AWS_ACCESS_KEY', 'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_LAMBDA_RUNTIME_API', 'LAMBDA_TASK_ROOT', 'LAMBDA_RUNTIME_DIR',
]);

/** The configuration members a caller may set; absent members keep their current (or default) value. */
export type ConfigInput = Partial<Omit<FunctionConfig, 'name' | 'version' | 'codeSha256' | 'codeSize' | 'revisionId' | 'lastModified' | 'state' | 'lastUpdateStatus' | 'layers'>> & {
  /** Layer version ARNs as given; the layer service resolves them (control/layers.ts). */
  layers?: string[];
};

const PASSTHROUGH = ['VpcConfig', 'DeadLetterConfig', 'KMSKeyArn', 'FileSystemConfigs', 'ImageConfig', 'SnapStart'] as const;

/** A function name as CreateFunction accepts it (name or ARN without qualifier). */
export function checkFunctionName(value: unknown, path = 'functionName'): Violation[] {
  if (typeof value !== 'string' || value === '') return [{ value, path, constraint: 'Member must not be null' }];
  return shapeViolations(value, FUNCTION_NAME, path);
}

function typeError(member: string, expected: string): StratusError {
  return new StratusError('InvalidRequestContentException', `Could not parse request body into json: ${member} must be ${expected}`);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function int(body: Record<string, unknown>, member: string): number | undefined {
  const v = body[member];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw typeError(member, 'an integer');
  return v;
}

function str(body: Record<string, unknown>, member: string): string | undefined {
  const v = body[member];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw typeError(member, 'a string');
  return v;
}

export interface ValidateOptions {
  /** Runtime ids this server can run. */
  available: readonly string[];
}

/** Parse and validate the configuration members of a Create or UpdateFunctionConfiguration body. */
export function parseConfigInput(body: Record<string, unknown>, opts: ValidateOptions): ConfigInput {
  const v: Violation[] = [];
  const out: ConfigInput = {};

  const timeout = int(body, 'Timeout');
  if (timeout !== undefined) {
    if (timeout < 1) v.push({ value: timeout, path: 'timeout', constraint: 'Member must have value greater than or equal to 1' });
    if (timeout > LIMITS.timeoutMax) v.push({ value: timeout, path: 'timeout', constraint: `Member must have value less than or equal to ${LIMITS.timeoutMax}` });
    out.timeout = timeout;
  }
  const memory = int(body, 'MemorySize');
  if (memory !== undefined) {
    if (memory < LIMITS.memoryMin) v.push({ value: memory, path: 'memorySize', constraint: `Member must have value greater than or equal to ${LIMITS.memoryMin}` });
    if (memory > LIMITS.memoryMax) v.push({ value: memory, path: 'memorySize', constraint: `Member must have value less than or equal to ${LIMITS.memoryMax}` });
    out.memorySize = memory;
  }
  if (body.EphemeralStorage !== undefined && body.EphemeralStorage !== null) {
    if (!isObject(body.EphemeralStorage)) throw typeError('EphemeralStorage', 'an object');
    const size = int(body.EphemeralStorage, 'Size');
    if (size === undefined) v.push({ value: null, path: 'ephemeralStorage.size', constraint: 'Member must not be null' });
    else {
      if (size < LIMITS.ephemeralMin) v.push({ value: size, path: 'ephemeralStorage.size', constraint: `Member must have value greater than or equal to ${LIMITS.ephemeralMin}` });
      if (size > LIMITS.ephemeralMax) v.push({ value: size, path: 'ephemeralStorage.size', constraint: `Member must have value less than or equal to ${LIMITS.ephemeralMax}` });
      out.ephemeralStorage = size;
    }
  }
  const role = str(body, 'Role');
  if (role !== undefined) {
    if (!ROLE_RE.test(role)) v.push({ value: role, path: 'role', constraint: `Member must satisfy regular expression pattern: ${ROLE_PATTERN}` });
    out.role = role;
  }
  const handler = str(body, 'Handler');
  if (handler !== undefined) {
    if (handler.length > 128) v.push({ value: handler, path: 'handler', constraint: 'Member must have length less than or equal to 128' });
    if (!/^[^\s]+$/.test(handler)) v.push({ value: handler, path: 'handler', constraint: `Member must satisfy regular expression pattern: ${HANDLER_PATTERN}` });
    out.handler = handler;
  }
  const description = str(body, 'Description');
  if (description !== undefined) {
    if (description.length > 256) v.push({ value: description, path: 'description', constraint: 'Member must have length less than or equal to 256' });
    out.description = description;
  }
  if (body.Architectures !== undefined && body.Architectures !== null) {
    const a = body.Architectures;
    if (!Array.isArray(a)) throw typeError('Architectures', 'a list');
    if (a.length === 0) v.push({ value: a, path: 'architectures', constraint: 'Member must have length greater than or equal to 1' });
    else if (a.length > 1) v.push({ value: a, path: 'architectures', constraint: 'Member must have length less than or equal to 1' });
    else if (a[0] !== 'x86_64' && a[0] !== 'arm64') v.push({ value: a, path: 'architectures', constraint: ARCHITECTURE_MEMBERS });
    else out.architectures = [a[0]];
  }
  if (body.TracingConfig !== undefined && body.TracingConfig !== null) {
    if (!isObject(body.TracingConfig)) throw typeError('TracingConfig', 'an object');
    const mode = str(body.TracingConfig, 'Mode');
    if (mode !== undefined && mode !== 'Active' && mode !== 'PassThrough')
      v.push({ value: mode, path: 'tracingConfig.mode', constraint: 'Member must satisfy enum value set: [Active, PassThrough]' });
    else if (mode) out.tracingMode = mode;
  }
  let envVars: Record<string, string> | undefined;
  if (body.Environment !== undefined && body.Environment !== null) {
    if (!isObject(body.Environment)) throw typeError('Environment', 'an object');
    const vars = body.Environment.Variables ?? {};
    if (!isObject(vars)) throw typeError('Environment.Variables', 'a map');
    for (const [k, val] of Object.entries(vars)) if (typeof val !== 'string') throw typeError(`Environment.Variables.${k}`, 'a string');
    envVars = vars as Record<string, string>;
    const bad = Object.keys(envVars).filter((k) => !ENV_NAME_RE.test(k));
    if (bad.length)
      v.push({
        value: `{${Object.keys(envVars).join(', ')}}`,
        path: 'environment.variables',
        constraint: `Map keys must satisfy constraint: [Member must satisfy regular expression pattern: ${ENV_NAME_PATTERN}]`,
      });
  }
  if (body.SnapStart !== undefined && body.SnapStart !== null) {
    if (!isObject(body.SnapStart)) throw typeError('SnapStart', 'an object');
    const applyOn = str(body.SnapStart, 'ApplyOn');
    if (applyOn !== undefined && applyOn !== 'PublishedVersions' && applyOn !== 'None')
      v.push({ value: applyOn, path: 'snapStart.applyOn', constraint: 'Member must satisfy enum value set: [PublishedVersions, None]' });
  }
  let logging: ConfigInput['logging'];
  if (body.LoggingConfig !== undefined && body.LoggingConfig !== null) {
    if (!isObject(body.LoggingConfig)) throw typeError('LoggingConfig', 'an object');
    const lc = body.LoggingConfig;
    const format = str(lc, 'LogFormat');
    if (format !== undefined && format !== 'JSON' && format !== 'Text')
      v.push({ value: format, path: 'loggingConfig.logFormat', constraint: 'Member must satisfy enum value set: [JSON, Text]' });
    const app = str(lc, 'ApplicationLogLevel');
    if (app !== undefined && !['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].includes(app))
      v.push({ value: app, path: 'loggingConfig.applicationLogLevel', constraint: 'Member must satisfy enum value set: [TRACE, DEBUG, INFO, WARN, ERROR, FATAL]' });
    const sys = str(lc, 'SystemLogLevel');
    if (sys !== undefined && !['DEBUG', 'INFO', 'WARN'].includes(sys))
      v.push({ value: sys, path: 'loggingConfig.systemLogLevel', constraint: 'Member must satisfy enum value set: [DEBUG, INFO, WARN]' });
    const group = str(lc, 'LogGroup');
    if (group !== undefined && !/^[\.\-_/#A-Za-z0-9]{1,512}$/.test(group))
      v.push({ value: group, path: 'loggingConfig.logGroup', constraint: 'Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+' });
    logging = {
      logFormat: (format as LogFormat | undefined) ?? 'Text',
      applicationLogLevel: app,
      systemLogLevel: sys,
      logGroup: group ?? '',
    };
  }
  let layers: string[] | undefined;
  if (body.Layers !== undefined && body.Layers !== null) {
    if (!Array.isArray(body.Layers) || body.Layers.some((l) => typeof l !== 'string')) throw typeError('Layers', 'a list of strings');
    layers = body.Layers as string[];
    // AWS quotes every constraint of the list's members when one fails (recorded in test_layer_function_exceptions).
    if (!layers.every(isLayerVersionArn))
      v.push({
        value: layers,
        path: 'layers',
        constraint: `Member must satisfy constraint: [Member must have length less than or equal to 2048, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: ${LAYER_VERSION_ARN_PATTERN}, Member must not be null]`,
      });
  }
  const runtime = str(body, 'Runtime');
  if (v.length) throw validationError(v);

  // Service rules, after the model's constraints (AWS reports these as InvalidParameterValueException).
  if (runtime !== undefined) {
    if (DEPRECATED_RUNTIMES.has(runtime))
      throw invalidParameter(
        `The runtime parameter of ${runtime} is no longer supported for creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating or updating functions.`,
      );
    if (!(AWS_RUNTIMES as readonly string[]).includes(runtime))
      throw invalidParameter(
        `Value ${runtime} at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [${AWS_RUNTIMES.join(', ')}] or be a valid ARN`,
      );
    if (!opts.available.includes(runtime))
      throw invalidParameter(
        `The runtime ${runtime} is not available on this Stratus server. Available: ${opts.available.join(', ')}. ` +
          `Start the server with --runtime ${runtime}=/path/to/interpreter to add it.`,
      );
    out.runtime = runtime;
  }
  if (envVars) {
    const reserved = Object.keys(envVars).filter((k) => RESERVED_ENV.has(k));
    if (reserved.length)
      throw invalidParameter(
        `Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ${reserved.join(', ')}`,
      );
    const measured = JSON.stringify(envVars);
    if (Buffer.byteLength(measured) > LIMITS.envVarsBytes)
      throw invalidParameter(
        `Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: ${measured}`,
      );
    out.environment = envVars;
  }
  if (layers) {
    if (layers.length > LIMITS.layers) throw invalidParameter('Cannot reference more than 5 layers.');
    out.layers = layers;
  }
  if (logging) out.logging = logging;
  const passthrough: Record<string, unknown> = {};
  for (const k of PASSTHROUGH) if (body[k] !== undefined) passthrough[k] = body[k];
  if (Object.keys(passthrough).length) out.passthrough = passthrough;
  return out;
}

/**
 * The one error catalog. Every failure a caller can see is a StratusError with a stable code
 * (AWS's error name), an HTTP status, the casing AWS uses for the message field, and whether it
 * is the caller's fault. `wire.ts` turns it into AWS's wire shape.
 */

interface Entry {
  status: number;
  /** AWS sends `Message` for some errors and `message` for others; the SDK copies the raw field. */
  field: 'Message' | 'message';
  fault: 'User' | 'Service';
}

// Statuses and field casing from the Lambda model (contract D2/D3).
export const CATALOG = {
  ResourceNotFoundException: { status: 404, field: 'Message', fault: 'User' },
  ResourceConflictException: { status: 409, field: 'message', fault: 'User' },
  InvalidParameterValueException: { status: 400, field: 'message', fault: 'User' },
  InvalidRequestContentException: { status: 400, field: 'message', fault: 'User' },
  ValidationException: { status: 400, field: 'message', fault: 'User' },
  RequestEntityTooLargeException: { status: 413, field: 'message', fault: 'User' },
  TooManyRequestsException: { status: 429, field: 'message', fault: 'User' },
  PreconditionFailedException: { status: 412, field: 'message', fault: 'User' },
  UnsupportedMediaTypeException: { status: 415, field: 'message', fault: 'User' },
  CodeStorageExceededException: { status: 400, field: 'message', fault: 'User' },
  ProvisionedConcurrencyConfigNotFoundException: { status: 404, field: 'message', fault: 'User' },
  PolicyLengthExceededException: { status: 400, field: 'message', fault: 'User' },
  ResourceNotReadyException: { status: 502, field: 'message', fault: 'Service' },
  ServiceException: { status: 500, field: 'Message', fault: 'Service' },
  InvalidRuntimeException: { status: 502, field: 'Message', fault: 'Service' },
  // Authentication (contract D3; the gateway answers these before any API code runs).
  MissingAuthenticationTokenException: { status: 403, field: 'message', fault: 'User' },
  UnrecognizedClientException: { status: 403, field: 'message', fault: 'User' },
  InvalidSignatureException: { status: 403, field: 'message', fault: 'User' },
  IncompleteSignatureException: { status: 400, field: 'message', fault: 'User' },
  AccessDeniedException: { status: 403, field: 'Message', fault: 'User' },
  // An expired presigned URL.
  AccessDenied: { status: 403, field: 'message', fault: 'User' },
  // CloudWatch Logs (AWS JSON 1.1).
  InvalidParameterException: { status: 400, field: 'message', fault: 'User' },
  // EventBridge (AWS JSON 1.1; every client error is a 400 there, see toJsonError).
  InvalidEventPatternException: { status: 400, field: 'message', fault: 'User' },
  LimitExceededException: { status: 400, field: 'message', fault: 'User' },
  // Routing: AWS answers an unknown path of a REST service with UnknownOperationException.
  UnknownOperationException: { status: 404, field: 'message', fault: 'User' },
} as const satisfies Record<string, Entry>;

export type ErrorCode = keyof typeof CATALOG;

export class StratusError extends Error {
  readonly status: number;
  /** Extra body members, e.g. `Reason` on throttles. */
  readonly extra: Record<string, unknown>;
  /** AWS sends no text for this one: the body's message is null and there is no `Type`. */
  readonly bare: boolean;

  constructor(readonly code: ErrorCode, message: string, extra: Record<string, unknown> = {}, opts: { bare?: boolean } = {}) {
    super(message);
    this.name = code;
    this.status = CATALOG[code].status;
    this.extra = extra;
    this.bare = opts.bare ?? false;
  }
}

// ---- Builders for the messages AWS sends (contract D4). One place, so texts stay exact. ----

export const functionNotFound = (arn: string) =>
  new StratusError('ResourceNotFoundException', `Function not found: ${arn}`);

export const functionExists = (name: string) =>
  // AWS's text really says "exist" (sic).
  new StratusError('ResourceConflictException', `Function already exist: ${name}`);

export const invalidParameter = (message: string) => new StratusError('InvalidParameterValueException', message);

export const badZip = () =>
  invalidParameter('Could not unzip uploaded file. Please check your file, then try to upload again.');

export const unzippedTooLarge = (limit: number) =>
  invalidParameter(`Unzipped size must be smaller than ${limit} bytes`);

export const zippedTooLarge = (limit: number) =>
  new StratusError('RequestEntityTooLargeException', `Zipped size must be smaller than ${limit} bytes`);

export const requestTooLarge = (limit: number, operation: string) =>
  new StratusError('RequestEntityTooLargeException', `Request must be smaller than ${limit} bytes for the ${operation} operation`);

export const revisionMismatch = () =>
  new StratusError(
    'PreconditionFailedException',
    'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
  );

export const functionStateConflict = (state: string) =>
  new StratusError(
    'ResourceConflictException',
    `The operation cannot be performed at this time. The function is currently in the following state: ${state}`,
  );

export const updateInProgress = (arn: string) =>
  new StratusError(
    'ResourceConflictException',
    `The operation cannot be performed at this time. An update is in progress for resource: ${arn}`,
  );

/** One violated constraint, in the form AWS's ValidationException lists them. */
export interface Violation {
  value: unknown;
  path: string;
  constraint: string;
}

/** A value as AWS's Java service prints it: strings bare, lists as `[a, b]`, inside quotes. */
const renderValue = (v: unknown): string => (v === null || v === undefined ? 'null' : `'${javaString(v)}'`);
const javaString = (v: unknown): string =>
  typeof v === 'string' ? v : Array.isArray(v) ? `[${v.map(javaString).join(', ')}]` : JSON.stringify(v);

/** `N validation error(s) detected: Value '…' at '…' failed to satisfy constraint: …; …` */
export function validationError(violations: Violation[]): StratusError {
  return new StratusError('ValidationException', validationText(violations));
}

/** The same text as an InvalidParameterValueException: how AWS refuses a 65-character name on CreateFunction (recorded). */
export const invalidParameterViolation = (violations: Violation[]): StratusError => invalidParameter(validationText(violations));

function validationText(violations: Violation[]): string {
  const n = violations.length;
  const parts = violations.map((v) => `Value ${renderValue(v.value)} at '${v.path}' failed to satisfy constraint: ${v.constraint}`);
  return `${n} validation error${n === 1 ? '' : 's'} detected: ${parts.join('; ')}`;
}

/** CreateFunction naming another account's function: AWS's bare 403 (recorded: no message). */
export const accessDenied = () => new StratusError('AccessDeniedException', '', {}, { bare: true });

/** Throttles: AWS's text is always "Rate Exceeded."; the Reason says which limit (contract D2, D4). */
export type ThrottleReason = 'ReservedFunctionConcurrentInvocationLimitExceeded' | 'ConcurrentInvocationLimitExceeded';
export const throttled = (reason: ThrottleReason) => new StratusError('TooManyRequestsException', 'Rate Exceeded.', { Reason: reason });

// ---- Event-invoke configs (recorded in test_lambda_eventinvokeconfig_exceptions). ----

/** Put/Update/List on a function, version or alias that does not exist. */
export const eventConfigFunctionMissing = () => new StratusError('ResourceNotFoundException', "The function doesn't exist.");

/** Get/Update/Delete where no config is stored (Get and Delete say so even when the function is missing). */
export const noEventInvokeConfig = (qualifiedArn: string) =>
  new StratusError('ResourceNotFoundException', `The function ${qualifiedArn} doesn't have an EventInvokeConfig`);

/** A Lambda destination that does not exist. */
export const destinationInvalid = (arn: string) => invalidParameter(`The destination ARN ${arn} is invalid.`);

/** A destination of a kind async invocations cannot send to; `config` is Java's rendering of the DestinationConfig. */
export const destinationConfigInvalid = (config: string) => invalidParameter(`The provided destination config ${config} is invalid.`);

// ---- Function URLs and resource policies (contract D4). ----

export const urlConfigExists = (arn: string) =>
  // Two spaces after "Error message:", as AWS sends it.
  new StratusError('ResourceConflictException', `Failed to create function url config for [functionArn = ${arn}]. Error message:  FunctionUrlConfig exists for this Lambda function`);

export const urlFunctionMissing = () => new StratusError('ResourceNotFoundException', 'Function does not exist');

export const resourceMissing = () => new StratusError('ResourceNotFoundException', 'The resource you requested does not exist.');

export const statementExists = (sid: string) =>
  new StratusError('ResourceConflictException', `The statement id (${sid}) provided already exists. Please provide a new statement id, or remove the existing statement.`);

export const noPolicy = () => new StratusError('ResourceNotFoundException', 'No policy is associated with the given resource.');

// CloudWatch Logs texts, as recorded against AWS (LocalStack tests/aws/services/logs, aws.validated).
export const logGroupMissing = () => new StratusError('ResourceNotFoundException', 'The specified log group does not exist.');
export const logStreamMissing = () => new StratusError('ResourceNotFoundException', 'The specified log stream does not exist.');
export const logGroupNameAndIdentifier = () =>
  new StratusError('ValidationException', 'LogGroup name and LogGroup ARN are mutually exclusive parameters.');
export const logsTokenInvalid = () => new StratusError('InvalidParameterException', 'The specified nextToken is invalid.');
// Not in the recordings: the text AWS is known to send for this documented InvalidParameterException.
export const logsOrderByTimeWithPrefix = () => new StratusError('InvalidParameterException', 'Cannot order by LastEventTime with a logStreamNamePrefix.');
// Not in the recordings either: the API reference names only the error type, the text is ours.
export const logsStreamNamesWithPrefix = () =>
  new StratusError('InvalidParameterException', 'logStreamNames and logStreamNamePrefix cannot both be specified.');
export const logsLimitInvalid = (n: number, must: string) =>
  new StratusError('InvalidParameterException', `1 validation error detected: Value '${n}' at 'limit' failed to satisfy constraint: Member must have value ${must}`);
export const statementMissing = (sid: string) => new StratusError('ResourceNotFoundException', `Statement ${sid} is not found in resource policy.`);

export const policyRevisionMismatch = () =>
  new StratusError(
    'PreconditionFailedException',
    'The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id',
  );

export const internalError = () => new StratusError('ServiceException', 'An internal error occurred. Check the Stratus server log for details.');

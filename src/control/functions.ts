/** Functions: create, read, update, delete, tags. The domain side of the Lambda API. */
import {
  functionExists, functionNotFound, invalidParameter, revisionMismatch, StratusError, updateInProgress, validationError,
  type Violation,
} from '../errors/catalog.js';
import { functionArn, parseFunctionName, type Account } from '../shared/arn.js';
import type { Clock } from '../shared/clock.js';
import { uuid } from '../shared/ids.js';
import type { CodeStore } from '../store/blobs.js';
import type { Store } from '../store/store.js';
import { collectGarbage, ingestZip } from './code.js';
import { LIMITS } from './limits.js';
import type { FunctionConfig, StoredFunction } from './model.js';
import { checkFunctionName, parseConfigInput, type ConfigInput } from './validate.js';

export interface FunctionServiceDeps {
  store: Store;
  code: CodeStore;
  clock: Clock;
  account: Account;
  /** Runtime ids this server can run. */
  runtimes: readonly string[];
  /** Told when a function's code or configuration changed or it was deleted, so its environments can retire. */
  onChange?: (name: string) => void;
}

export interface FunctionRef {
  name: string;
  qualifier?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export class FunctionService {
  /** Mutations run one at a time, so code garbage collection never races an upload of the same package. */
  private queue: Promise<unknown> = Promise.resolve();
  /**
   * Functions as last read from the store. Every invoke resolves its function, so this keeps a
   * SQLite read and a JSON parse off the invoke path; this service makes every change, and drops
   * the entry when it does.
   */
  private readonly cache = new Map<string, StoredFunction>();

  private stored(name: string): StoredFunction | undefined {
    let fn = this.cache.get(name);
    if (!fn) {
      fn = this.deps.store.getFunction(name);
      if (fn) this.cache.set(name, fn);
    }
    return fn;
  }

  private changed(name: string): void {
    this.cache.delete(name);
  }

  constructor(private readonly deps: FunctionServiceDeps) {}

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  arn(name: string, qualifier?: string): string {
    return functionArn(this.deps.account, name, qualifier);
  }

  /**
   * Resolve a FunctionName path label (name, partial or full ARN, optional `:qualifier`) and an
   * optional `?Qualifier`, with AWS's errors for a mismatch or another region.
   */
  resolveRef(label: string, queryQualifier?: string | null): FunctionRef {
    const parsed = parseFunctionName(label);
    if (!parsed) {
      throw validationError([{ value: label, path: 'functionName', constraint: 'Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?' }]);
    }
    const { region, accountId } = this.deps.account;
    if (parsed.region && parsed.region !== region)
      throw new StratusError('ResourceNotFoundException', `Functions from '${parsed.region}' are not reachable in this region ('${region}')`);
    if (parsed.accountId && parsed.accountId !== accountId) throw functionNotFound(functionArn({ region, accountId: parsed.accountId }, parsed.name, parsed.qualifier));
    const q = queryQualifier || undefined;
    if (q && parsed.qualifier && q !== parsed.qualifier)
      throw invalidParameter('The derived qualifier from the function name does not match the specified qualifier.');
    return { name: parsed.name, qualifier: parsed.qualifier ?? q };
  }

  /** The stored function a reference names, or AWS's not-found error (qualified as given). */
  get(ref: FunctionRef): StoredFunction {
    const fn = this.stored(ref.name);
    // Only $LATEST exists until versions are published (the versions issue).
    if (!fn || (ref.qualifier !== undefined && ref.qualifier !== '$LATEST')) throw functionNotFound(this.arn(ref.name, ref.qualifier));
    return fn;
  }

  list(afterName: string | undefined, limit: number): FunctionConfig[] {
    return this.deps.store.listFunctions(afterName, limit);
  }

  create(body: Record<string, unknown>): Promise<FunctionConfig> {
    const violations: Violation[] = checkFunctionName(body.FunctionName);
    if (body.Role === undefined || body.Role === null) violations.push({ value: null, path: 'role', constraint: 'Member must not be null' });
    if (body.Code === undefined || body.Code === null) violations.push({ value: null, path: 'code', constraint: 'Member must not be null' });
    if (violations.length) throw validationError(violations);
    const ref = this.resolveRef(body.FunctionName as string);
    if (ref.qualifier) throw invalidParameter('Unsupported function name: a qualifier is not allowed when creating a function.');
    const input = parseConfigInput(body, { available: this.deps.runtimes });
    if (body.PackageType === 'Image')
      throw invalidParameter('Stratus runs .zip packages only: PackageType Image is not supported. Upload the code as Code.ZipFile.');
    if (!input.runtime) throw invalidParameter('Runtime and Handler are mandatory parameters for functions created with deployment packages.');
    if (!input.handler) throw invalidParameter('Runtime and Handler are mandatory parameters for functions created with deployment packages.');
    const tags = parseTags(body.Tags);
    const zip = zipFromCode(body.Code);

    return this.serial(async () => {
      if (this.deps.store.getFunction(ref.name)) throw functionExists(ref.name);
      const pkg = await ingestZip(this.deps.store, this.deps.code, zip);
      const config: FunctionConfig = {
        name: ref.name,
        version: '$LATEST',
        runtime: input.runtime!,
        handler: input.handler!,
        role: input.role!,
        description: input.description ?? '',
        timeout: input.timeout ?? 3,
        memorySize: input.memorySize ?? 128,
        ephemeralStorage: input.ephemeralStorage ?? 512,
        environment: input.environment,
        architectures: input.architectures ?? ['x86_64'],
        tracingMode: input.tracingMode ?? 'PassThrough',
        layers: input.layers ?? [],
        logging: normaliseLogging(ref.name, input.logging),
        codeSha256: pkg.sha256,
        codeSize: pkg.size,
        revisionId: uuid(),
        lastModified: this.deps.clock.now(),
        state: 'Pending',
        passthrough: input.passthrough ?? {},
      };
      if (!this.deps.store.createFunction(config, tags)) throw functionExists(ref.name);
      this.changed(ref.name);
      this.settle(config.name);
      return config;
    });
  }

  updateCode(ref: FunctionRef, body: Record<string, unknown>): Promise<FunctionConfig> {
    if (ref.qualifier) throw invalidParameter('Unsupported function name: UpdateFunctionCode applies to $LATEST; pass an unqualified name.');
    if (body.ImageUri !== undefined) throw invalidParameter("Please don't provide ImageUri when updating a function with packageType Zip.");
    const zip = zipFromCode(body);
    return this.serial(async () => {
      const current = this.mutable(ref, body.RevisionId);
      const pkg = await ingestZip(this.deps.store, this.deps.code, zip);
      if (body.DryRun === true) return { ...current, codeSha256: pkg.sha256, codeSize: pkg.size };
      const next: FunctionConfig = { ...current, codeSha256: pkg.sha256, codeSize: pkg.size, ...this.touched() };
      this.deps.store.putConfig(next);
      this.changed(next.name);
      this.settle(next.name);
      await collectGarbage(this.deps.store, this.deps.code);
      return next;
    });
  }

  updateConfig(ref: FunctionRef, body: Record<string, unknown>): Promise<FunctionConfig> {
    if (ref.qualifier) throw invalidParameter('Unsupported function name: UpdateFunctionConfiguration applies to $LATEST; pass an unqualified name.');
    const input = parseConfigInput(body, { available: this.deps.runtimes });
    return this.serial(async () => {
      const current = this.mutable(ref, body.RevisionId);
      const next: FunctionConfig = {
        ...current,
        ...definedOnly(input),
        logging: input.logging ? normaliseLogging(current.name, input.logging) : current.logging,
        passthrough: { ...current.passthrough, ...input.passthrough },
        ...this.touched(),
      };
      this.deps.store.putConfig(next);
      this.changed(next.name);
      this.settle(next.name);
      return next;
    });
  }

  delete(ref: FunctionRef): Promise<void> {
    if (ref.qualifier === '$LATEST') throw invalidParameter('$LATEST version cannot be deleted without deleting the function.');
    return this.serial(async () => {
      this.get(ref);
      this.deps.store.deleteFunction(ref.name);
      this.changed(ref.name);
      this.deps.onChange?.(ref.name);
      await collectGarbage(this.deps.store, this.deps.code);
    });
  }

  /** TagResource / UntagResource / ListTags take an unqualified function ARN. */
  resolveTagResource(arn: string): string {
    const parsed = parseFunctionName(arn);
    if (!parsed || !arn.startsWith('arn:')) throw invalidParameter(`Invalid ARN: ${arn}`);
    if (parsed.qualifier) throw invalidParameter('Tags on function aliases and versions are not supported. Please specify a function ARN.');
    return this.resolveRef(arn).name;
  }

  tag(arn: string, tags: unknown): void {
    const name = this.resolveTagResource(arn);
    const fn = this.get({ name });
    const merged = { ...fn.tags, ...parseTags(tags) };
    if (Object.keys(merged).length > LIMITS.tags) throw invalidParameter('Number of tags exceeds resource tag limit.');
    this.deps.store.setTags(name, merged);
    this.changed(name);
  }

  untag(arn: string, keys: string[]): void {
    const name = this.resolveTagResource(arn);
    const fn = this.get({ name });
    const tags = { ...fn.tags };
    for (const k of keys) delete tags[k];
    this.deps.store.setTags(name, tags);
    this.changed(name);
  }

  listTags(arn: string): Record<string, string> {
    return this.get({ name: this.resolveTagResource(arn) }).tags;
  }

  /** The current $LATEST of a function about to change, checking the caller's RevisionId and any update in flight. */
  private mutable(ref: FunctionRef, revisionId: unknown): FunctionConfig {
    const current = this.get(ref).config;
    if (current.lastUpdateStatus === 'InProgress' || current.state === 'Pending') throw updateInProgress(this.arn(current.name));
    if (typeof revisionId === 'string' && revisionId !== current.revisionId) throw revisionMismatch();
    return current;
  }

  private touched(): Pick<FunctionConfig, 'revisionId' | 'lastModified' | 'lastUpdateStatus'> {
    return { revisionId: uuid(), lastModified: this.deps.clock.now(), lastUpdateStatus: 'InProgress' };
  }

  /**
   * As on AWS, a create answers `Pending` and an update `InProgress`; the change then settles to
   * Active/Successful once the response is on its way (the package is already unpacked), which is
   * what the SDK's waiters poll for.
   */
  private settle(name: string): void {
    setImmediate(() => {
      const fn = this.deps.store.getFunction(name);
      if (!fn) return;
      this.deps.store.putConfig({ ...fn.config, state: 'Active', lastUpdateStatus: 'Successful' });
      this.changed(name);
      this.deps.onChange?.(name);
    });
  }
}

function zipFromCode(code: unknown): Buffer {
  if (!isObject(code)) throw invalidParameter('Code must be an object with ZipFile.');
  if (code.ImageUri !== undefined) throw invalidParameter('Stratus runs .zip packages only: ImageUri is not supported. Upload the code as ZipFile.');
  if (code.S3Bucket !== undefined || code.S3Key !== undefined)
    throw invalidParameter('Stratus cannot fetch code from S3 yet: upload the package as ZipFile (the stratus CLI does this for you).');
  if (typeof code.ZipFile !== 'string' || code.ZipFile === '')
    throw invalidParameter('Please provide a source for function code (ZipFile).');
  // The SDK sends blobs base64-encoded inside the JSON body (contract C0).
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(code.ZipFile)) throw invalidParameter('Could not unzip uploaded file. Please check your file, then try to upload again.');
  return Buffer.from(code.ZipFile, 'base64');
}

function parseTags(tags: unknown): Record<string, string> {
  if (tags === undefined || tags === null) return {};
  if (!isObject(tags) || Object.values(tags).some((v) => typeof v !== 'string')) throw invalidParameter('Tags must be a map of strings.');
  if (Object.keys(tags).length > LIMITS.tags) throw invalidParameter('Number of tags exceeds resource tag limit.');
  const bad = Object.keys(tags).find((k) => k.length < 1 || k.length > 128 || k.startsWith('aws:'));
  if (bad !== undefined) throw invalidParameter(`Tag key '${bad}' is not valid: keys are 1-128 characters and cannot start with 'aws:'.`);
  const long = Object.entries(tags).find(([, v]) => (v as string).length > 256);
  if (long) throw invalidParameter(`Tag value for key '${long[0]}' is not valid: values are at most 256 characters.`);
  return tags as Record<string, string>;
}

function normaliseLogging(name: string, l: ConfigInput['logging']): FunctionConfig['logging'] {
  const logFormat = l?.logFormat ?? 'Text';
  const out: FunctionConfig['logging'] = { logFormat, logGroup: l?.logGroup || `/aws/lambda/${name}` };
  // AWS fills the levels in only for JSON logs (INFO by default).
  if (logFormat === 'JSON') {
    out.applicationLogLevel = l?.applicationLogLevel ?? 'INFO';
    out.systemLogLevel = l?.systemLogLevel ?? 'INFO';
  }
  return out;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

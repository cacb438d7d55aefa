/**
 * Functions and their versions: create, read, update, publish, delete, tags, and resolving a
 * qualifier (version or alias) to the version it names. The domain side of the Lambda API.
 */
import {
  accessDenied, functionExists, functionNotFound, invalidParameter, invalidParameterViolation, revisionMismatch, StratusError, unzippedTooLarge, updateInProgress, validationError,
  type Violation,
} from '../errors/catalog.js';
import { functionArn, parseFunctionName, type Account } from '../shared/arn.js';
import type { Clock } from '../shared/clock.js';
import { uuid } from '../shared/ids.js';
import type { CodeStore } from '../store/blobs.js';
import type { Store } from '../store/store.js';
import { collectGarbage, ingestZip } from './code.js';
import { layersUnzipped } from './layers.js';
import { LIMITS } from './limits.js';
import type { AliasConfig, FunctionConfig, LayerRef, StoredFunction } from './model.js';
import { NAMESPACED, shapeViolations, TAGGABLE_RESOURCE, type RefForm } from './names.js';
import { checkFunctionName, parseConfigInput, type ConfigInput } from './validate.js';

export interface FunctionServiceDeps {
  store: Store;
  code: CodeStore;
  clock: Clock;
  account: Account;
  /** Runtime ids this server can run. */
  runtimes: readonly string[];
  /**
   * Told when a version's code or configuration changed or it was deleted (no version: the whole
   * function), so its environments can retire. Other versions' environments stay warm.
   */
  onChange?: (name: string, version?: string) => void;
  /** Weighted alias routing draws from this; tests pass a seeded one. */
  random?: () => number;
  /** Resolve the layer version ARNs a function names (the layer service); without it no layer exists. */
  resolveLayers?: (arns: readonly string[]) => LayerRef[];
  /** Make the merged /opt of an ordered set of layers ready ahead of the first cold start. */
  prepareLayers?: (layers: readonly LayerRef[]) => Promise<unknown>;
}

/** What an invocation runs: the version chosen, and the ARN the runtime reports as invoked. */
export interface Target {
  config: FunctionConfig;
  invokedArn: string;
}

interface Entry {
  fn: StoredFunction;
  /** Published versions and aliases as read so far (null: known not to exist). */
  versions: Map<string, FunctionConfig | null>;
  aliases: Map<string, AliasConfig | null>;
}

const VERSION_RE = /^[0-9]+$/;
const ALIAS_FORM = /^[a-zA-Z0-9-_]+$/;
export const isVersionNumber = (q: string): boolean => VERSION_RE.test(q);

export interface FunctionRef {
  name: string;
  qualifier?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export class FunctionService {
  /** Mutations run one at a time, so code garbage collection never races an upload of the same package. */
  private queue: Promise<unknown> = Promise.resolve();
  /**
   * Functions, versions and aliases as last read from the store. Every invoke resolves its target,
   * so this keeps SQLite reads and JSON parses off the invoke path; every change goes through this
   * service (or the alias service, which calls `changed`), and drops the function's entry.
   */
  private readonly cache = new Map<string, Entry>();
  private readonly random: () => number;

  constructor(private readonly deps: FunctionServiceDeps) {
    this.random = deps.random ?? Math.random;
  }

  private entry(name: string): Entry | undefined {
    let e = this.cache.get(name);
    if (!e) {
      const fn = this.deps.store.getFunction(name);
      if (!fn) return undefined;
      e = { fn, versions: new Map(), aliases: new Map() };
      this.cache.set(name, e);
    }
    return e;
  }

  /** A published version or `$LATEST` of a function, undefined when either does not exist. */
  version(name: string, version: string): FunctionConfig | undefined {
    const e = this.entry(name);
    if (!e) return undefined;
    if (version === '$LATEST') return e.fn.config;
    let v = e.versions.get(version);
    if (v === undefined) {
      v = this.deps.store.getVersion(name, version) ?? null;
      e.versions.set(version, v);
    }
    return v ?? undefined;
  }

  alias(name: string, alias: string): AliasConfig | undefined {
    const e = this.entry(name);
    if (!e) return undefined;
    let a = e.aliases.get(alias);
    if (a === undefined) {
      a = this.deps.store.getAlias(name, alias) ?? null;
      e.aliases.set(alias, a);
    }
    return a ?? undefined;
  }

  /** Drop what is cached about a function after a change to it. */
  changed(name: string): void {
    this.cache.delete(name);
  }

  /** Run a mutation after every earlier one has finished (the alias service shares the queue). */
  serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  arn(name: string, qualifier?: string): string {
    return functionArn(this.deps.account, name, qualifier);
  }

  /**
   * Resolve a FunctionName path label (name, partial or full ARN, optional `:qualifier`) and an
   * optional `?Qualifier`, checked against the forms the operation's model gives them (one
   * ValidationException listing both, as AWS sends), with AWS's errors for a mismatch or another region.
   */
  resolveRef(label: string, queryQualifier?: string | null, form: RefForm = NAMESPACED): FunctionRef {
    const q = queryQualifier || undefined;
    const violations = shapeViolations(label, form.name, 'functionName');
    if (q !== undefined) violations.push(...shapeViolations(q, form.qualifier, 'qualifier'));
    const parsed = parseFunctionName(label);
    if (violations.length || !parsed) throw validationError(violations.length ? violations : shapeViolations(label, NAMESPACED.name, 'functionName'));
    const { region, accountId } = this.deps.account;
    if (parsed.region && parsed.region !== region)
      throw new StratusError('ResourceNotFoundException', `Functions from '${parsed.region}' are not reachable in this region ('${region}')`);
    if (parsed.accountId && parsed.accountId !== accountId) throw functionNotFound(functionArn({ region, accountId: parsed.accountId }, parsed.name, parsed.qualifier));
    if (q && parsed.qualifier && q !== parsed.qualifier)
      throw invalidParameter('The derived qualifier from the function name does not match the specified qualifier.');
    return { name: parsed.name, qualifier: parsed.qualifier ?? q };
  }

  /**
   * The function a reference names, with the configuration of the version its qualifier selects
   * (an alias selects its primary version), or AWS's not-found error (qualified as given).
   */
  get(ref: FunctionRef): StoredFunction {
    const e = this.entry(ref.name);
    const q = ref.qualifier;
    if (e && (q === undefined || q === '$LATEST')) return e.fn;
    const version = e && q !== undefined && (isVersionNumber(q) ? q : this.alias(ref.name, q)?.functionVersion);
    const config = version ? this.version(ref.name, version) : undefined;
    if (!e || !config) throw functionNotFound(this.arn(ref.name, q));
    return { config, tags: e.fn.tags };
  }

  /**
   * The version an invocation runs. An alias with a routing configuration sends each invocation
   * to its additional version with that version's weight, decided here, per invocation.
   */
  target(ref: FunctionRef): Target {
    const q = ref.qualifier;
    // An unqualified invoke runs $LATEST, and AWS names it when the function is missing (recorded 2025).
    if (q === undefined || q === '$LATEST' || isVersionNumber(q))
      return { config: this.get({ name: ref.name, qualifier: q ?? '$LATEST' }).config, invokedArn: this.arn(ref.name, q) };
    const alias = this.alias(ref.name, q);
    if (!alias) throw functionNotFound(this.arn(ref.name, q));
    const version = alias.routing && this.random() < alias.routing.weight ? alias.routing.version : alias.functionVersion;
    const config = this.version(ref.name, version);
    if (!config) throw functionNotFound(this.arn(ref.name, version));
    return { config, invokedArn: this.arn(ref.name, q) };
  }

  /** $LATEST first, then the published versions in order, after `after` (0 = $LATEST) when given. */
  listVersions(name: string, after: number | undefined, limit: number): FunctionConfig[] {
    const e = this.entry(name);
    if (!e) throw functionNotFound(this.arn(name));
    const head = after === undefined ? [e.fn.config] : [];
    return [...head, ...this.deps.store.listVersions(name, after ?? 0, limit - head.length)];
  }

  listAllVersions(after: { name: string; order: number } | undefined, limit: number): FunctionConfig[] {
    return this.deps.store.listAllVersions(after, limit);
  }

  aliases(name: string): AliasConfig[] {
    if (!this.entry(name)) throw functionNotFound(this.arn(name));
    return this.deps.store.listAliases(name);
  }

  list(afterName: string | undefined, limit: number): FunctionConfig[] {
    return this.deps.store.listFunctions(afterName, limit);
  }

  create(body: Record<string, unknown>): Promise<FunctionConfig> {
    const violations: Violation[] = checkFunctionName(body.FunctionName);
    if (body.Role === undefined || body.Role === null) violations.push({ value: null, path: 'role', constraint: 'Member must not be null' });
    if (body.Code === undefined || body.Code === null) violations.push({ value: null, path: 'code', constraint: 'Member must not be null' });
    if (body.PackageType !== undefined && body.PackageType !== null && body.PackageType !== 'Zip' && body.PackageType !== 'Image')
      violations.push({ value: body.PackageType, path: 'packageType', constraint: 'Member must satisfy enum value set: [Zip, Image]' });
    if (violations.length) throw validationError(violations);
    // Another account's function: AWS's bare 403, before anything else about the name (recorded).
    const named = parseFunctionName(body.FunctionName as string);
    if (named?.accountId && named.accountId !== this.deps.account.accountId) throw accessDenied();
    const ref = this.resolveRef(body.FunctionName as string);
    // The name itself is at most 64 characters; AWS words it as a validation error but sends it as
    // an InvalidParameterValueException (recorded in test_function_arns).
    if (ref.name.length > 64)
      throw invalidParameterViolation([{ value: body.FunctionName, path: 'functionName', constraint: 'Member must have length less than or equal to 64' }]);
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
      const layers = await this.layers(input.layers);
      const pkg = await ingestZip(this.deps.store, this.deps.code, zip, { alsoUnzipped: layersUnzipped(layers) });
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
        layers,
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
      const published = body.Publish === true ? this.publishNow(ref.name, {}) : undefined;
      this.settle(config.name);
      return published ?? config;
    });
  }

  updateCode(ref: FunctionRef, body: Record<string, unknown>): Promise<FunctionConfig> {
    if (ref.qualifier) throw invalidParameter('Unsupported function name: UpdateFunctionCode applies to $LATEST; pass an unqualified name.');
    if (body.ImageUri !== undefined) throw invalidParameter("Please don't provide ImageUri when updating a function with packageType Zip.");
    const zip = zipFromCode(body);
    return this.serial(async () => {
      const current = this.mutable(ref, body.RevisionId);
      const pkg = await ingestZip(this.deps.store, this.deps.code, zip, { alsoUnzipped: layersUnzipped(current.layers) });
      if (body.DryRun === true) return { ...current, codeSha256: pkg.sha256, codeSize: pkg.size };
      const next: FunctionConfig = { ...current, codeSha256: pkg.sha256, codeSize: pkg.size, ...this.touched() };
      this.deps.store.putConfig(next);
      this.changed(next.name);
      const published = body.Publish === true ? this.publishNow(next.name, {}) : undefined;
      this.settle(next.name);
      await collectGarbage(this.deps.store, this.deps.code);
      return published ?? next;
    });
  }

  updateConfig(ref: FunctionRef, body: Record<string, unknown>): Promise<FunctionConfig> {
    if (ref.qualifier) throw invalidParameter('Unsupported function name: UpdateFunctionConfiguration applies to $LATEST; pass an unqualified name.');
    const { layers: layerArns, ...input } = parseConfigInput(body, { available: this.deps.runtimes });
    return this.serial(async () => {
      const current = this.mutable(ref, body.RevisionId);
      let layers = current.layers;
      if (layerArns) {
        layers = await this.layers(layerArns);
        const code = this.deps.store.codePackage(current.codeSha256)?.unzippedSize ?? 0;
        if (code + layersUnzipped(layers) > LIMITS.unzippedBytes) throw unzippedTooLarge(LIMITS.unzippedBytes);
      }
      const next: FunctionConfig = {
        ...current,
        ...definedOnly(input),
        layers,
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

  /** Delete a whole function (no qualifier) or one published version. */
  delete(ref: FunctionRef): Promise<void> {
    const q = ref.qualifier;
    if (q === '$LATEST') throw invalidParameter('$LATEST version cannot be deleted without deleting the function.');
    // What reads as an alias name is refused before the function is looked up; anything else (a
    // `$`-form like `$latest`) is looked up as a version, as AWS answers both (recorded).
    if (q !== undefined && !isVersionNumber(q) && ALIAS_FORM.test(q)) throw invalidParameter('Deletion of aliases is not currently supported.');
    return this.serial(async () => {
      if (!this.entry(ref.name)) throw functionNotFound(this.arn(ref.name));
      if (q === undefined) {
        this.deps.store.deleteFunction(ref.name);
      } else {
        // As on AWS, deleting a version that does not exist succeeds; one an alias uses does not.
        const users = this.deps.store.listAliases(ref.name).filter((a) => a.functionVersion === q || a.routing?.version === q);
        if (users.length)
          throw new StratusError('ResourceConflictException', `Unable to delete version because the following aliases reference it: [${users.map((a) => a.name).join(', ')}]`);
        this.deps.store.deleteVersion(ref.name, q);
        this.deps.store.deleteProvisioned(ref.name, q);
      }
      this.changed(ref.name);
      this.deps.onChange?.(ref.name, q);
      await collectGarbage(this.deps.store, this.deps.code);
    });
  }

  /**
   * PublishVersion: snapshot $LATEST's code and configuration as the next version number. When
   * nothing changed since the last version was published, that version is returned instead.
   */
  publish(ref: FunctionRef, body: Record<string, unknown>): Promise<FunctionConfig> {
    if (ref.qualifier) throw invalidParameter('Unsupported function name: PublishVersion publishes $LATEST; pass an unqualified name.');
    const description = body.Description;
    if (description !== undefined && description !== null) {
      if (typeof description !== 'string') throw invalidParameter('Description must be a string.');
      if (description.length > 256) throw validationError([{ value: description, path: 'description', constraint: 'Member must have length less than or equal to 256' }]);
    }
    return this.serial(async () => {
      const latest = this.mutable(ref, body.RevisionId);
      const given = body.CodeSha256;
      const current = Buffer.from(latest.codeSha256, 'hex').toString('base64');
      if (typeof given === 'string' && given !== '' && given !== current)
        throw invalidParameter(`CodeSHA256 (${given}) is different from current CodeSHA256 in $LATEST (${current}). Please try again with the CodeSHA256 in $LATEST.`);
      return this.publishNow(ref.name, { description: typeof description === 'string' ? description : undefined });
    });
  }

  /** Inside the queue: publish $LATEST as it is now (also for `Publish: true` on create and code updates). */
  private publishNow(name: string, opts: { description?: string }): FunctionConfig {
    const latest = this.get({ name }).config;
    const last = this.deps.store.lastVersionNumber(name);
    const previous = last > 0 ? this.version(name, String(last)) : undefined;
    if (previous && (previous.publishedFrom === latest.revisionId || sameContent(previous, latest))) return previous;
    // Publishing gives $LATEST a new revision too (as AWS does); the version remembers it, so a
    // second publish with nothing changed in between finds it and returns this version.
    const latestRevision = uuid();
    const settling = latest.state === 'Pending' || latest.lastUpdateStatus === 'InProgress';
    const version: FunctionConfig = {
      ...latest,
      version: String(last + 1),
      description: opts.description ?? latest.description,
      revisionId: uuid(),
      lastModified: this.deps.clock.now(),
      state: settling ? 'Pending' : 'Active',
      lastUpdateStatus: settling ? undefined : 'Successful',
      publishedFrom: latestRevision,
    };
    this.deps.store.insertVersion(version, { ...latest, revisionId: latestRevision });
    this.changed(name);
    return version;
  }

  /**
   * TagResource / UntagResource / ListTags take a TaggableResource ARN; of those, Stratus has
   * functions (unqualified). Event source mappings and capacity providers are never found, in
   * AWS's words; layers and code-signing configs are refused as not taggable here.
   */
  resolveTagResource(arn: string): string {
    const violations = shapeViolations(arn, TAGGABLE_RESOURCE, 'resource');
    if (violations.length) throw validationError(violations);
    const kind = arn.split(':')[5];
    if (kind === 'event-source-mapping') throw new StratusError('ResourceNotFoundException', `Event source mapping not found: ${arn}`);
    if (kind === 'capacity-provider') throw new StratusError('ResourceNotFoundException', `Capacity provider not found: ${arn}`);
    if (kind !== 'function') throw invalidParameter(`Stratus keeps tags on functions only, not on ${kind} resources: ${arn}`);
    if (parseFunctionName(arn)?.qualifier) throw invalidParameter('Tags on function aliases and versions are not supported. Please specify a function ARN.');
    return this.resolveRef(arn).name;
  }

  tag(arn: string, tags: unknown): void {
    const name = this.resolveTagResource(arn);
    const fn = this.get({ name });
    // AWS's (generic) answer to an empty Tags map (recorded in test_tag_exceptions).
    if (isObject(tags) && Object.keys(tags).length === 0) throw invalidParameter('An error occurred and the request cannot be processed.');
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

  /** The layers a function names, resolved, with their merged /opt made ready. */
  private async layers(arns: readonly string[] | undefined): Promise<LayerRef[]> {
    if (!arns?.length) return [];
    if (!this.deps.resolveLayers) throw invalidParameter(`Layer version ${arns[0]} does not exist.`);
    const layers = this.deps.resolveLayers(arns);
    await this.deps.prepareLayers?.(layers);
    return layers;
  }

  private touched(): Pick<FunctionConfig, 'revisionId' | 'lastModified' | 'lastUpdateStatus'> {
    return { revisionId: uuid(), lastModified: this.deps.clock.now(), lastUpdateStatus: 'InProgress' };
  }

  /**
   * As on AWS, a create answers `Pending` and an update `InProgress`; the change then settles to
   * Active/Successful once the response is on its way (the package is already unpacked), which is
   * what the SDK's waiters poll for. Settling is a change of its own: AWS gives a new RevisionId at
   * each transition (recorded in test_function_revisions_basic, test_redundant_updates), so the
   * RevisionId a Create/Update answered is stale once the function settles.
   */
  private settle(name: string): void {
    setImmediate(() => {
      const fn = this.deps.store.getFunction(name);
      if (!fn || (fn.config.state !== 'Pending' && fn.config.lastUpdateStatus !== 'InProgress')) return;
      const revisionId = uuid();
      this.deps.store.putConfig({ ...fn.config, state: 'Active', lastUpdateStatus: 'Successful', revisionId });
      // A version published along with the change (`Publish: true`) settles with it, and still
      // counts as published from $LATEST as it is now.
      const last = this.deps.store.lastVersionNumber(name);
      const newest = last > 0 ? this.deps.store.getVersion(name, String(last)) : undefined;
      if (newest?.state === 'Pending') {
        const publishedFrom = newest.publishedFrom === fn.config.revisionId ? revisionId : newest.publishedFrom;
        this.deps.store.putConfig({ ...newest, state: 'Active', lastUpdateStatus: 'Successful', revisionId: uuid(), publishedFrom });
      }
      this.changed(name);
      this.deps.onChange?.(name, '$LATEST');
    });
  }
}

/**
 * Whether a version has the same code and configuration as $LATEST now (AWS publishes nothing new
 * then): everything but what publishing itself sets or changes by itself.
 */
function sameContent(version: FunctionConfig, latest: FunctionConfig): boolean {
  const strip = ({ version: _v, revisionId: _r, lastModified: _m, state: _s, lastUpdateStatus: _u, publishedFrom: _p, description: _d, ...rest }: FunctionConfig) => rest;
  return JSON.stringify(strip(version)) === JSON.stringify(strip(latest));
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

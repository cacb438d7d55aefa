/**
 * Layers: publish, read, list and delete layer versions, and resolve the layer ARNs a function
 * names into what its environments need. Layer zips go through the same unpacker and
 * content-addressed code store as function code.
 */
import { invalidParameter, StratusError, validationError, type Violation } from '../errors/catalog.js';
import { layerArn, parseLayerArn, type Account } from '../shared/arn.js';
import type { Clock } from '../shared/clock.js';
import type { CodeStore } from '../store/blobs.js';
import type { Store } from '../store/store.js';
import { collectGarbage, ingestZip } from './code.js';
import type { LayerRef, LayerVersion } from './model.js';
import { AWS_RUNTIMES, LAYER_FILTER_RUNTIMES } from './runtimes.js';
import { ARCHITECTURE_MEMBERS } from './names.js';

export const LAYER_NAME_PATTERN = '(arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+';
const LAYER_NAME_RE = new RegExp(`^(?:${LAYER_NAME_PATTERN})$`);
/** The model's LayerVersionArn (a function's Layers, GetLayerVersionByArn), as AWS quotes it now (2025 recordings). */
export const LAYER_VERSION_ARN_PATTERN =
  '(arn:(aws[a-zA-Z-]*)?:lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+)|(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+)';
const LAYER_VERSION_ARN_RE = new RegExp(`^(?:${LAYER_VERSION_ARN_PATTERN})$`);
/** A layer version ARN as a function's Layers takes it (1–2048 characters, the pattern above). */
export const isLayerVersionArn = (arn: string): boolean => arn.length >= 1 && arn.length <= 2048 && LAYER_VERSION_ARN_RE.test(arn);
const ARCHITECTURES = ['x86_64', 'arm64'];
/** A layer's CompatibleRuntimes take the function Runtime enum; the list filters a wider one (runtimes.ts). */
const RUNTIME_ENUM: readonly string[] = AWS_RUNTIMES;
const FILTER_RUNTIME_ENUM: readonly string[] = LAYER_FILTER_RUNTIMES;
/** ListLayers and ListLayerVersions return at most 50 per page (MaxItems 1–50). */
const PAGE = 50;

export const layerNotFound = () => new StratusError('ResourceNotFoundException', 'The resource you requested does not exist.');

export interface LayerServiceDeps {
  store: Store;
  code: CodeStore;
  clock: Clock;
  account: Account;
  /** Runs a mutation in the function service's queue, so garbage collection never races an upload. */
  exclusive: <T>(fn: () => Promise<T>) => Promise<T>;
}

export interface Page<T> {
  items: T[];
  nextMarker?: string;
}

export interface ListFilter {
  runtime?: string | null;
  architecture?: string | null;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export class LayerService {
  constructor(private readonly deps: LayerServiceDeps) {}

  arn(name: string, version?: number): string {
    return layerArn(this.deps.account, name, version);
  }

  /** PublishLayerVersion: validate, store the package, record the next version number. */
  publish(label: string, body: Record<string, unknown>): Promise<LayerVersion> {
    const violations: Violation[] = checkLayerName(label);
    if (body.Content === undefined || body.Content === null) violations.push({ value: null, path: 'content', constraint: 'Member must not be null' });
    const description = optionalString(body, 'Description');
    if (description !== undefined && description.length > 256)
      violations.push({ value: description, path: 'description', constraint: 'Member must have length less than or equal to 256' });
    const license = optionalString(body, 'LicenseInfo');
    if (license !== undefined && license.length > 512)
      violations.push({ value: license, path: 'licenseInfo', constraint: 'Member must have length less than or equal to 512' });
    const runtimes = optionalList(body, 'CompatibleRuntimes');
    if (runtimes) {
      if (runtimes.length > 15) violations.push({ value: runtimes, path: 'compatibleRuntimes', constraint: 'Member must have length less than or equal to 15' });
      if (runtimes.some((r) => !RUNTIME_ENUM.includes(r)))
        violations.push({ value: runtimes, path: 'compatibleRuntimes', constraint: `Member must satisfy enum value set: [${RUNTIME_ENUM.join(', ')}]` });
    }
    const architectures = optionalList(body, 'CompatibleArchitectures');
    if (architectures) {
      if (architectures.length > 2) violations.push({ value: architectures, path: 'compatibleArchitectures', constraint: 'Member must have length less than or equal to 2' });
      if (architectures.some((a) => !ARCHITECTURES.includes(a)))
        violations.push({ value: architectures, path: 'compatibleArchitectures', constraint: ARCHITECTURE_MEMBERS });
    }
    if (violations.length) throw validationError(violations);
    const name = this.ownName(label, true);
    const zip = zipFromContent(body.Content);
    return this.deps.exclusive(async () => {
      const pkg = await ingestZip(this.deps.store, this.deps.code, zip);
      const v: Omit<LayerVersion, 'version'> = {
        name,
        description: description ?? '',
        createdDate: this.deps.clock.now(),
        codeSha256: pkg.sha256,
        codeSize: pkg.size,
        unzippedSize: pkg.unzippedSize,
      };
      // Given empty, they are answered empty (recorded: publish_empty_result).
      if (runtimes) v.compatibleRuntimes = [...new Set(runtimes)];
      if (architectures) v.compatibleArchitectures = [...new Set(architectures)];
      if (license !== undefined) v.licenseInfo = license;
      return this.deps.store.publishLayerVersion(v);
    });
  }

  /** GetLayerVersion. */
  get(label: string, versionLabel: string): LayerVersion {
    const version = parseVersionNumber(versionLabel);
    const violations = checkLayerName(label);
    if (violations.length) throw validationError(violations);
    checkVersionNumber(version);
    const v = this.lookup(label, version);
    if (!v) throw layerNotFound();
    return v;
  }

  /** GetLayerVersionByArn. */
  getByArn(arn: string | null): LayerVersion {
    if (arn === null || arn === '') throw validationError([{ value: null, path: 'arn', constraint: 'Member must not be null' }]);
    const parsed = parseLayerArn(arn);
    if (!parsed || parsed.version === undefined || arn.length > 140 || !LAYER_VERSION_ARN_RE.test(arn))
      throw validationError([{ value: arn, path: 'arn', constraint: `Member must satisfy regular expression pattern: ${LAYER_VERSION_ARN_PATTERN}` }]);
    const v = this.mine(parsed) ? this.deps.store.getLayerVersion(parsed.name, parsed.version) : undefined;
    if (!v) throw layerNotFound();
    return v;
  }

  /** ListLayers: each layer with its newest version that matches the filter. */
  list(filter: ListFilter, marker: string | null, maxItems: string | null): Page<LayerVersion> {
    checkFilter(filter);
    const limit = pageSize(maxItems);
    const after = marker ? Buffer.from(marker, 'base64url').toString('utf8') : '';
    const latest: LayerVersion[] = [];
    for (const v of this.deps.store.listLayerVersions()) {
      if (v.name <= after || !matches(v, filter)) continue;
      // Versions come newest first within a name: the first match is the latest matching one.
      if (latest.at(-1)?.name !== v.name) latest.push(v);
    }
    const items = latest.slice(0, limit);
    return { items, nextMarker: latest.length > limit ? Buffer.from(items.at(-1)!.name).toString('base64url') : undefined };
  }

  /** ListLayerVersions, newest first. An unknown layer has no versions (not an error, as on AWS). */
  listVersions(label: string, filter: ListFilter, marker: string | null, maxItems: string | null): Page<LayerVersion> {
    const violations = checkLayerName(label);
    if (violations.length) throw validationError(violations);
    checkFilter(filter);
    const limit = pageSize(maxItems);
    const below = marker ? Number(Buffer.from(marker, 'base64url').toString('utf8')) : Infinity;
    const name = this.ownName(label, false);
    const all = name === undefined ? [] : this.deps.store.listLayerVersions(name).filter((v) => v.version < below && matches(v, filter));
    const items = all.slice(0, limit);
    return { items, nextMarker: all.length > limit ? Buffer.from(String(items.at(-1)!.version)).toString('base64url') : undefined };
  }

  /**
   * DeleteLayerVersion. As on AWS it succeeds whether or not the version exists; functions that
   * use it keep their copy (the package stays while any function version refers to it).
   */
  delete(label: string, versionLabel: string): Promise<void> {
    const version = parseVersionNumber(versionLabel);
    const violations = checkLayerName(label);
    if (violations.length) throw validationError(violations);
    checkVersionNumber(version);
    const name = this.ownName(label, false);
    return this.deps.exclusive(async () => {
      if (name === undefined || !this.deps.store.deleteLayerVersion(name, version)) return;
      await collectGarbage(this.deps.store, this.deps.code);
    });
  }

  /**
   * The layers a function names (Layers on Create/UpdateFunctionConfiguration), in order, with
   * AWS's errors; validate.ts has already checked the count and the ARN pattern.
   */
  resolveForFunction(arns: readonly string[]): LayerRef[] {
    const { region } = this.deps.account;
    if (arns.some((arn) => { const p = parseLayerArn(arn); return p !== undefined && p.region !== region; }))
      throw invalidParameter(`Layers are not in the same region as the function. Layers are expected to be in region ${region}.`);
    const seen = new Map<string, string>();
    for (const arn of arns) {
      const layer = arn.slice(0, arn.lastIndexOf(':'));
      const earlier = seen.get(layer);
      if (earlier !== undefined)
        throw invalidParameter(
          `Two different versions of the same layer are not allowed to be referenced in the same function. ${earlier} and ${arn} are versions of the same layer.`,
        );
      seen.set(layer, arn);
    }
    return arns.map((arn) => {
      const parsed = parseLayerArn(arn);
      const v = parsed && parsed.version !== undefined && this.mine(parsed) ? this.deps.store.getLayerVersion(parsed.name, parsed.version) : undefined;
      if (!v) throw invalidParameter(`Layer version ${arn} does not exist.`);
      return { arn: this.arn(v.name, v.version), codeSha256: v.codeSha256, codeSize: v.codeSize, unzippedSize: v.unzippedSize };
    });
  }

  private lookup(label: string, version: number): LayerVersion | undefined {
    const violations = checkLayerName(label);
    if (violations.length) throw validationError(violations);
    const name = this.ownName(label, false);
    return name === undefined ? undefined : this.deps.store.getLayerVersion(name, version);
  }

  private mine(p: { region: string; accountId: string }): boolean {
    return p.region === this.deps.account.region && p.accountId === this.deps.account.accountId;
  }

  /**
   * The layer name a LayerName label (a name or a layer ARN) gives. A layer of another account or
   * region cannot exist here: publishing to one is refused; reading one finds nothing (undefined).
   */
  private ownName(label: string, publishing: true): string;
  private ownName(label: string, publishing?: boolean): string | undefined;
  private ownName(label: string, publishing = true): string | undefined {
    if (!label.startsWith('arn:')) return label;
    const parsed = parseLayerArn(label)!;
    if (this.mine(parsed)) return parsed.name;
    if (publishing) throw invalidParameter(`Layers can only be published in this server's account and region (${this.deps.account.accountId}, ${this.deps.account.region}): ${label}`);
    return undefined;
  }
}

/** The total unzipped size of a function's layers (the 250 MB limit covers code and layers together). */
export const layersUnzipped = (layers: readonly LayerRef[]): number => layers.reduce((n, l) => n + l.unzippedSize, 0);

function checkLayerName(label: string): Violation[] {
  const out: Violation[] = [];
  if (label.length < 1) out.push({ value: label, path: 'layerName', constraint: 'Member must have length greater than or equal to 1' });
  if (label.length > 140) out.push({ value: label, path: 'layerName', constraint: 'Member must have length less than or equal to 140' });
  if (!LAYER_NAME_RE.test(label)) out.push({ value: label, path: 'layerName', constraint: `Member must satisfy regular expression pattern: ${LAYER_NAME_PATTERN}` });
  return out;
}

function parseVersionNumber(label: string): number {
  const n = Number(label);
  if (!/^-?\d+$/.test(label) || !Number.isSafeInteger(n))
    throw new StratusError('InvalidRequestContentException', `Could not parse request: VersionNumber must be a number, got '${label}'`);
  return n;
}

/** Version numbers start at 1 (AWS's text for 0 and below, recorded in test_layer_exceptions). */
function checkVersionNumber(version: number): void {
  if (version < 1) throw invalidParameter('Layer Version Cannot be less than 1');
}

function checkFilter(f: ListFilter): void {
  const v: Violation[] = [];
  if (f.runtime && !FILTER_RUNTIME_ENUM.includes(f.runtime))
    v.push({ value: f.runtime, path: 'compatibleRuntime', constraint: `Member must satisfy enum value set: [${FILTER_RUNTIME_ENUM.join(', ')}]` });
  if (f.architecture && !ARCHITECTURES.includes(f.architecture))
    v.push({ value: f.architecture, path: 'compatibleArchitecture', constraint: 'Member must satisfy enum value set: [x86_64, arm64]' });
  if (v.length) throw validationError(v);
}

/** A version matches a filter when it declares the runtime and the architecture asked for. */
function matches(v: LayerVersion, f: ListFilter): boolean {
  if (f.runtime && !v.compatibleRuntimes?.includes(f.runtime)) return false;
  if (f.architecture && !v.compatibleArchitectures?.includes(f.architecture)) return false;
  return true;
}

function pageSize(maxItems: string | null): number {
  if (maxItems === null) return PAGE;
  const n = Number(maxItems);
  if (!Number.isInteger(n) || n < 1 || n > PAGE)
    throw validationError([{ value: maxItems, path: 'maxItems', constraint: n < 1 ? 'Member must have value greater than or equal to 1' : `Member must have value less than or equal to ${PAGE}` }]);
  return n;
}

function optionalString(body: Record<string, unknown>, member: string): string | undefined {
  const v = body[member];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new StratusError('InvalidRequestContentException', `Could not parse request body into json: ${member} must be a string`);
  return v;
}

function optionalList(body: Record<string, unknown>, member: string): string[] | undefined {
  const v = body[member];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
    throw new StratusError('InvalidRequestContentException', `Could not parse request body into json: ${member} must be a list of strings`);
  return v as string[];
}

function zipFromContent(content: unknown): Buffer {
  if (!isObject(content)) throw invalidParameter('Content must be an object with ZipFile.');
  if (content.S3Bucket !== undefined || content.S3Key !== undefined)
    throw invalidParameter('Stratus cannot fetch layer content from S3 yet: upload the package as Content.ZipFile (the stratus CLI does this for you).');
  if (typeof content.ZipFile !== 'string' || content.ZipFile === '')
    throw invalidParameter('Please provide a source for the layer content (ZipFile).');
  // The SDK sends blobs base64-encoded inside the JSON body (contract C0).
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(content.ZipFile)) throw invalidParameter('Could not unzip uploaded file. Please check your file, then try to upload again.');
  return Buffer.from(content.ZipFile, 'base64');
}

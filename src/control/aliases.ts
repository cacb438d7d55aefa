/**
 * Aliases: CreateAlias / GetAlias / UpdateAlias / DeleteAlias / ListAliases, with AWS's
 * validations in AWS's order (the model's constraints first, then the service's rules).
 */
import { functionNotFound, invalidParameter, revisionMismatch, StratusError, validationError, type Violation } from '../errors/catalog.js';
import type { Store } from '../store/store.js';
import { uuid } from '../shared/ids.js';
import { isVersionNumber, type FunctionRef, type FunctionService } from './functions.js';
import type { AliasConfig } from './model.js';

const ALIAS_PATTERN = '(?!^[0-9]+$)([a-zA-Z0-9-_]+)';
const ALIAS_RE = new RegExp(`^${ALIAS_PATTERN}$`);
const FUNCTION_VERSION_PATTERN = '(\\$LATEST|[0-9]+)';
const FUNCTION_VERSION_RE = new RegExp(`^${FUNCTION_VERSION_PATTERN}$`);
const WEIGHTS_PATH = 'routingConfig.additionalVersionWeights';

type Routing = AliasConfig['routing'];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Java's rendering of a double in AWS's messages: 2 → "2.0", 0.25 → "0.25". */
const javaDouble = (n: number): string => (Number.isInteger(n) ? n.toFixed(1) : String(n));

export class AliasService {
  /** `onChange` hears of every alias change (provisioned concurrency follows an alias to its version). */
  constructor(private readonly fns: FunctionService, private readonly store: Store, private readonly onChange: (fn: string) => void = () => undefined) {}

  get(ref: FunctionRef, name: string): AliasConfig {
    this.requireFunction(ref);
    const alias = this.fns.alias(ref.name, name);
    if (!alias) throw new StratusError('ResourceNotFoundException', `Cannot find alias arn: ${this.fns.arn(ref.name, name)}`);
    return alias;
  }

  /** Aliases of a function, those whose primary version is `version` when given. */
  list(ref: FunctionRef, version?: string): AliasConfig[] {
    this.requireFunction(ref);
    return this.fns.aliases(ref.name).filter((a) => version === undefined || a.functionVersion === version);
  }

  create(ref: FunctionRef, body: Record<string, unknown>): Promise<AliasConfig> {
    this.requireUnqualified(ref);
    const violations = [...checkName(body.Name), ...checkVersion(body.FunctionVersion, true), ...checkDescription(body.Description)];
    const routing = parseRouting(body.RoutingConfig, violations);
    if (violations.length) throw validationError(violations);
    return this.fns.serial(async () => {
      const name = body.Name as string;
      const version = body.FunctionVersion as string;
      this.requireVersion(ref.name, version);
      if (this.fns.alias(ref.name, name)) throw new StratusError('ResourceConflictException', `Alias already exists: ${this.fns.arn(ref.name, name)}`);
      if (routing) this.checkRouting(ref.name, version, routing);
      const alias: AliasConfig = {
        functionName: ref.name,
        name,
        functionVersion: version,
        description: (body.Description as string | undefined) ?? '',
        routing: routing ?? undefined,
        revisionId: uuid(),
      };
      if (!this.store.createAlias(alias)) throw new StratusError('ResourceConflictException', `Alias already exists: ${this.fns.arn(ref.name, name)}`);
      this.fns.changed(ref.name);
      this.onChange(ref.name);
      return alias;
    });
  }

  update(ref: FunctionRef, name: string, body: Record<string, unknown>): Promise<AliasConfig> {
    this.requireUnqualified(ref);
    const violations = [...checkVersion(body.FunctionVersion, false), ...checkDescription(body.Description)];
    const routing = parseRouting(body.RoutingConfig, violations);
    if (violations.length) throw validationError(violations);
    return this.fns.serial(async () => {
      this.requireFunction(ref);
      const current = this.fns.alias(ref.name, name);
      if (!current) throw new StratusError('ResourceNotFoundException', `Alias not found: ${this.fns.arn(ref.name, name)}`);
      if (typeof body.RevisionId === 'string' && body.RevisionId !== current.revisionId) throw revisionMismatch();
      const version = (body.FunctionVersion as string | undefined) ?? current.functionVersion;
      if (body.FunctionVersion !== undefined) this.requireVersion(ref.name, version);
      // RoutingConfig absent keeps the current one; present but empty removes it.
      const next = routing === undefined ? current.routing : (routing ?? undefined);
      if (next) this.checkRouting(ref.name, version, next);
      const alias: AliasConfig = {
        ...current,
        functionVersion: version,
        description: (body.Description as string | undefined) ?? current.description,
        routing: next,
        revisionId: uuid(),
      };
      this.store.putAlias(alias);
      this.fns.changed(ref.name);
      this.onChange(ref.name);
      return alias;
    });
  }

  /** As on AWS, deleting an alias that does not exist succeeds. */
  delete(ref: FunctionRef, name: string): Promise<void> {
    this.requireUnqualified(ref);
    return this.fns.serial(async () => {
      this.requireFunction(ref);
      this.store.deleteAlias(ref.name, name);
      // Its provisioned concurrency goes with it.
      this.store.deleteProvisioned(ref.name, name);
      this.fns.changed(ref.name);
      this.onChange(ref.name);
    });
  }

  private requireFunction(ref: FunctionRef): void {
    this.fns.get({ name: ref.name });
  }

  private requireUnqualified(ref: FunctionRef): void {
    if (ref.qualifier) throw invalidParameter('Unsupported function name: aliases belong to the function; pass an unqualified name.');
  }

  private requireVersion(fn: string, version: string): void {
    if (!this.fns.version(fn, version)) throw functionNotFound(this.fns.arn(fn, version));
  }

  private checkRouting(fn: string, primary: string, routing: NonNullable<Routing>): void {
    if (routing.version === primary)
      throw invalidParameter(`Invalid function version ${primary}. Function version ${primary} is already included in routing configuration.`);
    if (primary === '$LATEST') throw invalidParameter('$LATEST is not supported for an alias pointing to more than 1 version');
    this.requireVersion(fn, routing.version);
  }
}

function checkName(v: unknown): Violation[] {
  if (typeof v !== 'string' || v === '') return [{ value: null, path: 'name', constraint: 'Member must not be null' }];
  const out: Violation[] = [];
  if (v.length > 128) out.push({ value: v, path: 'name', constraint: 'Member must have length less than or equal to 128' });
  if (!ALIAS_RE.test(v)) out.push({ value: v, path: 'name', constraint: `Member must satisfy regular expression pattern: ${ALIAS_PATTERN}` });
  return out;
}

function checkVersion(v: unknown, required: boolean): Violation[] {
  if (v === undefined || v === null) return required ? [{ value: null, path: 'functionVersion', constraint: 'Member must not be null' }] : [];
  if (typeof v !== 'string' || !FUNCTION_VERSION_RE.test(v))
    return [{ value: v, path: 'functionVersion', constraint: `Member must satisfy regular expression pattern: ${FUNCTION_VERSION_PATTERN}` }];
  return [];
}

function checkDescription(v: unknown): Violation[] {
  if (v === undefined || v === null) return [];
  if (typeof v !== 'string') return [{ value: v, path: 'description', constraint: 'Member must be a string' }];
  return v.length > 256 ? [{ value: v, path: 'description', constraint: 'Member must have length less than or equal to 256' }] : [];
}

/**
 * RoutingConfig → the additional version and its weight; null when given empty (no routing);
 * undefined when absent. Constraint violations are collected for one ValidationException.
 */
function parseRouting(rc: unknown, violations: Violation[]): Routing | null | undefined {
  if (rc === undefined || rc === null) return undefined;
  if (!isObject(rc)) throw invalidParameter('RoutingConfig must be an object with AdditionalVersionWeights.');
  const weights = rc.AdditionalVersionWeights;
  if (weights === undefined || weights === null) return null;
  if (!isObject(weights)) throw invalidParameter('AdditionalVersionWeights must be a map of version to weight.');
  const entries = Object.entries(weights);
  if (entries.length === 0) return null;
  if (entries.length > 1) throw invalidParameter('Number of items in AdditionalVersionWeights cannot be greater than 1');
  const [version, weight] = entries[0]!;
  const shown = `{${version}=${typeof weight === 'number' ? javaDouble(weight) : String(weight)}}`;
  if (typeof weight !== 'number' || !(weight >= 0 && weight <= 1)) {
    violations.push({
      value: shown, path: WEIGHTS_PATH,
      constraint: 'Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]',
    });
  } else if (!isVersionNumber(version) || version.length > 1024) {
    violations.push({
      value: shown, path: WEIGHTS_PATH,
      constraint: 'Map keys must satisfy constraint: [Member must have length less than or equal to 1024, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [0-9]+]',
    });
  }
  return { version, weight: weight as number };
}

/**
 * Event-invoke configs (Put/Update/Get/Delete/ListFunctionEventInvokeConfigs, contract C1/C3/D4):
 * retry attempts, maximum event age and destinations for a function's $LATEST, version or alias.
 */
import type { FunctionService, FunctionRef } from '../control/functions.js';
import {
  destinationConfigInvalid, destinationInvalid, eventConfigFunctionMissing, invalidParameter, noEventInvokeConfig, StratusError, validationError,
  type Violation,
} from '../errors/catalog.js';
import { parseFunctionName, type Account } from '../shared/arn.js';
import type { Clock } from '../shared/clock.js';
import type { AsyncStore, EventInvokeConfig, StoredEventInvokeConfig } from '../store/async-store.js';

/** AWS's defaults when a setting is absent (contract C3, C4). */
export const DEFAULT_MAX_RETRIES = 2;
export const DEFAULT_MAX_EVENT_AGE_S = 21_600;

/** What an event of a function runs with. */
export interface EffectiveConfig {
  maxRetries: number;
  maxEventAgeS: number;
  onSuccess?: string;
  onFailure?: string;
}

// The model's pattern for DestinationArn (≤350 characters), as AWS quotes it now (2025 recording):
// an empty string, a Kafka bootstrap URL (event source mappings only), or an ARN.
const DESTINATION_PATTERN =
  '$|kafka://([^.]([a-zA-Z0-9\\-_.]{0,248}))|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1})?:(\\d{12})?:(.*)';
const DESTINATION_ARN = new RegExp(`^(?:${DESTINATION_PATTERN})$`);

// The services AWS sends an async invocation's record to; S3 takes failure records only (AWS docs,
// "Capturing records of Lambda asynchronous invocations").
const ON_SUCCESS_SERVICES = new Set(['lambda', 'sqs', 'sns', 'events']);
const ON_FAILURE_SERVICES = new Set([...ON_SUCCESS_SERVICES, 's3']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface EventConfigDeps {
  functions: FunctionService;
  store: AsyncStore;
  clock: Clock;
  account: Account;
}

/** A parsed request: the settings, and the DestinationConfig members as given (for AWS's error text). */
interface Parsed {
  config: EventInvokeConfig;
  given: { onSuccess?: { destination?: string }; onFailure?: { destination?: string } };
}

export class EventConfigService {
  constructor(private readonly deps: EventConfigDeps) {}

  /** PutFunctionEventInvokeConfig replaces the config; UpdateFunctionEventInvokeConfig (merge) changes only what it is given. */
  put(ref: FunctionRef, body: Record<string, unknown>, merge: boolean): StoredEventInvokeConfig {
    const parsed = this.parse(body);
    const qualifier = this.existing(ref);
    this.checkDestinations(ref, parsed);
    const given = parsed.config;
    let config: EventInvokeConfig;
    if (merge) {
      const current = this.require(ref.name, qualifier).config;
      config = { ...current, ...definedOnly(given) };
      // An empty Destination clears that destination.
      if (given.onSuccess === '') delete config.onSuccess;
      if (given.onFailure === '') delete config.onFailure;
    } else {
      config = definedOnly(given);
      if (config.onSuccess === '') delete config.onSuccess;
      if (config.onFailure === '') delete config.onFailure;
    }
    const stored = { functionName: ref.name, qualifier, config, lastModified: this.deps.clock.now() };
    this.deps.store.putConfig(stored);
    return stored;
  }

  /** Get looks the config up only: a missing function or alias is a missing config, in AWS's words. */
  get(ref: FunctionRef): StoredEventInvokeConfig {
    return this.require(ref.name, ref.qualifier ?? '$LATEST');
  }

  delete(ref: FunctionRef): void {
    const qualifier = ref.qualifier ?? '$LATEST';
    if (!this.deps.store.deleteConfig(ref.name, qualifier)) throw noEventInvokeConfig(this.qualifiedArn(ref.name, qualifier));
  }

  list(ref: FunctionRef): StoredEventInvokeConfig[] {
    this.existing({ name: ref.name });
    return this.deps.store.listConfigs(ref.name);
  }

  /** The settings an event invoked with `qualifier` runs with (read at every attempt, so changes apply to queued events). */
  effective(name: string, qualifier: string | undefined): EffectiveConfig {
    const c = this.deps.store.getConfig(name, qualifier ?? '$LATEST')?.config ?? {};
    return {
      maxRetries: c.maximumRetryAttempts ?? DEFAULT_MAX_RETRIES,
      maxEventAgeS: c.maximumEventAgeInSeconds ?? DEFAULT_MAX_EVENT_AGE_S,
      onSuccess: c.onSuccess,
      onFailure: c.onFailure,
    };
  }

  /** The qualifier a config belongs to; the function (and version or alias) must exist. */
  private existing(ref: FunctionRef): string {
    if (!this.exists(ref)) throw eventConfigFunctionMissing();
    return ref.qualifier ?? '$LATEST';
  }

  private exists(ref: FunctionRef): boolean {
    try {
      this.deps.functions.get(ref);
      return true;
    } catch (err) {
      if (err instanceof StratusError && err.code === 'ResourceNotFoundException') return false;
      throw err;
    }
  }

  private require(name: string, qualifier: string): StoredEventInvokeConfig {
    const c = this.deps.store.getConfig(name, qualifier);
    if (!c) throw noEventInvokeConfig(this.qualifiedArn(name, qualifier));
    return c;
  }

  private qualifiedArn(name: string, qualifier: string): string {
    return `${this.deps.functions.arn(name)}:${qualifier}`;
  }

  /** Validate a request body (contract C3/D3/D4) into the stored form; '' destinations mean "none". */
  private parse(body: Record<string, unknown>): Parsed {
    const violations: Violation[] = [];
    const int = (key: string, path: string, min: number, max: number): number | undefined => {
      const v = body[key];
      if (v === undefined || v === null) return undefined;
      if (typeof v !== 'number' || !Number.isInteger(v)) throw invalidParameter(`${key} must be an integer.`);
      if (v < min) violations.push({ value: v, path, constraint: `Member must have value greater than or equal to ${min}` });
      else if (v > max) violations.push({ value: v, path, constraint: `Member must have value less than or equal to ${max}` });
      return v;
    };
    const config: EventInvokeConfig = {
      maximumRetryAttempts: int('MaximumRetryAttempts', 'maximumRetryAttempts', 0, 2),
      maximumEventAgeInSeconds: int('MaximumEventAgeInSeconds', 'maximumEventAgeInSeconds', 60, 21_600),
    };
    const given: Parsed['given'] = {};
    const dc = body.DestinationConfig;
    if (dc !== undefined && dc !== null) {
      if (!isObject(dc)) throw invalidParameter('DestinationConfig must be an object.');
      for (const [member, key, path] of [['OnSuccess', 'onSuccess', 'destinationConfig.onSuccess.destination'], ['OnFailure', 'onFailure', 'destinationConfig.onFailure.destination']] as const) {
        const d = dc[member];
        if (d === undefined || d === null) continue;
        if (!isObject(d)) throw invalidParameter(`DestinationConfig.${member} must be an object.`);
        given[key] = {};
        const arn = d.Destination;
        if (arn === undefined || arn === null) continue;
        if (typeof arn !== 'string') throw invalidParameter(`DestinationConfig.${member}.Destination must be a string.`);
        if (arn.length > 350) violations.push({ value: arn, path, constraint: 'Member must have length less than or equal to 350' });
        else if (!DESTINATION_ARN.test(arn)) violations.push({ value: arn, path, constraint: `Member must satisfy regular expression pattern: ${DESTINATION_PATTERN}` });
        config[key] = arn;
        given[key] = { destination: arn };
      }
    }
    if (violations.length) throw validationError(violations);
    // A DestinationConfig counts as a setting even when it names no destination (AWS accepts
    // `{"OnSuccess": {}}` alone, recorded).
    if (config.maximumRetryAttempts === undefined && config.maximumEventAgeInSeconds === undefined && (dc === undefined || dc === null))
      throw invalidParameter('You must specify at least one of error handling or destination setting.');
    return { config, given };
  }

  /**
   * The service's rules for destinations, in AWS's texts: a kind of target async records cannot go
   * to, the function itself, a Lambda function that does not exist.
   */
  private checkDestinations(ref: FunctionRef, parsed: Parsed): void {
    const { onSuccess, onFailure } = parsed.config;
    const unsupported = (arn: string | undefined, services: Set<string>) => !!arn && !services.has(destinationService(arn));
    if (unsupported(onSuccess, ON_SUCCESS_SERVICES) || unsupported(onFailure, ON_FAILURE_SERVICES))
      throw destinationConfigInvalid(javaDestinationConfig(parsed.given));
    const { region, accountId } = this.deps.account;
    for (const arn of [onSuccess, onFailure]) {
      if (!arn || destinationService(arn) !== 'lambda') continue;
      const target = parseFunctionName(arn);
      const mine = !!target && (target.region ?? region) === region && (target.accountId ?? accountId) === accountId;
      if (mine && target.name === ref.name) throw invalidParameter("You can't specify the function as a destination for itself.");
      if (!mine || !this.exists({ name: target.name, qualifier: target.qualifier })) throw destinationInvalid(arn);
    }
  }
}

/** The service an ARN names (`arn:aws:<service>:…`); '' for anything else (a `kafka://` URL). */
const destinationService = (arn: string): string => (arn.startsWith('arn:') ? (arn.split(':')[2] ?? '') : '');

/** The DestinationConfig as AWS's Java service prints it in its error text. */
function javaDestinationConfig(g: Parsed['given']): string {
  const member = (name: string, d: { destination?: string } | undefined) => (d ? `${name}(destination=${d.destination ?? 'null'})` : 'null');
  return `DestinationConfig(onSuccess=${member('OnSuccess', g.onSuccess)}, onFailure=${member('OnFailure', g.onFailure)})`;
}

/** The wire shape (FunctionEventInvokeConfig): LastModified in epoch seconds (a number, contract C0), FunctionArn qualified. */
export function eventInvokeConfigShape(functionArn: string, c: StoredEventInvokeConfig): Record<string, unknown> {
  const out: Record<string, unknown> = { LastModified: c.lastModified / 1000, FunctionArn: `${functionArn}:${c.qualifier}` };
  if (c.config.maximumRetryAttempts !== undefined) out.MaximumRetryAttempts = c.config.maximumRetryAttempts;
  if (c.config.maximumEventAgeInSeconds !== undefined) out.MaximumEventAgeInSeconds = c.config.maximumEventAgeInSeconds;
  out.DestinationConfig = {
    OnSuccess: c.config.onSuccess ? { Destination: c.config.onSuccess } : {},
    OnFailure: c.config.onFailure ? { Destination: c.config.onFailure } : {},
  };
  return out;
}

function definedOnly<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Event-invoke configs (Put/Update/Get/Delete/ListFunctionEventInvokeConfigs, contract C1/C3/D4):
 * retry attempts, maximum event age and destinations for a function's $LATEST, version or alias.
 */
import type { FunctionService, FunctionRef } from '../control/functions.js';
import { invalidParameter, StratusError, validationError, type Violation } from '../errors/catalog.js';
import { parseFunctionName, type Account } from '../shared/arn.js';
import type { Clock } from '../shared/clock.js';
import type { AsyncStore, EventInvokeConfig, StoredEventInvokeConfig } from '../store/async-store.js';
import { arnService } from './destinations.js';

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

// The model's pattern for DestinationArn (≤350 characters).
const DESTINATION_ARN = /^$|^arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9-])+:([a-z]{2}(-gov)?-[a-z]+-\d{1})?:(\d{12})?:(.*)$/;
const DESTINATION_PATTERN = '^$|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:([a-z]{2}(-gov)?-[a-z]+-\\d{1})?:(\\d{12})?:(.*)';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface EventConfigDeps {
  functions: FunctionService;
  store: AsyncStore;
  clock: Clock;
  account: Account;
}

export class EventConfigService {
  constructor(private readonly deps: EventConfigDeps) {}

  /** PutFunctionEventInvokeConfig replaces the config; UpdateFunctionEventInvokeConfig (merge) changes only what it is given. */
  put(ref: FunctionRef, body: Record<string, unknown>, merge: boolean): StoredEventInvokeConfig {
    const given = this.parse(ref, body);
    const qualifier = this.target(ref);
    let config = given;
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

  get(ref: FunctionRef): StoredEventInvokeConfig {
    return this.require(ref.name, this.target(ref));
  }

  delete(ref: FunctionRef): void {
    const qualifier = this.target(ref);
    if (!this.deps.store.deleteConfig(ref.name, qualifier)) throw this.missing(ref.name, qualifier);
  }

  list(ref: FunctionRef): StoredEventInvokeConfig[] {
    this.deps.functions.get({ name: ref.name });
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
  private target(ref: FunctionRef): string {
    this.deps.functions.get(ref);
    return ref.qualifier ?? '$LATEST';
  }

  private require(name: string, qualifier: string): StoredEventInvokeConfig {
    const c = this.deps.store.getConfig(name, qualifier);
    if (!c) throw this.missing(name, qualifier);
    return c;
  }

  private missing(name: string, qualifier: string): StratusError {
    return new StratusError('ResourceNotFoundException', `The function ${this.deps.functions.arn(name)}:${qualifier} doesn't have an EventInvokeConfig`);
  }

  /** Validate a request body (contract C3/D3/D4) into the stored form; '' destinations mean "none". */
  private parse(ref: FunctionRef, body: Record<string, unknown>): EventInvokeConfig {
    const violations: Violation[] = [];
    const int = (key: string, path: string, min: number, max: number): number | undefined => {
      const v = body[key];
      if (v === undefined || v === null) return undefined;
      if (typeof v !== 'number' || !Number.isInteger(v)) throw invalidParameter(`${key} must be an integer.`);
      if (v < min) violations.push({ value: v, path, constraint: `Member must have value greater than or equal to ${min}` });
      else if (v > max) violations.push({ value: v, path, constraint: `Member must have value less than or equal to ${max}` });
      return v;
    };
    const out: EventInvokeConfig = {
      maximumRetryAttempts: int('MaximumRetryAttempts', 'maximumRetryAttempts', 0, 2),
      maximumEventAgeInSeconds: int('MaximumEventAgeInSeconds', 'maximumEventAgeInSeconds', 60, 21_600),
    };
    const dc = body.DestinationConfig;
    if (dc !== undefined && dc !== null) {
      if (!isObject(dc)) throw invalidParameter('DestinationConfig must be an object.');
      for (const [member, key, path] of [['OnSuccess', 'onSuccess', 'destinationConfig.onSuccess.destination'], ['OnFailure', 'onFailure', 'destinationConfig.onFailure.destination']] as const) {
        const d = dc[member];
        if (d === undefined || d === null) continue;
        if (!isObject(d)) throw invalidParameter(`DestinationConfig.${member} must be an object.`);
        const arn = d.Destination;
        if (arn === undefined || arn === null) continue;
        if (typeof arn !== 'string') throw invalidParameter(`DestinationConfig.${member}.Destination must be a string.`);
        if (arn.length > 350) violations.push({ value: arn, path, constraint: 'Member must have length less than or equal to 350' });
        else if (!DESTINATION_ARN.test(arn)) violations.push({ value: arn, path, constraint: `Member must satisfy regular expression pattern: ${DESTINATION_PATTERN}` });
        out[key] = arn;
      }
    }
    if (violations.length) throw validationError(violations);
    if (out.maximumRetryAttempts === undefined && out.maximumEventAgeInSeconds === undefined && out.onSuccess === undefined && out.onFailure === undefined)
      throw invalidParameter('You must specify at least one of error handling or destination setting.');
    for (const arn of [out.onSuccess, out.onFailure]) {
      if (!arn || arnService(arn) !== 'lambda') continue;
      const target = parseFunctionName(arn);
      const { region, accountId } = this.deps.account;
      if (target && target.name === ref.name && (target.region ?? region) === region && (target.accountId ?? accountId) === accountId)
        throw invalidParameter("You can't specify the function as a destination for itself.");
    }
    return out;
  }
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

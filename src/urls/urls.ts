/** Function URL configs: Create/Get/Update/Delete/List on $LATEST or an alias (contract C1, D4). */
import { randomBytes } from 'node:crypto';
import { resourceMissing, StratusError, urlConfigExists, urlFunctionMissing } from '../errors/catalog.js';
import type { FunctionRef, FunctionService } from '../control/functions.js';
import { PLAIN } from '../control/names.js';
import type { Clock } from '../shared/clock.js';
import type { UrlStore } from '../store/url-store.js';
import type { UrlConfig } from './model.js';
import { checkUrlQualifier, parseUrlInput } from './validate.js';

export interface UrlServiceDeps {
  functions: FunctionService;
  store: UrlStore;
  clock: Clock;
}

// Lower-case base32: 32 symbols, so `byte % 32` is unbiased.
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/** A new URL id: 32 random lower-case characters, like AWS's `<url-id>`. */
export const newUrlId = (): string => Array.from(randomBytes(32), (b) => ALPHABET[b % 32]).join('');

export class UrlService {
  constructor(private readonly deps: UrlServiceDeps) {}

  /** Resolve the FunctionName label and `?Qualifier` as the URL operations accept them (an alias at most). */
  ref(label: string, queryQualifier: string | null): FunctionRef {
    checkUrlQualifier(queryQualifier ?? undefined);
    const ref = this.deps.functions.resolveRef(label, queryQualifier, PLAIN);
    checkUrlQualifier(ref.qualifier);
    return ref;
  }

  /** The function (and alias) must exist; Create/Update/List say so in AWS's words. */
  private mustExist(ref: FunctionRef, missing: () => StratusError): void {
    try {
      this.deps.functions.get(ref);
    } catch (err) {
      if (err instanceof StratusError && err.code === 'ResourceNotFoundException') throw missing();
      throw err;
    }
  }

  create(ref: FunctionRef, body: Record<string, unknown>): UrlConfig {
    const input = parseUrlInput(body, true);
    this.mustExist(ref, urlFunctionMissing);
    const now = this.deps.clock.now();
    const config: UrlConfig = {
      functionName: ref.name,
      qualifier: ref.qualifier ?? '',
      urlId: newUrlId(),
      authType: input.authType!,
      invokeMode: input.invokeMode ?? 'BUFFERED',
      creationTime: now,
      lastModifiedTime: now,
    };
    if (input.cors) config.cors = input.cors;
    if (!this.deps.store.create(config)) throw urlConfigExists(this.deps.functions.arn(ref.name, ref.qualifier));
    return config;
  }

  get(ref: FunctionRef): UrlConfig {
    this.mustExist(ref, resourceMissing);
    const c = this.deps.store.get(ref.name, ref.qualifier ?? '');
    if (!c) throw resourceMissing();
    return c;
  }

  update(ref: FunctionRef, body: Record<string, unknown>): UrlConfig {
    const input = parseUrlInput(body, false);
    this.mustExist(ref, urlFunctionMissing);
    const current = this.deps.store.get(ref.name, ref.qualifier ?? '');
    if (!current) throw resourceMissing();
    const next: UrlConfig = {
      ...current,
      authType: input.authType ?? current.authType,
      invokeMode: input.invokeMode ?? current.invokeMode,
      lastModifiedTime: this.deps.clock.now(),
    };
    // Cors given replaces the whole configuration, as on AWS; absent keeps it.
    if (body.Cors !== undefined) {
      if (input.cors) next.cors = input.cors;
      else delete next.cors;
    }
    this.deps.store.put(next);
    return next;
  }

  delete(ref: FunctionRef): void {
    this.mustExist(ref, resourceMissing);
    if (!this.deps.store.delete(ref.name, ref.qualifier ?? '')) throw resourceMissing();
  }

  list(ref: FunctionRef): UrlConfig[] {
    if (ref.qualifier) throw new StratusError('InvalidParameterValueException', 'ListFunctionUrlConfigs takes an unqualified function name.');
    this.mustExist(ref, urlFunctionMissing);
    return this.deps.store.list(ref.name);
  }

  /** The config a request to `<id>.lambda-url…` is for, if any. */
  byId(urlId: string): UrlConfig | undefined {
    return this.deps.store.byId(urlId);
  }
}

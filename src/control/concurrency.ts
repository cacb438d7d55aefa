/**
 * Concurrency settings: reserved concurrency per function (Put/Get/DeleteFunctionConcurrency) and
 * provisioned concurrency per version or alias (Put/Get/Delete/ListProvisionedConcurrencyConfigs),
 * with AWS's validations. What they do at invoke time lives in src/invoke/limiter.ts and
 * src/environments/provisioned.ts.
 */
import { functionNotFound, invalidParameter, StratusError, validationError } from '../errors/catalog.js';
import type { Clock } from '../shared/clock.js';
import type { Store } from '../store/store.js';
import { isVersionNumber, type FunctionRef, type FunctionService } from './functions.js';
import type { ProvisionedConfig } from './model.js';

/**
 * AWS keeps this many executions unreserved, or the whole account limit when that is lower:
 * accounts with a limit of 10 or 50 are refused with "…below its minimum value of [10]" / "[50]"
 * (as AWS answers them; reported in many public issues), so only 0 can be reserved there.
 */
export const MIN_UNRESERVED = 100;

export interface ConcurrencyDeps {
  fns: FunctionService;
  store: Store;
  clock: Clock;
  accountLimit: number;
  /** Told when provisioned concurrency of a function changed, to (un)provision environments. */
  onProvisionedChange: (name: string) => void;
}

const UNPUBLISHED = 'Provisioned Concurrency Configs cannot be applied to unpublished function versions.';
const notFound = () => new StratusError('ProvisionedConcurrencyConfigNotFoundException', 'No Provisioned Concurrency Config found for this function');

export class ConcurrencyService {
  /** Sum of all reserved concurrency, kept so the invoke path never sums it. */
  private reservedTotal: number;

  constructor(private readonly deps: ConcurrencyDeps) {
    this.reservedTotal = deps.store.totalReserved();
  }

  /** Executions not set aside for any function: what functions without a reservation share. */
  unreserved(): number {
    return this.deps.accountLimit - this.reservedTotal;
  }

  get accountLimit(): number {
    return this.deps.accountLimit;
  }

  /** Executions that must stay unreserved (AWS's minimum, named in its refusals). */
  get minUnreserved(): number {
    return Math.min(MIN_UNRESERVED, this.deps.accountLimit);
  }

  getReserved(ref: FunctionRef): number | undefined {
    this.unqualified(ref);
    return this.deps.fns.get(ref).reservedConcurrency;
  }

  putReserved(ref: FunctionRef, body: Record<string, unknown>): Promise<number> {
    this.unqualified(ref);
    const n = body.ReservedConcurrentExecutions;
    if (n === undefined || n === null) throw validationError([{ value: null, path: 'reservedConcurrentExecutions', constraint: 'Member must not be null' }]);
    if (typeof n !== 'number' || !Number.isInteger(n)) throw invalidParameter('ReservedConcurrentExecutions must be an integer.');
    if (n < 0) throw validationError([{ value: n, path: 'reservedConcurrentExecutions', constraint: 'Member must have value greater than or equal to 0' }]);
    return this.deps.fns.serial(async () => {
      // AWS names $LATEST when the function is missing, here only (recorded; Get/Delete do not).
      this.deps.fns.get({ name: ref.name, qualifier: '$LATEST' });
      const others = this.deps.store.totalReserved(ref.name);
      if (this.deps.accountLimit - others - n < this.minUnreserved)
        throw invalidParameter(`Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [${this.minUnreserved}].`);
      const provisioned = this.deps.store.listProvisioned(ref.name).reduce((sum, p) => sum + p.requested, 0);
      if (n < provisioned)
        throw new StratusError('ResourceConflictException', `Reserved concurrency ${n} is below the ${provisioned} provisioned environments of this function: lower or delete its provisioned concurrency first.`);
      this.deps.store.setReservedConcurrency(ref.name, n);
      this.reservedTotal = others + n;
      this.deps.fns.changed(ref.name);
      return n;
    });
  }

  deleteReserved(ref: FunctionRef): Promise<void> {
    this.unqualified(ref);
    return this.deps.fns.serial(async () => {
      this.deps.fns.get(ref);
      this.deps.store.setReservedConcurrency(ref.name, undefined);
      this.reservedTotal = this.deps.store.totalReserved();
      this.deps.fns.changed(ref.name);
    });
  }

  /** A deleted function's reservation is released. */
  forget(): void {
    this.reservedTotal = this.deps.store.totalReserved();
  }

  getProvisioned(ref: FunctionRef): ProvisionedConfig {
    const q = this.provisionedQualifier(ref, 'read');
    const found = this.provisioned(ref.name, q);
    if (!found) throw notFound();
    return found;
  }

  listProvisioned(ref: FunctionRef): ProvisionedConfig[] {
    this.deps.fns.get({ name: ref.name });
    return this.deps.store.listProvisioned(ref.name);
  }

  putProvisioned(ref: FunctionRef, body: Record<string, unknown>): Promise<ProvisionedConfig> {
    const n = body.ProvisionedConcurrentExecutions;
    if (n === undefined || n === null) throw validationError([{ value: null, path: 'provisionedConcurrentExecutions', constraint: 'Member must not be null' }]);
    if (typeof n !== 'number' || !Number.isInteger(n)) throw invalidParameter('ProvisionedConcurrentExecutions must be an integer.');
    if (n < 1) throw validationError([{ value: n, path: 'provisionedConcurrentExecutions', constraint: 'Member must have value greater than or equal to 1' }]);
    return this.deps.fns.serial(async () => {
      const q = this.provisionedQualifier(ref, 'put');
      this.checkOverlap(ref.name, q);
      const fn = this.deps.fns.get({ name: ref.name });
      const others = this.deps.store.listProvisioned(ref.name).filter((p) => p.qualifier !== q).reduce((sum, p) => sum + p.requested, 0);
      if (fn.reservedConcurrency !== undefined) {
        if (n + others > fn.reservedConcurrency)
          throw invalidParameter('Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function');
      } else {
        // Without a reservation it comes out of the account's unreserved pool (recorded in
        // test_provisioned_concurrency_limits: above the pool, then into its minimum).
        const pool = this.unreserved();
        if (n + others > pool)
          throw invalidParameter(`Specified ConcurrentExecutions for function is greater than account's unreserved concurrency [${pool}].`);
        if (pool - (n + others) < this.minUnreserved)
          throw invalidParameter(`Specified ConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [${this.minUnreserved}].`);
      }
      const config: ProvisionedConfig = { functionName: ref.name, qualifier: q, requested: n, lastModified: this.deps.clock.now() };
      this.deps.store.putProvisioned(config);
      this.deps.onProvisionedChange(ref.name);
      return config;
    });
  }

  /** As on AWS, deleting a configuration that is not there (of a version or alias that is) succeeds. */
  deleteProvisioned(ref: FunctionRef): Promise<void> {
    return this.deps.fns.serial(async () => {
      const q = this.provisionedQualifier(ref, 'read');
      if (!this.provisioned(ref.name, q)) return;
      this.deps.store.deleteProvisioned(ref.name, q);
      this.deps.onProvisionedChange(ref.name);
    });
  }

  private provisioned(name: string, qualifier: string): ProvisionedConfig | undefined {
    return this.deps.store.listProvisioned(name).find((p) => p.qualifier === qualifier);
  }

  /**
   * The qualifier a provisioned configuration applies to: a published version or an alias, never
   * $LATEST. A missing function is reported as its missing version or alias, qualified (recorded in
   * test_provisioned_concurrency_exceptions).
   */
  private provisionedQualifier(ref: FunctionRef, op: 'put' | 'read'): string {
    const q = ref.qualifier;
    if (q === undefined) throw validationError([{ value: null, path: 'qualifier', constraint: 'Member must not be null' }]);
    if (q === '$LATEST')
      throw invalidParameter(op === 'put' ? UNPUBLISHED : 'The function resource provided must be an alias or a published version.');
    if (isVersionNumber(q)) {
      if (!this.deps.fns.version(ref.name, q)) throw functionNotFound(this.deps.fns.arn(ref.name, q));
    } else {
      const alias = this.deps.fns.alias(ref.name, q);
      if (!alias) throw new StratusError('ResourceNotFoundException', `Cannot find alias arn: ${this.deps.fns.arn(ref.name, q)}`);
      if (op === 'put' && alias.functionVersion === '$LATEST') throw invalidParameter(UNPUBLISHED);
    }
    return q;
  }

  /** A version and an alias pointing at it cannot both have provisioned concurrency (AWS's 409s, recorded). */
  private checkOverlap(name: string, q: string): void {
    if (isVersionNumber(q)) {
      const aliases = this.deps.store.listAliases(name).filter((a) => a.functionVersion === q);
      if (aliases.some((a) => this.provisioned(name, a.name)))
        throw new StratusError('ResourceConflictException', 'Version is pointed by a Provisioned Concurrency alias');
    } else {
      const version = this.deps.fns.alias(name, q)!.functionVersion;
      if (this.provisioned(name, version))
        throw new StratusError('ResourceConflictException', "Alias can't be used for Provisioned Concurrency configuration on an already Provisioned version");
    }
  }

  private unqualified(ref: FunctionRef): void {
    if (ref.qualifier)
      throw invalidParameter('This operation is permitted on Lambda functions only. Aliases and versions do not support this operation. Please specify either a function name or an unqualified function ARN.');
  }
}

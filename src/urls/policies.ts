/**
 * Resource-based policies: AddPermission / GetPolicy / RemovePermission, stored per function and
 * qualifier and returned in AWS's statement shape (contract C1, D4), and the check a public
 * (AuthType NONE) function URL needs.
 */
import {
  invalidParameter, noPolicy, policyRevisionMismatch, resourceMissing, statementExists, statementMissing, StratusError,
  validationError, type Violation,
} from '../errors/catalog.js';
import type { FunctionRef, FunctionService } from '../control/functions.js';
import { NAMESPACED } from '../control/names.js';
import { uuid } from '../shared/ids.js';
import type { PolicyStore } from '../store/url-store.js';
import type { PolicyStatement, StoredPolicy } from './model.js';

/** Lambda's resource policy limit (contract E). */
const POLICY_LIMIT = 20_480;

// AddPermission's pattern; RemovePermission takes dots too (namespaced ids AWS services add).
const SID_PATTERN = '([a-zA-Z0-9-_]+)';
const ALIAS_RE = /^(?!\d+$)[a-zA-Z0-9-_]+$/;
const ACTION_PATTERN = '(lambda:[*]|lambda:[a-zA-Z]+|[*])';
const PRINCIPAL_PATTERN = '[^\\s]+';
const SOURCE_ARN_PATTERN = 'arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:([a-z]{2}(-gov)?-[a-z]+-\\d{1})?:(\\d{12})?:(.*)';
const ACCOUNT_PATTERN = '^\\d{12}$';
const ORG_PATTERN = '^o-[a-z0-9]{10,32}$';

// Principals AWS accepts: everyone, an account id, an IAM ARN, or a service principal.
const ACCOUNT_RE = /^\d{12}$/;
const IAM_ARN_RE = /^arn:aws[a-zA-Z-]*:iam::(\d{12}|\*):(root|user\/.+|role\/.+|assumed-role\/.+|federated-user\/.+)$/;
const SERVICE_RE = /^[a-z0-9][a-z0-9.-]*\.(amazonaws\.com|amazon\.com|amazonaws\.com\.cn|aws\.internal)$/;

const isString = (v: unknown): v is string => typeof v === 'string';

export class PolicyService {
  private readonly publicVerdicts = new WeakMap<StoredPolicy, boolean>();

  constructor(private readonly deps: { functions: FunctionService; store: PolicyStore }) {}

  /** The policy operations take a NamespacedFunctionName and its Qualifier (checked there, control/names.ts). */
  ref(label: string, queryQualifier: string | null): FunctionRef {
    return this.deps.functions.resolveRef(label, queryQualifier, NAMESPACED);
  }

  /** AddPermission: returns the new statement. */
  add(ref: FunctionRef, body: Record<string, unknown>): PolicyStatement {
    const v: Violation[] = [];
    const str = (key: string, path: string, pattern?: string, max?: number, required = false): string | undefined => {
      const val = body[key];
      if (val === undefined || val === null) {
        if (required) v.push({ value: null, path, constraint: 'Member must not be null' });
        return undefined;
      }
      if (!isString(val)) {
        v.push({ value: val, path, constraint: 'Member must be a string' });
        return undefined;
      }
      if (max !== undefined && val.length > max) v.push({ value: val, path, constraint: `Member must have length less than or equal to ${max}` });
      if (pattern && !new RegExp(pattern.startsWith('^') ? pattern : `^${pattern}$`).test(val))
        v.push({ value: val, path, constraint: `Member must satisfy regular expression pattern: ${pattern}` });
      return val;
    };
    const sid = str('StatementId', 'statementId', SID_PATTERN, 100, true);
    const action = str('Action', 'action', ACTION_PATTERN, undefined, true);
    const principal = str('Principal', 'principal', PRINCIPAL_PATTERN, undefined, true);
    const sourceArn = str('SourceArn', 'sourceArn', SOURCE_ARN_PATTERN);
    const sourceAccount = str('SourceAccount', 'sourceAccount', ACCOUNT_PATTERN, 12);
    const token = str('EventSourceToken', 'eventSourceToken', '^[a-zA-Z0-9._\\-]+$', 256);
    const orgId = str('PrincipalOrgID', 'principalOrgID', ORG_PATTERN, 34);
    const urlAuth = str('FunctionUrlAuthType', 'functionUrlAuthType');
    if (urlAuth !== undefined && urlAuth !== 'NONE' && urlAuth !== 'AWS_IAM')
      v.push({ value: urlAuth, path: 'functionUrlAuthType', constraint: 'Member must satisfy enum value set: [AWS_IAM, NONE]' });
    const viaUrl = body.InvokedViaFunctionUrl;
    if (viaUrl !== undefined && viaUrl !== null && typeof viaUrl !== 'boolean')
      v.push({ value: viaUrl, path: 'invokedViaFunctionUrl', constraint: 'Member must be a boolean' });
    const revisionId = str('RevisionId', 'revisionId');
    if (v.length) throw validationError(v);
    // Each URL condition belongs to one action (AWS refuses the others outright; the first text is
    // AWS's, the second follows it).
    if (urlAuth !== undefined && action !== 'lambda:InvokeFunctionUrl')
      throw invalidParameter('FunctionUrlAuthType is only supported for lambda:InvokeFunctionUrl action');
    if (viaUrl === true && action !== 'lambda:InvokeFunction')
      throw invalidParameter('InvokedViaFunctionUrl is only supported for lambda:InvokeFunction action');

    if (ref.qualifier === '$LATEST') throw invalidParameter('We currently do not support adding policies for $LATEST.');
    this.mustExist(ref);
    const statement: PolicyStatement = {
      Sid: sid!,
      Effect: 'Allow',
      Principal: principalOf(principal!),
      Action: action!,
      Resource: this.deps.functions.arn(ref.name, ref.qualifier),
    };
    const equals: Record<string, string> = {};
    if (sourceAccount) equals['AWS:SourceAccount'] = sourceAccount;
    if (orgId) equals['aws:PrincipalOrgID'] = orgId;
    if (token) equals['lambda:EventSourceToken'] = token;
    if (urlAuth) equals['lambda:FunctionUrlAuthType'] = urlAuth;
    const condition: Record<string, Record<string, string>> = {};
    if (Object.keys(equals).length) condition.StringEquals = equals;
    if (sourceArn) condition.ArnLike = { 'AWS:SourceArn': sourceArn };
    if (viaUrl === true) condition.Bool = { 'lambda:InvokedViaFunctionUrl': 'true' };
    if (Object.keys(condition).length) statement.Condition = condition;

    const current = this.stored(ref);
    if (revisionId !== undefined && current && revisionId !== current.revisionId) throw policyRevisionMismatch();
    if (revisionId !== undefined && !current) throw policyRevisionMismatch();
    if (current?.statements.some((s) => s.Sid === sid)) throw statementExists(sid!);
    const next: StoredPolicy = { revisionId: uuid(), statements: [...(current?.statements ?? []), statement] };
    const size = Buffer.byteLength(policyDocument(next.statements));
    if (size > POLICY_LIMIT)
      throw new StratusError('PolicyLengthExceededException', `The final policy size (${size}) is bigger than the limit (${POLICY_LIMIT}).`);
    this.deps.store.put(ref.name, ref.qualifier ?? '', next);
    return statement;
  }

  /** GetPolicy: the policy document and its revision. */
  get(ref: FunctionRef): { policy: string; revisionId: string } {
    try {
      this.deps.functions.get(ref);
    } catch (err) {
      if (err instanceof StratusError && err.code === 'ResourceNotFoundException') throw resourceMissing();
      throw err;
    }
    const p = this.stored(ref);
    if (!p) throw resourceMissing();
    return { policy: policyDocument(p.statements), revisionId: p.revisionId };
  }

  remove(ref: FunctionRef, sid: string, revisionId: string | null): void {
    if (!this.functionExists(ref.name))
      throw new StratusError('ResourceNotFoundException', `No policy found for: ${this.deps.functions.arn(ref.name, ref.qualifier)}`);
    this.mustExist(ref);
    const p = this.stored(ref);
    if (!p) throw noPolicy();
    if (revisionId && revisionId !== p.revisionId) throw policyRevisionMismatch();
    if (!p.statements.some((s) => s.Sid === sid)) throw statementMissing(sid);
    this.deps.store.put(ref.name, ref.qualifier ?? '', { revisionId: uuid(), statements: p.statements.filter((s) => s.Sid !== sid) });
  }

  /** Whether the policy of `name[:qualifier]` lets anyone invoke its function URL (`opensUrl`). */
  allowsPublicUrl(name: string, qualifier: string): boolean {
    const p = this.deps.store.get(name, qualifier);
    if (!p) return false;
    // Asked on every request; a stored policy is never changed in place (a change stores a new one).
    let verdict = this.publicVerdicts.get(p);
    if (verdict === undefined) this.publicVerdicts.set(p, (verdict = opensUrl(p)));
    return verdict;
  }

  /** The function, version or alias must exist; a missing alias of an existing function has its own text (contract D4). */
  private mustExist(ref: FunctionRef): void {
    try {
      this.deps.functions.get(ref);
    } catch (err) {
      const q = ref.qualifier;
      if (err instanceof StratusError && err.code === 'ResourceNotFoundException' && q && ALIAS_RE.test(q) && this.functionExists(ref.name))
        throw new StratusError('ResourceNotFoundException', `Cannot find alias arn: ${this.deps.functions.arn(ref.name, q)}`);
      throw err;
    }
  }

  private functionExists(name: string): boolean {
    try {
      this.deps.functions.get({ name });
      return true;
    } catch {
      return false;
    }
  }

  private stored(ref: FunctionRef): StoredPolicy | undefined {
    return this.deps.store.get(ref.name, ref.qualifier ?? '');
  }
}

/**
 * Whether a policy opens a function URL to everyone: since October 2025 AWS wants two grants to
 * Principal `*`, lambda:InvokeFunctionUrl (conditioned at most on FunctionUrlAuthType NONE) and
 * lambda:InvokeFunction (conditioned at most on InvokedViaFunctionUrl); `lambda:*` or `*` grants
 * both. Any other condition names a caller a URL request cannot be.
 */
function opensUrl(p: StoredPolicy): boolean {
  const grants = (action: string, allowed: [op: string, key: string, value: string]) =>
    p.statements.some((s) => {
      const everyone = s.Principal === '*' || (typeof s.Principal === 'object' && 'AWS' in s.Principal && s.Principal.AWS === '*');
      if (!everyone || !(s.Action === action || s.Action === 'lambda:*' || s.Action === '*')) return false;
      for (const [op, keys] of Object.entries(s.Condition ?? {})) {
        for (const [key, value] of Object.entries(keys)) if (op !== allowed[0] || key !== allowed[1] || value !== allowed[2]) return false;
      }
      return true;
    });
  return grants('lambda:InvokeFunctionUrl', ['StringEquals', 'lambda:FunctionUrlAuthType', 'NONE'])
    && grants('lambda:InvokeFunction', ['Bool', 'lambda:InvokedViaFunctionUrl', 'true']);
}

/** The policy document GetPolicy returns, as a JSON string. */
export function policyDocument(statements: PolicyStatement[]): string {
  return JSON.stringify({ Version: '2012-10-17', Id: 'default', Statement: statements });
}

function principalOf(p: string): PolicyStatement['Principal'] {
  if (p === '*') return '*';
  if (ACCOUNT_RE.test(p)) return { AWS: `arn:aws:iam::${p}:root` };
  if (IAM_ARN_RE.test(p)) return { AWS: p };
  if (SERVICE_RE.test(p)) return { Service: p };
  throw invalidParameter('The provided principal was invalid. Please check the principal and try again.');
}

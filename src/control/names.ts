/**
 * The FunctionName and Qualifier forms of the Lambda model (and a few other shapes AWS quotes),
 * with the patterns AWS quotes when it refuses one. Which form an operation takes is the model's choice: Create, the updates,
 * concurrency, aliases and URLs take `FunctionName`; Get, Delete, Invoke, policies and
 * event-invoke configs take `NamespacedFunctionName` (dots in the name, `$LATEST.PUBLISHED`).
 */
import type { Violation } from '../errors/catalog.js';

/** A string member of the model: the pattern AWS quotes and its maximum length. */
export interface StringShape {
  pattern: string;
  max: number;
  re: RegExp;
}

// Java's String.matches() anchors the whole value; the recorded texts quote the bare pattern.
const shape = (pattern: string, max: number): StringShape => ({ pattern, max, re: new RegExp(`^(?:${pattern})$`) });

// The region part as AWS quotes it now (2025 recordings): `eusc-` and `-iso*` partitions included.
const REGION = '((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?';

/** FunctionName: at most 140 characters. */
export const FUNCTION_NAME = shape(
  `(arn:(aws[a-zA-Z-]*)?:lambda:)?${REGION}(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?`,
  140,
);

/** NamespacedFunctionName: at most 256 characters. */
export const NAMESPACED_FUNCTION_NAME = shape(
  `(arn:(aws[a-zA-Z-]*)?:lambda:)?${REGION}(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST(\\.PUBLISHED)?|[a-zA-Z0-9-_]+))?`,
  256,
);

/** NumericLatestPublishedOrAliasQualifier: the `Qualifier` of Get, Delete, Invoke, AddPermission, event-invoke configs. */
export const QUALIFIER = shape('\\$(LATEST(\\.PUBLISHED)?)|[a-zA-Z0-9-_$]+', 128);

/** Qualifier: the provisioned-concurrency operations'. */
export const PROVISIONED_QUALIFIER = shape('(|[a-zA-Z0-9$_-]+)', 128);

/** TaggableResource: what Tag/Untag/ListTags take (recorded in test_tag_exceptions). */
export const TAGGABLE_RESOURCE = shape(
  'arn:(aws[a-zA-Z-]*):lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:(function:[a-zA-Z0-9-_]+(:(\\$LATEST|[a-zA-Z0-9-_]+))?|layer:([a-zA-Z0-9-_]+)|code-signing-config:csc-[a-z0-9]{17}|event-source-mapping:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|capacity-provider:[a-zA-Z0-9-_]+)',
  256,
);

/** How AWS quotes the constraints of an Architectures list's member (recorded: the enum, then "not null"). */
export const ARCHITECTURE_MEMBERS = 'Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64], Member must not be null]';

/** The forms one operation takes its FunctionName and `?Qualifier` in. */
export interface RefForm {
  name: StringShape;
  qualifier: StringShape;
}

export const NAMESPACED: RefForm = { name: NAMESPACED_FUNCTION_NAME, qualifier: QUALIFIER };
export const PLAIN: RefForm = { name: FUNCTION_NAME, qualifier: PROVISIONED_QUALIFIER };

/** The model's constraints a string member breaks, in AWS's order (length, then pattern). */
export function shapeViolations(value: string, s: StringShape, path: string): Violation[] {
  const out: Violation[] = [];
  if (value.length > s.max) out.push({ value, path, constraint: `Member must have length less than or equal to ${s.max}` });
  if (!s.re.test(value)) out.push({ value, path, constraint: `Member must satisfy regular expression pattern: ${s.pattern}` });
  return out;
}

/** ARNs and the function-name forms the Lambda API accepts (name, partial ARN, full ARN, each with an optional qualifier). */

export interface Account {
  region: string;
  accountId: string;
}

export const functionArn = (a: Account, name: string, qualifier?: string): string =>
  `arn:aws:lambda:${a.region}:${a.accountId}:function:${name}${qualifier ? `:${qualifier}` : ''}`;

export interface ParsedFunctionName {
  name: string;
  qualifier?: string;
  region?: string;
  accountId?: string;
}

// The model's NamespacedFunctionName pattern (name | partial ARN | full ARN, optional qualifier),
// which admits everything its FunctionName pattern does (control/names.ts quotes both).
const FUNCTION_REF =
  /^(?:arn:(?:aws[a-zA-Z-]*)?:lambda:)?(?:((?:eusc-)?[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d{1}):)?(?:(\d{12}):)?(?:function:)?([a-zA-Z0-9-_.]+)(?::(\$LATEST(?:\.PUBLISHED)?|[a-zA-Z0-9-_]+))?$/;

/** Split a FunctionName path label into its parts; undefined when it matches no accepted form. */
export function parseFunctionName(ref: string): ParsedFunctionName | undefined {
  const m = FUNCTION_REF.exec(ref);
  if (!m) return undefined;
  const [, region, accountId, name, qualifier] = m;
  return { name: name!, qualifier, region, accountId };
}

/** `arn:aws:lambda:<region>:<acct>:layer:<name>`, with `:<version>` for a layer version. */
export const layerArn = (a: Account, name: string, version?: number): string =>
  `arn:aws:lambda:${a.region}:${a.accountId}:layer:${name}${version === undefined ? '' : `:${version}`}`;

export interface ParsedLayerArn {
  region: string;
  accountId: string;
  name: string;
  version?: number;
}

// The model's LayerVersionArn pattern, with the version optional (a LayerArn).
const LAYER_ARN = /^arn:[a-zA-Z0-9-]+:lambda:([a-zA-Z0-9-]+):(\d{12}):layer:([a-zA-Z0-9-_]+)(?::([0-9]+))?$/;

/** Split a layer or layer version ARN; undefined when it is not one. */
export function parseLayerArn(arn: string): ParsedLayerArn | undefined {
  const m = LAYER_ARN.exec(arn);
  if (!m) return undefined;
  return { region: m[1]!, accountId: m[2]!, name: m[3]!, version: m[4] === undefined ? undefined : Number(m[4]) };
}

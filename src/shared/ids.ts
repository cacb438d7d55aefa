import { randomBytes, randomUUID } from 'node:crypto';

/** A request or revision id in AWS's lower-case UUID form. */
export const uuid = (): string => randomUUID();

/** `n` random bytes as lower-case hex. */
export const hex = (n: number): string => randomBytes(n).toString('hex');

/** LastModified as AWS writes it on FunctionConfiguration: `2024-05-01T12:34:56.789+0000`. */
export function lambdaTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

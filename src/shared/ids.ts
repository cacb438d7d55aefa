import { randomFillSync, randomUUID } from 'node:crypto';

/** A request or revision id in AWS's lower-case UUID form. */
export const uuid = (): string => randomUUID();

// Random bytes are drawn from the CSPRNG a pool at a time (as randomUUID does for itself): hex()
// runs a few times per invocation (trace ids), and one randomBytes call each cost a native
// round trip and a new Buffer. Every byte is handed out once.
const POOL_BYTES = 4096;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let used = POOL_BYTES;

/** `n` random bytes as lower-case hex. */
export function hex(n: number): string {
  if (n > POOL_BYTES) return randomFillSync(Buffer.allocUnsafe(n)).toString('hex');
  if (used + n > POOL_BYTES) {
    randomFillSync(pool);
    used = 0;
  }
  const out = pool.toString('hex', used, used + n);
  used += n;
  return out;
}

/** LastModified as AWS writes it on FunctionConfiguration: `2024-05-01T12:34:56.789+0000`. */
export function lambdaTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

/**
 * GetFunction's Code.Location: on AWS a presigned S3 URL; here a link to this server that carries
 * its own expiry and an HMAC, so it downloads without SigV4 headers, like a presigned URL.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../shared/clock.js';

const VALID_MS = 10 * 60 * 1000;
export const CODE_PATH = '/_stratus/code/';

export class CodeLinks {
  constructor(private readonly secret: string, private readonly clock: Clock) {}

  private sign(sha: string, expires: number): string {
    return createHmac('sha256', this.secret).update(`${sha}\n${expires}`).digest('base64url');
  }

  url(origin: string, sha: string): string {
    const expires = this.clock.now() + VALID_MS;
    return `${origin}${CODE_PATH}${sha}.zip?Expires=${expires}&Signature=${this.sign(sha, expires)}`;
  }

  /** The package a link names, if its signature is good and it has not expired. */
  verify(path: string, query: URLSearchParams): string | undefined {
    const m = /^\/_stratus\/code\/([0-9a-f]{64})\.zip$/.exec(path);
    const expires = Number(query.get('Expires'));
    const sig = query.get('Signature') ?? '';
    if (!m || !Number.isFinite(expires) || expires < this.clock.now()) return undefined;
    const want = Buffer.from(this.sign(m[1]!, expires));
    const got = Buffer.from(sig);
    return want.length === got.length && timingSafeEqual(want, got) ? m[1] : undefined;
  }
}

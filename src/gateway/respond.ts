/**
 * Whole responses written with one writeHead instead of a setHeader per header (each setHeader
 * validates, lower-cases and stores its header; writeHead takes them all at once).
 */
import type { ServerResponse } from 'node:http';

export type Head = Record<string, string | number | string[]>;

/** The key under which `head` holds the header `lower` (compared case-insensitively), if any. */
function find(head: Head, lower: string): string | undefined {
  for (const k in head) if (k.length === lower.length && k.toLowerCase() === lower) return k;
  return undefined;
}

/** Set a header in `head`, replacing one of the same name in any case, as setHeader would. */
export function put(head: Head, name: string, value: string | number | string[]): void {
  const prev = find(head, name.toLowerCase());
  if (prev !== undefined && prev !== name) delete head[prev];
  head[name] = value;
}

/**
 * Send `status`, `head` and the whole `body`. writeHead sends the head before the body is known,
 * so the Content-Length Node adds itself when a body is ended in one piece is added here, under
 * the same condition (a response that may have a body: not HEAD, 204, 304 or 1xx).
 */
export function respond(res: ServerResponse, status: number, head: Head, body: string | Buffer | undefined): void {
  const hasBody = res.req.method !== 'HEAD' && status !== 204 && status !== 304 && (status < 100 || status >= 200);
  if (hasBody && find(head, 'content-length') === undefined && find(head, 'transfer-encoding') === undefined) {
    head['Content-Length'] = body === undefined ? 0 : typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  }
  res.writeHead(status, head);
  res.end(body);
}

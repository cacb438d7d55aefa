/** Calls to Stratus's own API (`/_stratus/…`), signed with SigV4 like the SDK signs AWS's. */
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { ClientConfig } from '../config/client.js';
import type { VersionCounters } from '../telemetry/metrics.js';

export async function stratusGet<T>(cfg: ClientConfig, path: string, query: Record<string, string> = {}): Promise<T> {
  const url = new URL(path, cfg.endpoint);
  const signer = new SignatureV4({
    service: 'lambda',
    region: cfg.region,
    credentials: { accessKeyId: cfg.accessKeyId, secretAccessKey: cfg.secretAccessKey },
    sha256: Hash.bind(null, 'sha256'),
  });
  const signed = await signer.sign(
    new HttpRequest({ method: 'GET', protocol: url.protocol, hostname: url.hostname, port: Number(url.port) || undefined, path: url.pathname, query, headers: { host: url.host } }),
  );
  const qs = new URLSearchParams(query).toString();
  const res = await fetch(`${url.origin}${url.pathname}${qs ? `?${qs}` : ''}`, { headers: signed.headers as Record<string, string> });
  const body = await res.text();
  if (!res.ok) {
    let parsed: { message?: string; Message?: string } = {};
    try {
      parsed = JSON.parse(body || '{}');
    } catch {
      /* not JSON: the text is the message */
    }
    const err = new Error(parsed.message ?? parsed.Message ?? body) as Error & { $metadata: { httpStatusCode: number } };
    err.name = res.headers.get('x-amzn-errortype') ?? 'ServiceException';
    err.$metadata = { httpStatusCode: res.status };
    throw err;
  }
  return JSON.parse(body) as T;
}

export async function versionCounters(cfg: ClientConfig, functionName: string): Promise<VersionCounters[]> {
  return (await stratusGet<{ Versions: VersionCounters[] }>(cfg, '/_stratus/metrics', { FunctionName: functionName })).Versions;
}

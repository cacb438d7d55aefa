/** A small method + path-template router for AWS's REST paths (`/2015-03-31/functions/{FunctionName}/code`). */
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';

export interface ApiRequest {
  method: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  requestId: string;
  /** `http://host:port` as the caller reached us, for links we hand back (code download). */
  origin: string;
}

export interface ApiResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export type Handler = (req: ApiRequest) => Promise<ApiResponse> | ApiResponse;

/**
 * A handler that writes its response itself, as it is produced (event streams). What it throws
 * before writing anything becomes an ordinary AWS error response; after that the connection is cut.
 */
export type StreamHandler = (req: ApiRequest, res: ServerResponse) => Promise<void>;

interface RouteBase {
  method: string;
  path: string;
  /** The AWS operation name, used in size-limit errors. */
  operation: string;
  /** Largest body accepted, in bytes. */
  maxBody: number;
  /**
   * The SigV4 signing name the credential scope must carry, when the route knows it (AWS refuses a
   * request signed for another service: "Credential should be scoped to correct service").
   */
  signingName?: (headers: IncomingHttpHeaders) => string | undefined;
}

/** An operation answered whole (`handler`), or one that streams its answer (`stream`). */
export type Route = RouteBase & ({ handler: Handler; stream?: undefined } | { stream: StreamHandler; handler?: undefined });

interface Compiled {
  route: Route;
  segments: (string | { label: string })[];
}

export interface Match {
  route: Route;
  params: Record<string, string>;
}

export class Router {
  /**
   * Routes by method and segment count (`POST 4`), in the order added: a request is only tried
   * against routes that could match it, not against the whole API.
   */
  private readonly routes = new Map<string, Compiled[]>();

  add(...routes: Route[]): this {
    for (const route of routes) {
      const segments = route.path.split('/').filter(Boolean).map((s) => (s.startsWith('{') ? { label: s.slice(1, -1) } : s));
      const key = `${route.method} ${segments.length}`;
      const list = this.routes.get(key);
      if (list) list.push({ route, segments });
      else this.routes.set(key, [{ route, segments }]);
    }
    return this;
  }

  /** Match a raw (still percent-encoded) path; labels are decoded, as the SDK encodes them. */
  match(method: string, rawPath: string): Match | undefined {
    const parts = rawPath.split('/').filter(Boolean);
    const candidates = this.routes.get(`${method} ${parts.length}`);
    if (!candidates) return undefined;
    for (const c of candidates) {
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < parts.length && ok; i++) {
        const seg = c.segments[i]!;
        if (typeof seg === 'string') ok = seg === parts[i];
        else {
          try {
            params[seg.label] = decodeURIComponent(parts[i]!);
          } catch {
            ok = false;
          }
        }
      }
      if (ok) return { route: c.route, params };
    }
    return undefined;
  }
}

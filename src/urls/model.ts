/** The domain model of function URLs and resource policies, independent of the wire format. */

export type UrlAuthType = 'NONE' | 'AWS_IAM';
export type InvokeMode = 'BUFFERED' | 'RESPONSE_STREAM';

export interface Cors {
  allowCredentials?: boolean;
  allowHeaders?: string[];
  allowMethods?: string[];
  allowOrigins?: string[];
  exposeHeaders?: string[];
  maxAge?: number;
}

export interface UrlConfig {
  functionName: string;
  /** '' for the unqualified function ($LATEST), else an alias name. */
  qualifier: string;
  /** The 32-character lower-case id in `<id>.lambda-url.<region>.…`. */
  urlId: string;
  authType: UrlAuthType;
  cors?: Cors;
  invokeMode: InvokeMode;
  creationTime: number;
  lastModifiedTime: number;
}

/** One statement of a function's resource-based policy, in AWS's JSON shape. */
export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Principal: '*' | { Service: string } | { AWS: string };
  Action: string;
  Resource: string;
  Condition?: Record<string, Record<string, string>>;
}

export interface StoredPolicy {
  revisionId: string;
  statements: PolicyStatement[];
}

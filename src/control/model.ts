/** The domain model of a function version, independent of the wire format. */

export type LogFormat = 'Text' | 'JSON';

export interface FunctionConfig {
  name: string;
  /** `$LATEST` or a published version number. */
  version: string;
  runtime: string;
  handler: string;
  role: string;
  description: string;
  timeout: number;
  memorySize: number;
  ephemeralStorage: number;
  /** Absent when the caller never set Environment (AWS then omits it). */
  environment?: Record<string, string>;
  architectures: string[];
  tracingMode: 'Active' | 'PassThrough';
  /**
   * The layer versions merged into /opt, in order. Each keeps its own code address, so a function
   * (and every version published from it) still runs after its layer version is deleted, as on AWS.
   */
  layers: LayerRef[];
  logging: { logFormat: LogFormat; applicationLogLevel?: string; systemLogLevel?: string; logGroup: string };
  /** SHA-256 of the zip, hex; the code store's key. */
  codeSha256: string;
  codeSize: number;
  revisionId: string;
  lastModified: number;
  state: 'Pending' | 'Active' | 'Failed';
  lastUpdateStatus?: 'InProgress' | 'Successful' | 'Failed';
  /** Published versions: the $LATEST revision they were published from ("nothing changed" detection). */
  publishedFrom?: string;
  /** Members Stratus stores and returns but does not act on (VpcConfig, KMSKeyArn, …), as the caller sent them. */
  passthrough: Record<string, unknown>;
}

/** An alias: a name for a version, optionally sending a share of invocations to a second version. */
export interface AliasConfig {
  functionName: string;
  name: string;
  /** The primary version: a number or `$LATEST`. */
  functionVersion: string;
  description: string;
  /** RoutingConfig.AdditionalVersionWeights: at most one entry (AWS's rule). */
  routing?: { version: string; weight: number };
  revisionId: string;
}

export interface StoredFunction {
  config: FunctionConfig;
  tags: Record<string, string>;
  /** PutFunctionConcurrency: executions set aside for this function (and its limit); absent = none. */
  reservedConcurrency?: number;
}

/** A provisioned concurrency configuration, on a published version or an alias. */
export interface ProvisionedConfig {
  functionName: string;
  qualifier: string;
  requested: number;
  lastModified: number;
}

/** A layer version as a function uses it: enough to build /opt without the layer version itself. */
export interface LayerRef {
  arn: string;
  /** SHA-256 of the layer zip, hex; the code store's key. */
  codeSha256: string;
  codeSize: number;
  unzippedSize: number;
}

/** One published, immutable layer version. */
export interface LayerVersion {
  name: string;
  version: number;
  description: string;
  /** Epoch ms. */
  createdDate: number;
  compatibleRuntimes?: string[];
  compatibleArchitectures?: string[];
  licenseInfo?: string;
  codeSha256: string;
  codeSize: number;
  unzippedSize: number;
}

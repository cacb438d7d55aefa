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
  layers: string[];
  logging: { logFormat: LogFormat; applicationLogLevel?: string; systemLogLevel?: string; logGroup: string };
  /** SHA-256 of the zip, hex; the code store's key. */
  codeSha256: string;
  codeSize: number;
  revisionId: string;
  lastModified: number;
  state: 'Pending' | 'Active' | 'Failed';
  lastUpdateStatus?: 'InProgress' | 'Successful' | 'Failed';
  /** Members Stratus stores and returns but does not act on (VpcConfig, KMSKeyArn, …), as the caller sent them. */
  passthrough: Record<string, unknown>;
}

export interface StoredFunction {
  config: FunctionConfig;
  tags: Record<string, string>;
}

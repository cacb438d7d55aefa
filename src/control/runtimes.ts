import { createHash } from 'node:crypto';

/**
 * Runtime identifiers Lambda knows (contract C3), and which of them it no longer accepts. These
 * are what AWS accepts; which of them this server can run is the server's configuration.
 */

// AWS's Runtime enum for CreateFunction / UpdateFunctionConfiguration and a layer's
// CompatibleRuntimes, in the order its error text lists them (recorded 2026-01 in
// test_create_lambda_exceptions and test_layer_exceptions). Every one of them could still be
// created then (test_echo_invoke ran on each), python3.8 included.
export const AWS_RUNTIMES = [
  'nodejs20.x', 'python3.14', 'provided.al2023', 'python3.12', 'python3.13', 'nodejs24.x', 'nodejs22.x', 'java25',
  'python3.10', 'python3.11', 'java21', 'ruby3.3', 'ruby3.4', 'ruby3.2', 'python3.8', 'python3.9', 'java17',
  'nodejs16.x', 'dotnet10', 'dotnet8', 'java11', 'dotnet6', 'nodejs18.x', 'provided.al2', 'java8.al2',
] as const;

/** Refused on create and update with AWS's "no longer supported" text (recorded for java8, go1.x, provided, …). */
export const DEPRECATED_RUNTIMES = new Set([
  'nodejs', 'nodejs4.3', 'nodejs4.3-edge', 'nodejs6.10', 'nodejs8.10', 'nodejs10.x', 'nodejs12.x', 'nodejs14.x',
  'python2.7', 'python3.6', 'python3.7', 'java8', 'go1.x', 'ruby2.5', 'ruby2.7', 'provided',
  'dotnetcore1.0', 'dotnetcore2.0', 'dotnetcore2.1', 'dotnetcore3.1', 'dotnet7', 'java8.al2-edge',
]);

/**
 * The `CompatibleRuntime` filter of ListLayers / ListLayerVersions takes a wider enum (old and
 * unreleased identifiers too), quoted in AWS's order (recorded 2026-01 in test_layer_exceptions).
 */
export const LAYER_FILTER_RUNTIMES = [
  'ruby3.5', 'ruby2.6', 'dotnetcore1.0', 'python3.7', 'nodejs8.10', 'nasa', 'ruby2.7', 'python2.7-greengrass', 'dotnetcore2.0',
  'python3.8', 'java21', 'dotnet6', 'dotnetcore2.1', 'python3.9', 'java11', 'nodejs6.10', 'provided', 'dotnetcore3.1', 'dotnet8',
  'java25', 'java17', 'nodejs', 'nodejs4.3', 'java8.al2', 'go1.x', 'dotnet10', 'nodejs20.x', 'go1.9', 'byol', 'nodejs10.x',
  'provided.al2023', 'nodejs22.x', 'python3.10', 'java8', 'nodejs12.x', 'python3.11', 'nodejs24.x', 'nodejs8.x', 'python3.12',
  'nodejs14.x', 'nodejs8.9', 'nodejs26.x', 'python3.13', 'python3.14', 'nodejs16.x', 'python3.15', 'provided.al2',
  'nodejs4.3-edge', 'nodejs18.x', 'ruby3.2', 'python3.4', 'ruby3.3', 'ruby3.4', 'ruby2.5', 'python3.6', 'python2.7',
] as const;

/**
 * The RuntimeVersionArn a function reports (RuntimeVersionConfig, on Create/Get/Update/Publish, not
 * in lists). AWS names the exact runtime build it runs, `arn:aws:lambda:<region>::runtime:<64 hex>`;
 * Stratus has no builds to name, so it makes one up in that form: stable per region and runtime id.
 */
export const runtimeVersionArn = (region: string, runtime: string): string =>
  `arn:aws:lambda:${region}::runtime:${createHash('sha256').update(`stratus-runtime:${runtime}`).digest('hex')}`;

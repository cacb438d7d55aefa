/** Lambda's named limits (contract E; DESIGN decision 6). Enforced with AWS's error for each. */
export const LIMITS = {
  timeoutMax: 900,
  memoryMin: 128,
  memoryMax: 10_240,
  ephemeralMin: 512,
  ephemeralMax: 10_240,
  envVarsBytes: 4 * 1024,
  zippedBytes: 52_428_800,
  unzippedBytes: 262_144_000,
  createFunctionRequestBytes: 70_167_211,
  syncPayloadBytes: 6_291_456,
  asyncPayloadBytes: 1_048_576,
  /** The runtime side of the response limit: 6 MiB + 100 (contract A3). */
  responseBytes: 6_291_556,
  /** A streamed response (InvokeWithResponseStream, streaming URLs): 200 MiB (contract E). */
  streamResponseBytes: 209_715_200,
  layers: 5,
  tags: 50,
  logTailBytes: 4096,
  /** Account-wide figures reported by GetAccountSettings. */
  totalCodeSize: 80_530_636_800,
} as const;

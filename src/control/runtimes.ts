/** Runtime identifiers Lambda knows (contract C3), and which of them it no longer accepts. */

// Order as AWS lists them in its enum error message.
export const AWS_RUNTIMES = [
  'nodejs20.x', 'provided.al2023', 'python3.12', 'python3.13', 'nodejs22.x', 'java17', 'nodejs16.x', 'dotnet8',
  'python3.10', 'java11', 'python3.11', 'dotnet6', 'java21', 'nodejs18.x', 'provided.al2', 'ruby3.3', 'ruby3.4',
  'java8.al2', 'ruby3.2', 'python3.9', 'nodejs24.x', 'python3.14', 'java25', 'dotnet10', 'provided',
] as const;

export const DEPRECATED_RUNTIMES = new Set([
  'nodejs', 'nodejs4.3', 'nodejs4.3-edge', 'nodejs6.10', 'nodejs8.10', 'nodejs10.x', 'nodejs12.x', 'nodejs14.x',
  'python2.7', 'python3.6', 'python3.7', 'python3.8', 'java8', 'go1.x', 'ruby2.5', 'ruby2.7',
  'dotnetcore1.0', 'dotnetcore2.0', 'dotnetcore2.1', 'dotnetcore3.1', 'dotnet7', 'java8.al2-edge',
]);

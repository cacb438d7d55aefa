/** How the CLI speaks to people: tables, and errors in three parts (what failed, the detail, how to fix). */

export class CliError extends Error {
  constructor(readonly what: string, readonly detail: string, readonly fix?: string) {
    super(`${what}: ${detail}`);
  }
}

export function formatError(err: unknown): string {
  if (err instanceof CliError) return `✘ ${err.what}\n  ${err.detail}${err.fix ? `\n  → ${err.fix}` : ''}`;
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number }; code?: string };
  if (e?.code === 'ECONNREFUSED')
    return `✘ could not reach the Stratus server\n  ${e.message}\n  → start it with \`stratus serve\`, or point the CLI at it with --endpoint or STRATUS_ENDPOINT`;
  if (e?.$metadata?.httpStatusCode)
    return `✘ the server refused the request (${e.name}, HTTP ${e.$metadata.httpStatusCode})\n  ${e.message}\n  → ${hintFor(e.name ?? '', e.message ?? '')}`;
  return `✘ ${e?.name ?? 'error'}\n  ${e?.message ?? String(err)}`;
}

function hintFor(code: string, message: string): string {
  if (message.includes('FunctionUrlConfig exists')) return 'the function already has a URL: see it with `stratus urls get <function>`';
  switch (code) {
    case 'ResourceNotFoundException': return 'check the function name with `stratus functions list`';
    case 'ResourceConflictException': return 'the function exists already: use `stratus functions update-code` or pick another name';
    case 'UnrecognizedClientException':
    case 'InvalidSignatureException': return "use the server's credentials: run from its data dir, pass --data-dir, or set STRATUS_ACCESS_KEY_ID/STRATUS_SECRET_ACCESS_KEY";
    case 'ValidationException':
    case 'InvalidParameterValueException': return 'fix the value named above and run the command again';
    case 'RequestEntityTooLargeException': return 'make the package or payload smaller (limits: 50 MB zipped, 250 MB unzipped, 6 MB payload)';
    default: return 'see the message above; `stratus <command> --help` lists the options';
  }
}

/** A plain aligned table; columns sized to their widest cell. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}

/** Key/value lines for one record. */
export function details(pairs: [string, unknown][]): string {
  const w = Math.max(...pairs.map(([k]) => k.length));
  return pairs
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${k.padEnd(w)}  ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join('\n');
}

/** An SDK output without its transport metadata, for --json. */
export function stripMeta<T extends { $metadata?: unknown }>(o: T): Omit<T, '$metadata'> {
  const { $metadata: _, ...rest } = o;
  return rest;
}

/** How a command prints its result: the human text, or with --json the machine-readable value. */
export function printer(json: boolean | undefined): (human: string, machine: unknown) => void {
  return (human, machine) => console.log(json ? JSON.stringify(machine, null, 2) : human);
}

/**
 * `stratus <command>` with no subcommand, or with --help: prints the help and gives the exit code
 * (2 when the subcommand was missing). Undefined when the command should go on.
 */
export function subcommandHelp(help: string, sub: string | undefined, wantsHelp: boolean | undefined): number | undefined {
  if (sub && sub !== '--help' && !wantsHelp) return undefined;
  console.log(help);
  return sub ? 0 : 2;
}

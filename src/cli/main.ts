/** `stratus <command>`: dispatch, and the one place CLI failures become readable text and an exit code. */
import { ConfigError } from '../config/config.js';
import { formatError } from './output.js';

const USAGE = `stratus: run AWS Lambda functions on your own machine

Usage:
  stratus serve [--host H] [--port P] [--data-dir D] [--region R] [--auth on|off]
  stratus functions create <name> --code DIR|ZIP --runtime ID --handler H [options]
  stratus functions update-code <name> --code DIR|ZIP
  stratus functions update-config <name> [--memory MB] [--timeout S] [--env K=V]... [options]
  stratus functions get <name>
  stratus functions list
  stratus functions delete <name>
  stratus versions publish|list|delete <name> …
  stratus aliases create|update|get|list|delete <name> <alias> …
  stratus deploy <name> --code DIR|ZIP --alias A [--canary 10%,50%,100% --interval 30s]
  stratus rollback <name> --alias A [--to VERSION]
  stratus concurrency set|get|delete <name> [N]
  stratus provisioned set|get|list|delete <name> --qualifier Q [N]
  stratus top [--once]
  stratus layers publish <name> --code DIR|ZIP [--runtimes ID,…] [--description TEXT]
  stratus layers list | versions <name> | get <name> <version> | delete <name> <version>
  stratus invoke <name> [--payload JSON] [--qualifier Q] [--type Event|DryRun] [--stream] [--log]
  stratus logs <name> [--follow] [--since 10m] [--filter TEXT]
  stratus urls create <name> [--auth none|iam] [--alias A] [--cors-origin O]...
  stratus urls get|list|delete [<name>]
  stratus permissions add <name> --statement-id SID --action A --principal P [options]
  stratus permissions list|remove <name> [<statement-id>]
  stratus rules put <name> --schedule "rate(5 minutes)" | --pattern JSON
  stratus rules targets add <rule> --function NAME [--input JSON]
  stratus rules list|get|enable|disable|delete [<name>]
  stratus events put --source S --detail-type T [--detail JSON]
  stratus async-config put|update|get|delete|list <name> [--max-retries N] [--max-age S]
                       [--on-success ARN] [--on-failure ARN] [--qualifier Q]
  stratus async status

Every command but serve takes --endpoint URL, --region R, --data-dir D (for its credentials file)
and --json for machine-readable output. \`stratus <command> --help\` shows a command's options.`;

type Command = (args: string[], env: Record<string, string | undefined>) => Promise<number | void>;

// Loaded on demand: the server never loads the AWS SDK the client commands use, and each command
// starts without parsing the others.
const COMMANDS: Record<string, () => Promise<Command>> = {
  serve: async () => (await import('./serve.js')).serveCommand,
  functions: async () => (await import('./functions.js')).functionsCommand,
  invoke: async () => (await import('./invoke.js')).invokeCommand,
  versions: async () => (await import('./versions.js')).versionsCommand,
  aliases: async () => (await import('./versions.js')).aliasesCommand,
  deploy: async () => (await import('./deploy.js')).deployCommand,
  concurrency: async () => (await import('./concurrency.js')).concurrencyCommand,
  provisioned: async () => (await import('./concurrency.js')).provisionedCommand,
  top: async () => (await import('./concurrency.js')).topCommand,
  rollback: async () => (await import('./deploy.js')).rollbackCommand,
  layers: async () => (await import('./layers.js')).layersCommand,
  logs: async () => (await import('./logs.js')).logsCommand,
  urls: async () => (await import('./urls.js')).urlsCommand,
  permissions: async () => (await import('./permissions.js')).permissionsCommand,
  rules: async () => (await import('./rules.js')).rulesCommand,
  events: async () => (await import('./rules.js')).eventsCommand,
  'async-config': async () => (await import('./async.js')).asyncConfigCommand,
  async: async () => (await import('./async.js')).asyncCommand,
};

export async function main(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(USAGE);
    return name ? 0 : 1;
  }
  const load = COMMANDS[name];
  if (!load) {
    console.error(`✘ unknown command '${name}'\n  → run \`stratus --help\` for the list of commands`);
    return 2;
  }
  try {
    const command = await load();
    return (await command(rest, env)) ?? 0;
  } catch (err) {
    if (err instanceof ConfigError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`✘ invalid arguments\n  ${(err as Error).message}\n  → run \`stratus ${name} --help\``);
      return 2;
    }
    console.error(formatError(err));
    return 1;
  }
}

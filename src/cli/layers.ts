/** `stratus layers publish|list|versions|get|delete`. */
import {
  DeleteLayerVersionCommand, GetLayerVersionCommand, paginateListLayers, paginateListLayerVersions, PublishLayerVersionCommand,
  type LayersListItem, type LayerVersionsListItem,
} from '@aws-sdk/client-lambda';
import { parseArgs } from 'node:util';
import { loadClientConfig } from '../config/client.js';
import { CLIENT_OPTIONS, lambdaClient } from './client.js';
import { CliError, details, printer, subcommandHelp, table } from './output.js';
import { codeZip } from './zipdir.js';

const HELP = `Usage:
  stratus layers publish <name> --code DIR|ZIP [--runtimes ID,ID…] [--architectures x86_64,arm64]
                                [--description TEXT] [--license TEXT]
  stratus layers list [--runtime ID] [--architecture ARCH]
  stratus layers versions <name>
  stratus layers get <name> <version>
  stratus layers delete <name> <version>

A layer's files appear under /opt in the functions that use it (stratus functions create|update-config
--layer ARN, repeatable, in order): nodejs/node_modules for Node, python/ for Python, bin/, lib/, and
a bootstrap for custom runtimes.
Client options: --endpoint URL  --region R  --data-dir D  --json`;

const list = (v: string | undefined) => (v === undefined ? undefined : v.split(',').map((s) => s.trim()).filter(Boolean));

export async function layersCommand(args: string[], env: Record<string, string | undefined>): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    options: {
      ...CLIENT_OPTIONS, code: { type: 'string' }, runtimes: { type: 'string' }, architectures: { type: 'string' }, description: { type: 'string' },
      license: { type: 'string' }, runtime: { type: 'string' }, architecture: { type: 'string' },
    },
    allowPositionals: true,
  });
  const helped = subcommandHelp(HELP, sub, values.help);
  if (helped !== undefined) return helped;
  const cfg = loadClientConfig(values, env);
  const client = lambdaClient(cfg);
  const print = printer(cfg.json);
  const needName = () => {
    const name = positionals[0];
    if (!name) throw new CliError(`layers ${sub} needs a layer name`, `usage: stratus layers ${sub} <name>${sub === 'get' || sub === 'delete' ? ' <version>' : ''}`, 'run `stratus layers --help`');
    return name;
  };
  const needVersion = () => {
    const v = Number(positionals[1]);
    if (!Number.isInteger(v) || v < 1)
      throw new CliError(`layers ${sub} needs a version number`, positionals[1] === undefined ? 'no version given' : `'${positionals[1]}' is not a version number`, '`stratus layers versions <name>` lists them');
    return v;
  };

  switch (sub) {
    case 'publish': {
      const name = needName();
      if (!values.code) throw new CliError('layers publish needs the content', 'no --code given', 'pass --code with a folder or a .zip (its files appear under /opt)');
      const out = await client.send(
        new PublishLayerVersionCommand({
          LayerName: name,
          Content: { ZipFile: await codeZip(values.code) },
          Description: values.description,
          LicenseInfo: values.license,
          CompatibleRuntimes: list(values.runtimes) as never,
          CompatibleArchitectures: list(values.architectures) as never,
        }),
      );
      const { $metadata: _, ...machine } = out;
      print(`✔ published ${out.LayerVersionArn} (${out.Content?.CodeSize} bytes)\n  use it with: stratus functions update-config <function> --layer ${out.LayerVersionArn}`, machine);
      return 0;
    }
    case 'list': {
      const all: LayersListItem[] = [];
      const filter = { CompatibleRuntime: values.runtime as never, CompatibleArchitecture: values.architecture as never };
      for await (const page of paginateListLayers({ client }, filter)) all.push(...(page.Layers ?? []));
      if (cfg.json) print('', all);
      else if (all.length === 0) console.log('No layers yet. Publish one with `stratus layers publish <name> --code DIR`.');
      else console.log(table(['NAME', 'LATEST', 'RUNTIMES', 'CREATED', 'DESCRIPTION'], all.map((l) => {
        const v = l.LatestMatchingVersion!;
        return [l.LayerName!, v.Version ?? '', (v.CompatibleRuntimes ?? []).join(',') || '-', v.CreatedDate ?? '', v.Description ?? ''];
      })));
      return 0;
    }
    case 'versions': {
      const name = needName();
      const all: LayerVersionsListItem[] = [];
      for await (const page of paginateListLayerVersions({ client }, { LayerName: name })) all.push(...(page.LayerVersions ?? []));
      if (cfg.json) print('', all);
      else if (all.length === 0) console.log(`Layer ${name} has no versions.`);
      else console.log(table(['VERSION', 'ARN', 'RUNTIMES', 'CREATED', 'DESCRIPTION'], all.map((v) => [v.Version ?? '', v.LayerVersionArn!, (v.CompatibleRuntimes ?? []).join(',') || '-', v.CreatedDate ?? '', v.Description ?? ''])));
      return 0;
    }
    case 'get': {
      const name = needName();
      const version = needVersion();
      const out = await client.send(new GetLayerVersionCommand({ LayerName: name, VersionNumber: version })).catch((err: Error) => {
        if (err.name !== 'ResourceNotFoundException') throw err;
        throw new CliError('no such layer version', `${name} version ${version} does not exist (${err.message})`, `\`stratus layers versions ${name}\` lists its versions`);
      });
      const { $metadata: _, ...machine } = out;
      print(
        details([
          ['ARN', out.LayerVersionArn], ['Version', out.Version], ['Description', out.Description], ['Created', out.CreatedDate],
          ['Runtimes', out.CompatibleRuntimes?.join(', ')], ['Architectures', out.CompatibleArchitectures?.join(', ')], ['License', out.LicenseInfo],
          ['Content', `${out.Content?.CodeSize} bytes, sha256 ${out.Content?.CodeSha256}`], ['Download', out.Content?.Location],
        ]),
        machine,
      );
      return 0;
    }
    case 'delete': {
      const name = needName();
      const version = needVersion();
      await client.send(new DeleteLayerVersionCommand({ LayerName: name, VersionNumber: version }));
      print(`✔ deleted ${name} version ${version} (functions that use it keep working)`, { deleted: name, version });
      return 0;
    }
    default:
      throw new CliError(`unknown subcommand 'layers ${sub}'`, 'expected publish, list, versions, get or delete', 'run `stratus layers --help`');
  }
}

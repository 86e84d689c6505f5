/**
 * The `registrar` commands as a commander program: each command names its
 * own options in its `--help`, the store options (`--store`, `--pg-schema`,
 * `--pg-pool-size`, `--config`, `--log-level`) among them where the command
 * opens the store; those may stand before or after the command. A command
 * reads the `REGISTRAR_*` variables of its own options only, and refuses a
 * store option it does not take.
 *
 * @module
 */

import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { LIST_FILTERS } from '../admin/list-clients.js';
import type { RegistrarConfig } from '../core/config/registrar-config.js';
import { ConfigurationError } from '../core/errors.js';
import { nodeCrypto } from '../crypto/node-crypto.js';
import { createRegistrar, type Registrar } from '../registrar.js';
import { createServerLogger } from '../server/logger.js';
import { assertStoreReady, type OpenedStore, openStore, storeFailure } from '../server/open-store.js';
import {
  type CommandOptions,
  type FlagName,
  flagOption,
  flagsDeclared,
  flagsGiven,
  type GivenFlags,
  resolveOptions,
} from '../server/options.js';
import type { BundledStore } from '../store/bundled-store.js';
import { adminTokenCommand } from './admin-token.js';
import { CHECK_DESCRIPTION, CHECK_FLAGS, type CheckFlags, checkCommand } from './check.js';
import {
  createClient,
  decideClient,
  deleteClient,
  documentClient,
  listClients,
  showClient,
  updateClient,
} from './clients.js';
import { migrateCommand } from './migrate.js';
import type { Output } from './output.js';
import { serveCommand } from './serve-command.js';
import { sweepCommand } from './sweep.js';
import { tokensCommand } from './tokens.js';
import { exportCommand, importCommand } from './transfer.js';

/**
 * The options of every command that opens the store: the store's, and the log's. The program
 * knows them too, hidden, so that they may stand before the command's name.
 */
const STORE_FLAGS: readonly FlagName[] = ['store', 'pg-pool-size', 'pg-schema', 'config', 'log-level'];

/** `registrar serve`'s own options. */
const SERVE_FLAGS: readonly FlagName[] = [
  'port',
  'host',
  'issuer',
  'authorization-endpoint',
  'token-endpoint',
  'jwks-uri',
  'no-migrate',
  'rate-limit',
  'management-rate-limit',
  'redis',
  'headers-timeout',
  'request-timeout',
  'idle-timeout',
  'max-connections',
  'max-connections-per-address',
  'trusted-proxies',
  'activation-window',
  'max-clients',
  'max-clients-per-owner',
  'admin-port',
  'admin-host',
  'initial-access-token',
  'require-initial-access-token',
];

/** The version in the package's own package.json (two folders up from src/cli and dist/cli alike). */
export function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

/** What a command's action runs with. */
interface CommandIo {
  readonly output: Output;
  readonly env: NodeJS.ProcessEnv;
  /** Where progress lines go: stderr. */
  readonly terminal: NodeJS.WriteStream;
  /** Receives the exit code of the command that ran. */
  exit(code: number): void;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/**
 * A registrar over the opened store, configured from the `--config` file as
 * `serve` is, so an operator's client or a pre-registered document is checked
 * by the rules and policies that will serve it.
 */
function operatorRegistrar(
  options: CommandOptions,
  store: BundledStore,
  err: (line: string) => void,
): Registrar {
  const { rateLimit: _rateLimit, admin: _admin, ...libraryConfig } = options.config;
  return createRegistrar({
    ...(libraryConfig as Partial<RegistrarConfig<unknown>>),
    issuer: options.issuer ?? 'http://localhost',
    registration: store,
    logger: createServerLogger({ out: err, err }, options.logLevel),
    crypto: nodeCrypto,
  });
}

/** `clients import` and `refresh` need documents turned on in the `--config` file. */
function documentRegistrar(
  options: CommandOptions,
  store: BundledStore,
  err: (line: string) => void,
): Registrar {
  const documents = options.config.clientIdMetadataDocuments as { enabled?: unknown } | undefined;
  if (documents?.enabled !== true) {
    throw new ConfigurationError(
      'clients import and refresh need clientIdMetadataDocuments.enabled: true in the --config file.',
    );
  }
  return operatorRegistrar(options, store, err);
}

/**
 * Opens the store, checks that it can be reached and is migrated, runs `use`,
 * and closes it; a store failure becomes a `StoreAccessError` naming the store.
 */
async function withStore(
  options: CommandOptions,
  use: (store: BundledStore, opened: OpenedStore) => Promise<number>,
): Promise<number> {
  const opened = await openStore(options.store, { poolSize: options.pgPoolSize, schema: options.pgSchema });
  try {
    await assertStoreReady(opened);
    return await use(opened.store, opened);
  } catch (error) {
    throw storeFailure(opened, error);
  } finally {
    await opened.store.close();
  }
}

/** `clients list` for the leaf `list` under `clients`. */
function commandPath(command: Command): string {
  const names: string[] = [];
  for (let at: Command | null = command; at?.parent; at = at.parent) names.unshift(at.name());
  return names.join(' ');
}

/**
 * The flags `command` declares, after refusing any of `given` it does not: a store option,
 * which the program takes before any command's name, given to a command that opens no store.
 */
function declaredOnly(command: Command, given: GivenFlags): ReadonlySet<FlagName> {
  const own = flagsDeclared(command);
  for (const name of Object.keys(given) as FlagName[]) {
    if (!own.has(name)) {
      throw new ConfigurationError(`${commandPath(command)} does not take --${name}: it opens no store.`);
    }
  }
  return own;
}

/** Builds the program; `io.exit` receives the exit code of the command that ran. */
export function createProgram(io: CommandIo): Command {
  const { output, env } = io;
  const program = new Command('registrar')
    .description(
      'OAuth 2.0 Dynamic Client Registration (RFC 7591, RFC 7592): the registration server and its administration.',
    )
    .version(packageVersion(), '-v, --version', 'print the version')
    .helpOption('-h, --help', 'show the help of registrar or of a command')
    .helpCommand('help [command]', 'show the help of a command')
    .showHelpAfterError('(registrar help COMMAND shows its options)')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, 'registrar: ')) })
    .configureHelp({ sortSubcommands: false, showGlobalOptions: true });
  for (const name of STORE_FLAGS) program.addOption(flagOption(name).hideHelp());
  program.addHelpText(
    'after',
    '\nEvery option is also an environment variable REGISTRAR_<NAME> (--pg-schema: REGISTRAR_PG_SCHEMA);\n' +
      'a flag wins over its variable, which wins over the --config file. A command reads the variables\n' +
      'of its own options only. The store options (--store, --pg-schema, --pg-pool-size, --config,\n' +
      '--log-level) may stand before the command: registrar --store sqlite:./r.db sweep.\n' +
      'Exit codes: 0 done, 1 failed (an unreachable or unmigrated store, a refusal), 2 bad usage or configuration.',
  );

  /**
   * The action of a leaf command: options resolved from its own flags and their variables
   * (a store option given before the name of a command that opens no store is refused), then
   * `run`, whose answer is the exit code.
   */
  const action =
    (run: (options: CommandOptions, args: string[], command: Command) => Promise<number>) =>
    async (...received: unknown[]) => {
      const command = received.at(-1) as Command;
      const given = flagsGiven(command);
      const options = resolveOptions(given, command.args, env, declaredOnly(command, given));
      io.exit(await run(options, command.processedArgs as string[], command));
    };
  const leaf = (
    parent: Command,
    name: string,
    description: string,
    flags: readonly FlagName[] = [],
    opensStore = true,
  ) => {
    const command = parent.command(name).description(description);
    for (const flag of [...flags, ...(opensStore ? STORE_FLAGS : [])]) command.addOption(flagOption(flag));
    return command;
  };

  leaf(program, 'serve', 'run the registration server (RFC 7591, RFC 7592)', SERVE_FLAGS).action(
    action((options) => serveCommand(options, output.err)),
  );

  const clients = program.command('clients').description('administer registered clients');
  leaf(clients, 'list', 'list registered clients (no hashes, no secrets)', ['json'])
    .addOption(
      new Option('--limit <N>', 'one page of at most N clients (1 to 200); every client when absent'),
    )
    .addOption(new Option('--cursor <CURSOR>', 'go on after the page that printed this next cursor'))
    .addOption(
      new Option(
        '--filter <KEY=VALUE>',
        `only clients that match, repeatable; KEY is one of ${LIST_FILTERS.join(', ')}`,
      ).argParser(collect),
    )
    .addHelpText(
      'after',
      '\nFilters as the admin API has them: name (case-insensitive part of client_name), software_id, owner,\n' +
        'status (active, pending, expired), created_after, created_before, used_after, used_before (Unix seconds).\n' +
        'Example: registrar clients list --limit 50 --filter status=pending --filter name=acme',
    )
    .action(
      action((options, _args, command) => {
        const { filter = [], ...paging } = command.opts<{
          limit?: string;
          cursor?: string;
          filter?: string[];
        }>();
        return withStore(options, (store) =>
          listClients(store, { json: options.json, filter, ...paging }, output),
        );
      }),
    );
  leaf(clients, 'show', 'show one client')
    .argument('<client-id>')
    .action(
      action((options, [id]) => withStore(options, (store) => showClient(store, id as string, output))),
    );
  const metadataOptions = (command: Command) =>
    command
      .addOption(new Option('--metadata <JSON>', 'the client metadata, a JSON object'))
      .addOption(new Option('--metadata-file <FILE>', 'a file holding the client metadata; - reads stdin'));
  const metadataOf = (command: Command, json: boolean) => ({
    json,
    ...command.opts<{ metadata?: string; metadataFile?: string }>(),
  });
  metadataOptions(
    leaf(clients, 'create', 'register a client with metadata you choose; prints its secret once', [
      'issuer',
      'json',
    ]),
  ).action(
    action((options, _args, command) =>
      withStore(options, (store) =>
        createClient(
          operatorRegistrar(options, store, output.err),
          metadataOf(command, options.json),
          output,
        ),
      ),
    ),
  );
  metadataOptions(
    leaf(clients, 'update', "replace a client's metadata whole (its secret and token are kept)", [
      'issuer',
      'json',
    ]).argument('<client-id>'),
  ).action(
    action((options, [id], command) =>
      withStore(options, (store) =>
        updateClient(
          operatorRegistrar(options, store, output.err),
          id as string,
          metadataOf(command, options.json),
          output,
        ),
      ),
    ),
  );
  leaf(clients, 'delete', 'delete one client')
    .argument('<client-id>')
    .action(
      action((options, [id]) => withStore(options, (store) => deleteClient(store, id as string, output))),
    );
  for (const decision of ['approve', 'reject'] as const) {
    leaf(
      clients,
      decision,
      decision === 'approve'
        ? 'approve a client a policy held for approval'
        : 'reject (delete) a client held for approval',
    )
      .argument('<client-id>')
      .action(
        action((options, [id]) =>
          withStore(options, (store) => decideClient(store, decision, id as string, output)),
        ),
      );
  }
  for (const step of ['import', 'refresh'] as const) {
    leaf(
      clients,
      step,
      step === 'import'
        ? 'pre-register a client metadata document (needs clientIdMetadataDocuments.enabled in --config)'
        : 'fetch a pre-registered document again now',
      ['issuer', 'json'],
    )
      .argument('<url>')
      .action(
        action((options, [url]) =>
          withStore(options, (store) =>
            documentClient(
              documentRegistrar(options, store, output.err),
              step,
              url as string,
              options,
              output,
            ),
          ),
        ),
      );
  }

  leaf(program, 'migrate', 'apply pending database migrations (PostgreSQL)', ['json']).action(
    action((options) => migrateCommand(options, output)),
  );

  const tokens = program.command('tokens').description('administer initial access tokens (RFC 7591 §3)');
  leaf(tokens, 'create', 'create an initial access token; prints it once', [
    'expires-in',
    'uses',
    'label',
    'policy',
    'json',
  ]).action(
    action((options) => withStore(options, (store) => tokensCommand(store, ['create'], options, output))),
  );
  leaf(tokens, 'list', 'list initial access tokens (never the tokens or their hashes)', ['json']).action(
    action((options) => withStore(options, (store) => tokensCommand(store, ['list'], options, output))),
  );
  leaf(tokens, 'revoke', 'delete an initial access token')
    .argument('<id>')
    .action(
      action((options, [id]) =>
        withStore(options, (store) => tokensCommand(store, ['revoke', id as string], options, output)),
      ),
    );

  leaf(program, 'sweep', 'remove expired clients', ['json']).action(
    action((options) => withStore(options, (store) => sweepCommand(store, options, output, io.terminal))),
  );

  const adminToken = program.command('admin-token').description('admin API tokens (docs/admin-api.md)');
  leaf(
    adminToken,
    'create',
    'create an admin API token; prints it once, with its REGISTRAR_ADMIN_TOKEN_HASH entry',
    ['label', 'json'],
    false,
  ).action(action((options) => adminTokenCommand(['create'], options, output)));

  leaf(
    program,
    'export',
    'write every client and stored initial access token as JSON lines to stdout (hashes as they are, never a secret)',
  ).action(action((options) => withStore(options, (store) => exportCommand(store, output, io.terminal))));
  leaf(program, 'import', 'import an export; a record already present is skipped', ['json'])
    .argument('<file>')
    .action(
      action((options, [file]) =>
        withStore(options, (store) => importCommand(store, file as string, options, output, io.terminal)),
      ),
    );

  const check = program
    .command('check')
    .description("check an authorization server's discovery, RFC 7591 and RFC 7592")
    .usage('ISSUER [options]')
    .argument('<issuer>', "the authorization server's issuer URL")
    .addHelpText('after', `\n${CHECK_DESCRIPTION}`);
  for (const [flags, description] of CHECK_FLAGS) {
    if (flags.startsWith('--allow-host')) {
      check.option(flags, description, (value: string, previous: string[]) => [...previous, value], []);
    } else {
      check.option(flags, description);
    }
  }
  check.action(async (issuer: string, flags: CheckFlags) => {
    declaredOnly(check, flagsGiven(program));
    io.exit(await checkCommand(issuer, flags, output));
  });
  return program;
}

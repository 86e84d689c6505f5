#!/usr/bin/env node

/**
 * The `registrar` command.
 *
 * @module
 */

import type { RegistrarConfig } from '../core/config/registrar-config.js';
import { ConfigurationError } from '../core/errors.js';
import type { Logger } from '../core/events.js';
import { nodeCrypto } from '../crypto/node-crypto.js';
import { createRegistrar } from '../registrar.js';
import { createLineWriter } from '../server/line-writer.js';
import { createServerLogger } from '../server/logger.js';
import { openStore } from '../server/open-store.js';
import { type CommandOptions, resolveCommandOptions } from '../server/options.js';
import { serve } from '../server/serve.js';
import type { BundledStore } from '../store/bundled-store.js';
import { adminTokenCommand } from './admin-token.js';
import { checkCommand } from './check.js';
import { clientsCommand, type DocumentAdministration } from './clients.js';
import { migrateCommand } from './migrate.js';
import { streamOutput } from './output.js';
import { sweepCommand } from './sweep.js';
import { tokensCommand } from './tokens.js';
import { exportCommand, importCommand } from './transfer.js';

const USAGE = `Usage: registrar <command> [options]

Commands:
  serve                 run the registration server (RFC 7591, RFC 7592)
  clients list [--json] list registered clients (no hashes, no secrets)
  clients show ID       show one client
  clients delete ID     delete one client
  clients approve ID    approve a client a policy held for approval
  clients reject ID     reject (delete) a client held for approval
  clients import URL    pre-register a client metadata document (needs
                        clientIdMetadataDocuments.enabled in --config)
  clients refresh URL   fetch a pre-registered document again now
  migrate               apply pending database migrations (PostgreSQL)
  tokens create         create an initial access token; prints it once
                        [--expires-in 7d] [--uses N] [--label TEXT] [--policy JSON]
  tokens list           list initial access tokens (never the tokens or their hashes)
  tokens revoke ID      delete an initial access token
  sweep                 remove expired clients
  admin-token create    create an admin API token; prints it once, and the
                        REGISTRAR_ADMIN_TOKEN_HASH entry [--label TEXT]
  export                write every client and stored initial access token as
                        JSON lines to stdout (hashes as they are, never a secret)
  import FILE           import an export; a record already present is skipped
  check ISSUER          check an authorization server's discovery, RFC 7591
                        and RFC 7592 (registrar check --help for its options)

Options (each also an environment variable REGISTRAR_<NAME>):
  --port PORT           listen port (4000)
  --host HOST           listen address (127.0.0.1)
  --issuer URL          issuer identifier (http://HOST:PORT)
  --authorization-endpoint URL, --token-endpoint URL, --jwks-uri URL
                        serve: your authorization server's endpoints; discovery
                        is published only when all three are set
  --store SPEC          sqlite:./registrar.db (default), memory: or postgres://USER@HOST/DB
  --pg-pool-size N      PostgreSQL connections per instance (10)
  --pg-schema NAME      PostgreSQL schema for Registrar's tables (public)
  --no-migrate          serve: do not apply migrations; refuse to start if any are pending
  --rate-limit RULE     registrations per client address: COUNT/SECONDSs (60/60s); off turns every limit off
  --management-rate-limit RULE
                        failed management authentications per client address (20/60s) or off
  --redis URL           share rate limits through Redis (redis://HOST:6379)
  --headers-timeout S   serve: seconds to receive the request headers (10)
  --request-timeout S   serve: seconds to receive the whole request (30)
  --idle-timeout S      serve: seconds a connection may stay silent mid-request (10)
  --max-connections N   serve: open connections per instance (1000)
  --max-connections-per-address N
                        serve: open connections per client address (128)
  --trusted-proxies LIST
                        serve: comma-separated proxy addresses whose
                        X-Forwarded-For and X-Forwarded-Proto count
  --activation-window DURATION
                        serve: a new client not proven used within it
                        (for example 1h) expires; off by default
  --max-clients N       serve: the most clients stored; a never-used one
                        is reclaimed to make room, else 429 (no cap)
  --max-clients-per-owner N
                        serve: the most clients per initial access token,
                        statement issuer or client address (no cap)
  --admin-port PORT     serve: the admin API's listener (off unless set);
                        needs REGISTRAR_ADMIN_TOKEN_HASH (docs/admin-api.md)
  --admin-host HOST     serve: the admin listener's address (127.0.0.1)
  --config FILE         JSON file of library configuration keys
  --initial-access-token TOKEN
                        serve: registration requires this token (or a stored one)
  --require-initial-access-token
                        serve: registration requires a stored token
  --log-level LEVEL     trace, debug, info, warn, error, fatal or silent (info)
  --json                machine-readable output (clients list, tokens, sweep)
  --help                this text
`;

const { out, err } = streamOutput(process.stdout, process.stderr);

/**
 * A registrar over the opened store for `clients import` and `clients
 * refresh`, configured from the `--config` file as `serve` is, so a document
 * is checked by the same trust policy and fetch limits that will serve it.
 */
function documentAdministration(options: CommandOptions, store: BundledStore): DocumentAdministration {
  const documents = options.config.clientIdMetadataDocuments as { enabled?: unknown } | undefined;
  if (documents?.enabled !== true) {
    throw new ConfigurationError(
      'clients import and refresh need clientIdMetadataDocuments.enabled: true in the --config file.',
    );
  }
  const { rateLimit: _rateLimit, ...libraryConfig } = options.config;
  return createRegistrar({
    ...(libraryConfig as Partial<RegistrarConfig<unknown>>),
    issuer: options.issuer ?? 'http://localhost',
    registration: store,
    logger: createServerLogger({ out: err, err }, options.logLevel),
    crypto: nodeCrypto,
  });
}

/**
 * A log reader that goes away (a closed pipe, `registrar serve | head`) must
 * not stop the server: errors on stdout and stderr are absorbed, and the loss
 * of stdout is said once on stderr while stderr is still open.
 */
function keepServingWithoutOutput(logger: Logger): void {
  let stderrOpen = true;
  let stdoutLost = false;
  process.stderr.on('error', () => {
    stderrOpen = false;
  });
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (stdoutLost) return;
    stdoutLost = true;
    if (stderrOpen) {
      logger.warn({
        msg: 'stdout is closed: request log lines are lost from now on',
        code: error.code ?? 'unknown',
      });
    }
  });
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === 'help') {
    await out(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === 'check') return checkCommand(rest, { out, err });
  const options = resolveCommandOptions(rest, process.env);
  if (options.help) {
    await out(USAGE);
    return 0;
  }
  switch (command) {
    case 'serve': {
      // One line per request: batched per turn of the event loop, not one write each.
      const log = createLineWriter(process.stdout, (flush) => process.on('exit', flush));
      const logger = createServerLogger({ out: log, err }, options.logLevel);
      keepServingWithoutOutput(logger);
      // A signal while the server is still starting (waiting for the database) ends it at once:
      // it has answered nothing but 503s, so there is nothing to drain.
      const early = (signal: string) => {
        logger.info({ msg: 'shutting down', signal });
        process.exit(0);
      };
      const onTerm = () => early('SIGTERM');
      const onInt = () => early('SIGINT');
      process.once('SIGTERM', onTerm);
      process.once('SIGINT', onInt);
      const running = await serve(options, logger);
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          logger.info({ msg: 'shutting down', signal });
          running.close().then(resolve, resolve);
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
      });
      return 0;
    }
    case 'clients':
    case 'tokens':
    case 'export':
    case 'import':
    case 'sweep': {
      const opened = await openStore(options.store, {
        poolSize: options.pgPoolSize,
        schema: options.pgSchema,
      });
      try {
        if (command === 'clients') {
          const documents = () => documentAdministration(options, opened.store);
          return await clientsCommand(opened.store, options.positionals, options, { out, err }, documents);
        }
        if (command === 'tokens') {
          return await tokensCommand(opened.store, options.positionals, options, { out, err });
        }
        if (command === 'export') return await exportCommand(opened.store, { out, err }, process.stderr);
        if (command === 'import') {
          const [file] = options.positionals;
          if (file === undefined) {
            err('Usage: registrar import FILE [--store SPEC] [--json]');
            return 2;
          }
          return await importCommand(opened.store, file, options, { out, err }, process.stderr);
        }
        return await sweepCommand(opened.store, options, { out, err }, process.stderr);
      } finally {
        await opened.store.close();
      }
    }
    case 'migrate':
      return migrateCommand(options, { out, err });
    case 'admin-token':
      return adminTokenCommand(options.positionals, options, { out, err });
    default:
      err(`Unknown command "${command}".\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (
      error instanceof ConfigurationError ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      err(`registrar: ${(error as Error).message}`);
      process.exitCode = 2;
      return;
    }
    err(`registrar: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);

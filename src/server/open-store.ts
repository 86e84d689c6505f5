/**
 * Opens a bundled store from a `--store` specification.
 *
 * @module
 */

import { resolve } from 'node:path';
import { ConfigurationError, RegistrationError, StoreUnavailableError } from '../core/errors.js';
import type { Logger } from '../core/events.js';
import type { BundledStore } from '../store/bundled-store.js';
import { createMemoryStore } from '../store/memory.js';
import type { PostgresStore } from '../store/postgres.js';

/** The store a specification names, and whether it keeps anything across restarts. */
export interface OpenedStore {
  readonly store: BundledStore;
  readonly kind: 'memory' | 'sqlite' | 'postgres';
  /** A description safe to log (no credentials). */
  readonly description: string;
  /**
   * Where the data is, for an error to name: `HOST:PORT` and the database for
   * PostgreSQL, the file's path for SQLite.
   */
  readonly location: string;
  /** Present for stores whose schema is migrated separately from opening (PostgreSQL). */
  readonly migrations?: Pick<PostgresStore, 'migrate' | 'migrationStatus'>;
}

/** Options that only some stores read. */
export interface OpenStoreOptions {
  /** PostgreSQL: connections in the pool. */
  poolSize?: number;
  /** PostgreSQL: the schema holding Registrar's tables. */
  schema?: string;
  /** PostgreSQL: where lost idle connections are reported. */
  logger?: Logger;
}

/** A connection string with its password masked, for logs. */
export function redactUrl(spec: string): string {
  try {
    const url = new URL(spec);
    if (url.password !== '') url.password = '***';
    // Connection parameters may carry credentials too (password, sslpassword, sslkey): none is logged.
    url.search = '';
    return url.toString();
  } catch {
    return `${spec.split(':', 1)[0]}://(unparsable)`;
  }
}

/**
 * Loads the module of a feature that needs an optional peer dependency. When the
 * peer is not installed, a `ConfigurationError` says in one line what to install,
 * and how to run the published server with it.
 */
export async function importWithPeer<Module>(
  feature: string,
  peer: string,
  load: () => Promise<Module>,
): Promise<Module> {
  try {
    return await load();
  } catch (error) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    if (code !== 'ERR_MODULE_NOT_FOUND' || !String(message).startsWith(`Cannot find package '${peer}'`)) {
      throw error;
    }
    throw new ConfigurationError(
      `${feature} needs the ${peer} package: npm install ${peer}, or run npx -p registrar -p ${peer} registrar serve`,
    );
  }
}

/** `sqlite:PATH`, `memory:`, `postgres://...` (or `postgresql://...`). */
export async function openStore(spec: string, options: OpenStoreOptions = {}): Promise<OpenedStore> {
  if (spec === 'memory:' || spec === 'memory') {
    return {
      store: createMemoryStore(),
      kind: 'memory',
      description: 'memory (nothing survives a restart)',
      location: 'memory',
    };
  }
  if (spec.startsWith('sqlite:')) {
    const filename = spec.slice('sqlite:'.length);
    if (filename === '')
      throw new ConfigurationError('--store sqlite: needs a file name, for example sqlite:./registrar.db');
    const { createSqliteStore } = await importWithPeer(
      'The sqlite: store',
      'better-sqlite3',
      () => import('../store/sqlite.js'),
    );
    const location = `SQLite ${filename === ':memory:' ? filename : resolve(filename)}`;
    let store: BundledStore;
    try {
      store = createSqliteStore({ filename });
    } catch (error) {
      if (error instanceof ConfigurationError) throw error;
      throw new StoreAccessError(`Cannot open ${location}: ${(error as Error).message}.`, { cause: error });
    }
    return { store, kind: 'sqlite', description: `sqlite ${filename}`, location };
  }
  if (spec.startsWith('postgres://') || spec.startsWith('postgresql://')) {
    const { createPostgresStore } = await importWithPeer(
      'The postgres: store',
      'pg',
      () => import('../store/postgres.js'),
    );
    const schema = options.schema ?? 'public';
    const store = createPostgresStore({
      connectionString: spec,
      schema,
      ...(options.poolSize === undefined ? {} : { poolSize: options.poolSize }),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    });
    return {
      store,
      kind: 'postgres',
      description: `postgres ${redactUrl(spec)} schema ${schema}`,
      location: postgresLocation(spec, schema),
      migrations: store,
    };
  }
  throw new ConfigurationError(
    `Unknown --store "${spec.split(':', 1)[0]}:"; use sqlite:FILE, memory: or postgres://...`,
  );
}

/**
 * A store that cannot be used as the command needs: unreachable, not yet
 * migrated, a file that cannot be opened. Its message names where the data
 * is and, when the operator can fix it, how.
 */
export class StoreAccessError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreAccessError';
  }
}

/** `PostgreSQL HOST:PORT (database DB, schema S)`, with the defaults `pg` itself would use. */
function postgresLocation(spec: string, schema: string): string {
  let url: URL | undefined;
  try {
    url = new URL(spec);
  } catch {
    url = undefined;
  }
  const host = decodeURIComponent(url?.hostname ?? '') || process.env.PGHOST || 'localhost';
  const port = url?.port || process.env.PGPORT || '5432';
  const database = decodeURIComponent(url?.pathname.slice(1) ?? '') || process.env.PGDATABASE || '(default)';
  return `PostgreSQL ${host}:${port} (database ${database}, schema ${schema})`;
}

/** PostgreSQL's codes for a missing table, schema or column: a schema not migrated. */
const NOT_MIGRATED_CODES = new Set(['42P01', '3F000', '42703']);

const MIGRATE_HINT = 'run "registrar migrate" with the same --store and --pg-schema';

/**
 * What a failure of a store call means to an operator: an unreachable store,
 * or a schema without Registrar's tables, as a `StoreAccessError` naming the
 * store's location; any other error as it is.
 */
export function storeFailure(opened: OpenedStore, error: unknown): unknown {
  const cause =
    error instanceof RegistrationError && error.status >= 500 && error.cause !== undefined
      ? error.cause
      : error;
  if (cause instanceof StoreUnavailableError) {
    const inner = (cause.cause ?? {}) as { code?: unknown; message?: unknown };
    const why = typeof inner.code === 'string' ? inner.code : String(inner.message ?? 'no answer');
    return new StoreAccessError(`Cannot reach ${opened.location}: ${why}.`, { cause });
  }
  const code = (cause as { code?: unknown } | null)?.code;
  if (opened.kind === 'postgres' && typeof code === 'string' && NOT_MIGRATED_CODES.has(code)) {
    return new StoreAccessError(
      `${opened.location} lacks Registrar's tables (${(cause as Error).message}): ${MIGRATE_HINT}.`,
      { cause },
    );
  }
  return cause;
}

/**
 * Checks, before a command reads or writes, that the store can be reached
 * and that its schema is current: a PostgreSQL schema with pending
 * migrations throws a `StoreAccessError` saying to run `registrar migrate`.
 */
export async function assertStoreReady(opened: OpenedStore): Promise<void> {
  if (!opened.migrations) return;
  let status: Awaited<ReturnType<PostgresStore['migrationStatus']>>;
  try {
    status = await opened.migrations.migrationStatus();
  } catch (error) {
    throw storeFailure(opened, error);
  }
  if (status.pending.length === 0) return;
  const state =
    status.version === 0 ? 'has no Registrar tables' : `is at version ${status.version} of ${status.latest}`;
  throw new StoreAccessError(`${opened.location} ${state}: ${MIGRATE_HINT}.`);
}

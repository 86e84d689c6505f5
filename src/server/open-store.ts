/**
 * Opens a bundled store from a `--store` specification.
 *
 * @module
 */

import { ConfigurationError } from '../core/errors.js';
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
    return { store: createMemoryStore(), kind: 'memory', description: 'memory (nothing survives a restart)' };
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
    return { store: createSqliteStore({ filename }), kind: 'sqlite', description: `sqlite ${filename}` };
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
      migrations: store,
    };
  }
  throw new ConfigurationError(
    `Unknown --store "${spec.split(':', 1)[0]}:"; use sqlite:FILE, memory: or postgres://...`,
  );
}

/**
 * The PostgreSQL store (`pg`), for production and for several Registrar
 * instances sharing one database (docs/store-contract.md#bundled-stores-and-the-conformance-kit). Every write is one statement,
 * so it is atomic without an explicit transaction: the compare-and-swap of
 * `updateClient` and the compare-and-delete of `unregisterClient` are decided
 * by PostgreSQL's row locks, not by a read followed by a write.
 *
 * A lost or refused connection surfaces as `StoreUnavailableError` (503 with
 * `Retry-After`); the pool drops broken connections and opens new ones on the
 * next request, so the store recovers by itself when the database returns.
 *
 * @module
 */

import { createHash } from 'node:crypto';
import pg from 'pg';
import { consoleLogger } from '../core/config/resolve-config.js';
import { ConfigurationError, StoreUnavailableError } from '../core/errors.js';
import type { Logger } from '../core/events.js';
import type { ClientPage, ReclaimedClient } from '../core/store/registration-store.js';
import type {
  BundledStoreWithTokens,
  ClientRegistration,
  ClientStatusCounts,
  TokenColumns,
} from './bundled-store.js';
import {
  checkTokenExpiry,
  DENY_PREFIX,
  itsOwnRegistration,
  tokenFromColumns,
  withClientColumns,
} from './bundled-store.js';
import { POSTGRES_MIGRATIONS } from './sql/postgres-migrations.js';

/** Options for `createPostgresStore`. */
export interface PostgresStoreOptions {
  /** A libpq connection URI, `postgres://user:password@host:5432/database`. */
  connectionString: string;
  /** Connections the pool keeps open at most. Default 10. */
  poolSize?: number;
  /** The PostgreSQL schema holding Registrar's tables; created by `migrate()`. Default `public`. */
  schema?: string;
  /** Milliseconds to wait for a new connection, or for a free one when all are busy. Default 5000. */
  connectionTimeoutMs?: number;
  /** Milliseconds a statement may run before PostgreSQL cancels it. Default 10000. */
  statementTimeoutMs?: number;
  /** Receives a warning when an idle pooled connection is lost. Default: JSON lines on the console. */
  logger?: Logger;
}

/** The outcome of `migrate()`. */
export interface MigrationResult {
  /** The versions this call applied, in order; empty when the schema was current. */
  readonly applied: number[];
  /** The schema version now recorded in the database. */
  readonly version: number;
  /** The newest version this Registrar knows. */
  readonly latest: number;
}

/** What `migrationStatus()` finds. */
export interface MigrationStatus {
  /** The highest applied version; 0 for an empty schema. */
  readonly version: number;
  /** The newest version this Registrar knows. */
  readonly latest: number;
  /** Versions this Registrar knows that the database lacks. */
  readonly pending: number[];
}

/** A bundled store with migrations; it also keeps initial access tokens. */
export interface PostgresStore extends BundledStoreWithTokens {
  /**
   * Applies pending migrations under an advisory lock, so instances starting
   * together apply each migration exactly once. `onApplying` hears of each
   * migration just before it is applied (`registrar migrate` shows it).
   */
  migrate(options?: {
    onApplying?(migration: { version: number; name: string }): void;
  }): Promise<MigrationResult>;
  /** Reads the applied versions without changing anything. */
  migrationStatus(): Promise<MigrationStatus>;
}

interface ClientRow {
  client_id: string;
  registration: ClientRegistration;
  registration_access_token_hash: string | null;
  expires_at: string | null;
  last_used_at: string | null;
  activated_at: string | null;
  pending_approval: boolean | null;
  owner: string | null;
}

/** A schema name used unquoted in error messages and quoted in SQL; kept to plain identifiers. */
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Socket-level failures: the server is down, unreachable or went away. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs that mean "the database cannot serve this now" rather than "this
 * request is wrong": 57P01-57P03 shutdown and start-up, 53xxx insufficient
 * resources (too many connections, disk full), 57014 a statement timeout,
 * 25006 a read-only standby after a failover, 40001/40P01 a serialization
 * failure or deadlock that a retry resolves. Class 08 is checked separately.
 */
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '57014', '25006', '40001', '40P01']);

/** Messages `pg` and `pg-pool` use, without a code, for a lost or unobtainable connection. */
const CONNECTION_MESSAGES =
  /^(timeout exceeded when trying to connect|Connection terminated|Client has encountered a connection error|Query read timeout|timeout expired)/;

/**
 * Whether `error` (or anything in its cause chain, or an aggregate's members)
 * says the database cannot be reached, as opposed to a fault in the request.
 * @see docs/store-contract.md
 */
export function isConnectionFailure(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 5) return false;
  const { code, message, cause, errors } = error as {
    code?: unknown;
    message?: unknown;
    cause?: unknown;
    errors?: unknown;
  };
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code) || UNAVAILABLE_STATES.has(code)) return true;
    if (code.startsWith('08') || code.startsWith('53')) return true;
  }
  if (typeof message === 'string' && CONNECTION_MESSAGES.test(message)) return true;
  if (Array.isArray(errors) && errors.some((member) => isConnectionFailure(member, depth + 1))) return true;
  return isConnectionFailure(cause, depth + 1);
}

/**
 * Whether `value` can be a `text` parameter: PostgreSQL refuses NUL, and
 * `pg` sends a lone surrogate as U+FFFD, so such text would match another.
 */
function isStorableText(value: string): boolean {
  return !value.includes('\u0000') && !/\p{Cs}/u.test(value);
}

/** `consumeOnce` keys up to this many UTF-8 bytes are kept as they are; a btree entry must stay under 2,704. */
const MAX_PLAIN_ONCE_KEY_BYTES = 1024;

/**
 * The row key of a `consumeOnce` key: the key itself, or for a longer one or
 * one that is not storable text, the SHA-256 of its UTF-16 code units, so
 * every distinct key still has its own row.
 */
function onceKey(key: string): string {
  if (isStorableText(key) && Buffer.byteLength(key) <= MAX_PLAIN_ONCE_KEY_BYTES) return key;
  return `sha256:${createHash('sha256').update(Buffer.from(key, 'utf16le')).digest('base64url')}`;
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value <= 0)
    throw new ConfigurationError(`${name} must be a positive integer.`);
  return value;
}

function fromRow(row: ClientRow): ClientRegistration {
  return withClientColumns(row.registration, row);
}

/**
 * Creates a PostgreSQL store. No connection is opened until the first call;
 * call `migrate()` once before use (`registrar serve` does, unless told not to).
 * @see docs/store-contract.md
 * @see docs/operations.md
 */
export function createPostgresStore(options: PostgresStoreOptions): PostgresStore {
  const schema = options.schema ?? 'public';
  if (!SCHEMA_NAME.test(schema)) {
    throw new ConfigurationError(
      'schema must be a plain PostgreSQL identifier (letters, digits, underscore).',
    );
  }
  const logger = options.logger ?? consoleLogger;
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: positiveInteger(options.poolSize ?? 10, 'poolSize'),
    connectionTimeoutMillis: positiveInteger(options.connectionTimeoutMs ?? 5000, 'connectionTimeoutMs'),
    statement_timeout: positiveInteger(options.statementTimeoutMs ?? 10_000, 'statementTimeoutMs'),
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    application_name: 'registrar',
  });
  // An idle connection that the server closes (a restart, a failover) is reported
  // here; the pool has already discarded it and opens a fresh one on demand.
  pool.on('error', (error: Error & { code?: string }) => {
    logger.warn({ msg: 'an idle PostgreSQL connection was lost', code: error.code, error: error.message });
  });

  const clients = `"${schema}".registrar_clients`;
  const once = `"${schema}".registrar_once`;
  const migrations = `"${schema}".registrar_migrations`;
  const tokens = `"${schema}".registrar_initial_access_tokens`;
  const tokenColumns = 'id, token_hash, created_at, expires_at, max_uses, uses, policy, label';
  const columns =
    'client_id, registration, registration_access_token_hash, expires_at, last_used_at, activated_at, pending_approval, owner';
  let closed = false;

  /** A connection failure as StoreUnavailableError; any other error as it is. */
  function storeError(error: unknown): unknown {
    return isConnectionFailure(error)
      ? new StoreUnavailableError('The PostgreSQL database is unavailable.', { cause: error })
      : error;
  }

  /** Runs a statement, turning "the database cannot be reached" into StoreUnavailableError. */
  async function query<R extends pg.QueryResultRow>(
    text: string,
    values: unknown[] = [],
    on: pg.Pool | pg.PoolClient = pool,
  ): Promise<pg.QueryResult<R>> {
    try {
      return await on.query<R>(text, values);
    } catch (error) {
      throw storeError(error);
    }
  }

  async function connect(): Promise<pg.PoolClient> {
    try {
      return await pool.connect();
    } catch (error) {
      throw storeError(error);
    }
  }

  async function appliedVersions(on: pg.Pool | pg.PoolClient): Promise<Set<number>> {
    const exists = await query<{ found: string | null }>('SELECT to_regclass($1) AS found', [migrations], on);
    if (exists.rows[0]?.found === null) return new Set();
    const rows = await query<{ version: number }>(`SELECT version FROM ${migrations}`, [], on);
    return new Set(rows.rows.map((row) => row.version));
  }

  const latest = Math.max(0, ...POSTGRES_MIGRATIONS.map((migration) => migration.version));

  const params = (attrs: ClientRegistration) => [
    attrs.client_id,
    JSON.stringify(attrs),
    attrs.registration_access_token_hash ?? null,
    attrs.client_id_issued_at,
    attrs.expires_at ?? null,
    attrs.last_used_at ?? null,
    attrs.activated_at ?? null,
  ];

  async function readOne(clientId: string): Promise<ClientRegistration | null> {
    // No stored client_id is text the database cannot hold.
    if (!isStorableText(clientId)) return null;
    const { rows } = await query<ClientRow>(`SELECT ${columns} FROM ${clients} WHERE client_id = $1`, [
      clientId,
    ]);
    return rows[0] ? fromRow(rows[0]) : null;
  }

  const insertClient = `INSERT INTO ${clients} (client_id, registration, registration_access_token_hash, client_id_issued_at, expires_at, last_used_at, activated_at, pending_approval, owner)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (client_id) DO NOTHING`;
  const insertParams = (attrs: ClientRegistration) => [
    ...params(attrs),
    attrs.pending_approval === true ? true : null,
    attrs.owner ?? null,
  ];
  const withinCaps = `SELECT outcome, cap, reclaimed_client_id, reclaimed_owner
      FROM "${schema}".registrar_register_within_caps($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`;

  return {
    async registerClientWithinCaps(attrs, caps) {
      // One call of migration 6's function: the lock, the counts, the reclaim and the insert in the
      // transaction of one statement, which commits as a whole or not at all.
      const { rows } = await query<{
        outcome: 'stored' | 'duplicate' | 'cap_reached';
        cap: ReclaimedClient['cap'] | null;
        reclaimed_client_id: string | null;
        reclaimed_owner: string | null;
      }>(withinCaps, [
        `registrar:caps:${schema}`,
        ...insertParams(attrs),
        caps.maxClients ?? null,
        caps.maxClientsPerOwner ?? null,
        caps.reclaimIssuedBefore,
      ]);
      const row = rows[0];
      if (row?.outcome === 'cap_reached' && row.cap)
        return { ok: false, reason: 'cap_reached', cap: row.cap };
      if (row?.outcome === 'duplicate') return { ok: false, reason: 'duplicate client_id' };
      if (row?.outcome !== 'stored') throw new Error('registrar_register_within_caps answered no outcome');
      if (row.reclaimed_client_id === null || row.reclaimed_owner === null || row.cap === null) {
        return { ok: true, client: attrs };
      }
      return {
        ok: true,
        client: attrs,
        reclaimed: { client_id: row.reclaimed_client_id, owner: row.reclaimed_owner, cap: row.cap },
      };
    },
    async registerClient(attrs) {
      const { rowCount } = await query(insertClient, insertParams(attrs));
      if (rowCount !== 1) return { ok: false, reason: 'duplicate client_id' };
      // The row holds a serialised copy, so the caller's own object can be its client.
      return { ok: true, client: attrs };
    },
    loadClient: readOne,
    async loadClientWithRegistration(clientId) {
      // One round trip where loadClient and clientRegistration would take two.
      return itsOwnRegistration(await readOne(clientId));
    },
    async clientRegistrationAccessTokenHash(client) {
      return client.registration_access_token_hash ?? null;
    },
    async clientRegistration(client) {
      return readOne(client.client_id);
    },
    async updateClient(client, attrs, expectedTokenHash) {
      const next = { ...attrs, client_id: client.client_id };
      // One statement: the UPDATE holds the row lock while it re-checks the token
      // hash, so of concurrent swaps with one expected hash exactly one matches
      // (RFC 7592 §2.2). The outer SELECT tells "lost the race" from "gone".
      // pending_approval stays as stored, and an activation this update did not know of is kept
      // with its expiry and last use (SET reads the row as it was before the statement).
      const { rows } = await query<{ swapped: boolean; present: boolean }>(
        `WITH swapped AS (
           UPDATE ${clients}
              SET registration = $2, registration_access_token_hash = $3, client_id_issued_at = $4,
                  expires_at = CASE WHEN activated_at IS NOT NULL AND $7::bigint IS NULL THEN expires_at ELSE $5 END,
                  last_used_at = CASE WHEN activated_at IS NOT NULL AND $7::bigint IS NULL THEN last_used_at ELSE $6 END,
                  activated_at = COALESCE(activated_at, $7::bigint)
            WHERE client_id = $1 AND registration_access_token_hash = $8
           RETURNING 1
         )
         SELECT EXISTS (SELECT 1 FROM swapped) AS swapped,
                EXISTS (SELECT 1 FROM ${clients} WHERE client_id = $1) AS present`,
        [...params(next), expectedTokenHash],
      );
      const outcome = rows[0];
      if (outcome?.swapped) return { ok: true, client: next };
      return { ok: false, reason: outcome?.present ? 'conflict' : 'not_found' };
    },
    async unregisterClient(client) {
      // The DELETE that removes the row is the one that succeeds (RFC 7592 §2.3).
      const { rowCount } = await query(`DELETE FROM ${clients} WHERE client_id = $1`, [client.client_id]);
      return rowCount === 1 ? { ok: true } : { ok: false, reason: 'not_found' };
    },
    async touchClient(clientId, at) {
      if (!isStorableText(clientId)) return;
      // renewedExpiry() of store/contract.ts, in SQL so the renewal is one statement:
      // the client keeps its idle window, counted from this use.
      await query(
        `UPDATE ${clients}
            SET last_used_at = $2::bigint,
                expires_at = CASE WHEN expires_at IS NULL THEN NULL
                  ELSE GREATEST(expires_at, $2::bigint + (expires_at - COALESCE(last_used_at, client_id_issued_at)))
                END
          WHERE client_id = $1`,
        [clientId, at],
      );
    },
    async activateClient(clientId, at, expiresAt) {
      if (!isStorableText(clientId)) return false;
      const { rowCount } = await query(
        `UPDATE ${clients} SET activated_at = $2, last_used_at = $2, expires_at = $3
          WHERE client_id = $1 AND activated_at IS NULL`,
        [clientId, at, expiresAt],
      );
      return rowCount === 1;
    },
    async approveClient(clientId) {
      if (!isStorableText(clientId)) return false;
      const { rowCount } = await query(
        `UPDATE ${clients} SET pending_approval = NULL WHERE client_id = $1 AND pending_approval`,
        [clientId],
      );
      return rowCount === 1;
    },
    async rejectClient(clientId) {
      if (!isStorableText(clientId)) return false;
      const { rowCount } = await query(`DELETE FROM ${clients} WHERE client_id = $1 AND pending_approval`, [
        clientId,
      ]);
      return rowCount === 1;
    },
    async sweepExpired(now, limit, onExpired) {
      // SKIP LOCKED: sweeps running on several instances at once share the work
      // instead of waiting on each other's rows. RETURNING names exactly the
      // clients this statement removed, for the client.expired events.
      const { rows } = await query<{ client_id: string }>(
        `DELETE FROM ${clients} WHERE client_id IN (
           SELECT client_id FROM ${clients}
            WHERE expires_at IS NOT NULL AND expires_at < $1
            ORDER BY expires_at
            LIMIT $2
            FOR UPDATE SKIP LOCKED)
         RETURNING client_id`,
        [now, limit],
      );
      for (const row of rows) onExpired?.(row.client_id);
      return rows.length;
    },
    async consumeOnce(key, expiresAt) {
      const now = Math.floor(Date.now() / 1000);
      // A concurrent insert of the same key waits for the first to commit, then
      // takes the conflict branch, whose condition is false: one winner.
      const { rowCount } = await query(
        `INSERT INTO ${once} (key, expires_at) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at WHERE ${once}.expires_at < $3`,
        [onceKey(key), expiresAt, now],
      );
      if (rowCount === 1 && Math.random() < 0.01) {
        await query(
          `DELETE FROM ${once} WHERE key IN (SELECT key FROM ${once} WHERE expires_at < $1 LIMIT 1000)`,
          [now],
        );
      }
      return rowCount === 1;
    },
    async revokeStatelessClient(key, until) {
      await query(
        `INSERT INTO ${once} (key, expires_at) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET expires_at = GREATEST(${once}.expires_at, excluded.expires_at)`,
        [DENY_PREFIX + key, until],
      );
    },
    async isStatelessClientRevoked(key) {
      const { rowCount } = await query(`SELECT 1 FROM ${once} WHERE key = $1 AND expires_at >= $2`, [
        DENY_PREFIX + key,
        Math.floor(Date.now() / 1000),
      ]);
      return rowCount === 1;
    },
    async createInitialAccessToken(record) {
      checkTokenExpiry(record);
      await query(`INSERT INTO ${tokens} (${tokenColumns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, [
        record.id,
        record.token_hash,
        record.created_at,
        record.expires_at ?? null,
        record.max_uses ?? null,
        record.uses,
        record.policy === undefined ? null : JSON.stringify(record.policy),
        record.label ?? null,
      ]);
    },
    async findInitialAccessToken(tokenHash) {
      const { rows } = await query<TokenColumns>(
        `SELECT ${tokenColumns} FROM ${tokens} WHERE token_hash = $1`,
        [tokenHash],
      );
      return rows[0] ? tokenFromColumns(rows[0]) : null;
    },
    async consumeInitialAccessToken(tokenHash, now) {
      // One statement: the row lock makes the check and the increment one step, so
      // concurrent uses on any number of instances never exceed max_uses.
      const { rowCount } = await query(
        `UPDATE ${tokens} SET uses = uses + 1
          WHERE token_hash = $1
            AND (expires_at IS NULL OR expires_at > $2)
            AND (max_uses IS NULL OR uses < max_uses)`,
        [tokenHash, now],
      );
      return rowCount === 1;
    },
    async listInitialAccessTokens() {
      const { rows } = await query<TokenColumns>(
        `SELECT ${tokenColumns} FROM ${tokens} ORDER BY created_at, id`,
      );
      return rows.map(tokenFromColumns);
    },
    async revokeInitialAccessToken(id) {
      if (!isStorableText(id)) return false;
      const { rowCount } = await query(`DELETE FROM ${tokens} WHERE id = $1`, [id]);
      return rowCount === 1;
    },
    async listClients(options = {}): Promise<ClientPage> {
      const limit = options.limit ?? 100;
      const { rows } = await query<ClientRow>(
        `SELECT ${columns} FROM ${clients} WHERE client_id > $1 ORDER BY client_id LIMIT $2`,
        [options.after ?? '', limit + 1],
      );
      const page = rows.slice(0, limit);
      const result: ClientPage = { clients: page.map(fromRow) };
      return rows.length > limit ? { ...result, next: page[page.length - 1]?.client_id as string } : result;
    },
    async countClientsByStatus(now) {
      const { rows } = await query<Record<keyof ClientStatusCounts, string>>(
        `SELECT count(*) FILTER (WHERE pending_approval IS NOT TRUE AND (expires_at IS NULL OR expires_at > $1)) AS active,
                count(*) FILTER (WHERE pending_approval IS TRUE) AS pending,
                count(*) FILTER (WHERE pending_approval IS NOT TRUE AND expires_at <= $1) AS expired
           FROM ${clients}`,
        [now],
      );
      const row = rows[0];
      return {
        active: Number(row?.active ?? 0),
        pending: Number(row?.pending ?? 0),
        expired: Number(row?.expired ?? 0),
      };
    },
    async ping() {
      await query('SELECT 1');
    },
    async migrate(options = {}) {
      const connection = await connect();
      // Session-level lock keyed by the schema: a second instance waits here until
      // the first has finished, then finds nothing left to apply.
      const lockKey = `registrar:migrate:${schema}`;
      let failed = false;
      try {
        await query('SELECT pg_advisory_lock(hashtext($1))', [lockKey], connection);
        try {
          const found = await query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema], connection);
          if (found.rowCount === 0) await query(`CREATE SCHEMA "${schema}"`, [], connection);
          await query(
            `CREATE TABLE IF NOT EXISTS ${migrations} (
               version integer PRIMARY KEY,
               name text NOT NULL,
               applied_at timestamptz NOT NULL DEFAULT now()
             )`,
            [],
            connection,
          );
          const done = await appliedVersions(connection);
          const applied: number[] = [];
          for (const migration of POSTGRES_MIGRATIONS) {
            if (done.has(migration.version)) continue;
            options.onApplying?.({ version: migration.version, name: migration.name });
            await query('BEGIN', [], connection);
            try {
              await query(`SET LOCAL search_path TO "${schema}"`, [], connection);
              await query(migration.sql, [], connection);
              await query(
                `INSERT INTO ${migrations} (version, name) VALUES ($1, $2)`,
                [migration.version, migration.name],
                connection,
              );
              await query('COMMIT', [], connection);
            } catch (error) {
              await connection.query('ROLLBACK').catch(() => undefined);
              throw error;
            }
            applied.push(migration.version);
            done.add(migration.version);
          }
          return { applied, version: Math.max(0, ...done), latest };
        } finally {
          await connection.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey]).catch(() => undefined);
        }
      } catch (error) {
        failed = true;
        throw error;
      } finally {
        // After a failure the connection may be broken: discard it (which also
        // drops the advisory lock) rather than hand it back to the pool.
        connection.release(failed);
      }
    },
    async migrationStatus() {
      const done = await appliedVersions(pool);
      const pending = POSTGRES_MIGRATIONS.map((migration) => migration.version).filter(
        (version) => !done.has(version),
      );
      return { version: Math.max(0, ...done), latest, pending };
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}

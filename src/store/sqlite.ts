/**
 * The embedded SQLite store (`better-sqlite3`), the default of `registrar serve`.
 * WAL journal; each write is one statement or one transaction, committed before
 * the call returns, so a 201 survives `kill -9` of the server. better-sqlite3
 * runs statements synchronously, so writes from one process are serialised
 * and never meet a busy database; `busy_timeout` covers a second process
 * such as the CLI.
 *
 * @module
 */

import Database from 'better-sqlite3';
import { StoreUnavailableError } from '../core/errors.js';
import type { BundledStore, ClientPage, ClientRegistration } from './contract.js';
import { renewedExpiry } from './contract.js';
import { SQLITE_MIGRATIONS } from './sql/sqlite-migrations.js';

/** Options for `createSqliteStore`. */
export interface SqliteStoreOptions {
  /** The database file; created when missing. `:memory:` for a throwaway database. */
  filename: string;
  /**
   * `FULL` fsyncs every commit (survives power loss); `NORMAL` (the default)
   * survives a crash or `kill -9` of the process, which is what WAL needs for durability
   * of acknowledged writes short of an operating-system crash.
   */
  synchronous?: 'NORMAL' | 'FULL';
  /** Milliseconds to wait for a lock held by another process. Default 5000. */
  busyTimeoutMs?: number;
}

interface ClientRow {
  registration: string;
  registration_access_token_hash: string | null;
  expires_at: number | null;
  last_used_at: number | null;
}

/** SQLite result codes that mean "cannot reach the data now", not "bad request". */
const UNAVAILABLE_CODES = /^SQLITE_(BUSY|LOCKED|IOERR|CANTOPEN|FULL|READONLY|PROTOCOL)/;

function fromRow(row: ClientRow): ClientRegistration {
  const registration = JSON.parse(row.registration) as ClientRegistration;
  if (row.registration_access_token_hash === null) delete registration.registration_access_token_hash;
  else registration.registration_access_token_hash = row.registration_access_token_hash;
  if (row.expires_at === null) delete registration.expires_at;
  else registration.expires_at = row.expires_at;
  if (row.last_used_at === null) delete registration.last_used_at;
  else registration.last_used_at = row.last_used_at;
  return registration;
}

/** Applies pending migrations; safe to call on every open. Returns the schema version. */
export function migrateSqlite(db: Database.Database): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (let version = current; version < SQLITE_MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(SQLITE_MIGRATIONS[version] as string);
      db.pragma(`user_version = ${version + 1}`);
    }).immediate();
  }
  return SQLITE_MIGRATIONS.length;
}

/** Opens (creating and migrating when needed) a SQLite store. */
export function createSqliteStore(options: SqliteStoreOptions): BundledStore {
  const db = new Database(options.filename);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
  db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  db.pragma('foreign_keys = ON');
  migrateSqlite(db);

  const columns = 'registration, registration_access_token_hash, expires_at, last_used_at';
  const insert = db.prepare(
    `INSERT INTO registrar_clients (client_id, registration, registration_access_token_hash, client_id_issued_at, expires_at, last_used_at)
     VALUES (@client_id, @registration, @token_hash, @issued_at, @expires_at, @last_used_at)
     ON CONFLICT (client_id) DO NOTHING`,
  );
  const select = db.prepare<[string], ClientRow>(
    `SELECT ${columns} FROM registrar_clients WHERE client_id = ?`,
  );
  const compareAndSwap = db.prepare(
    `UPDATE registrar_clients
        SET registration = @registration, registration_access_token_hash = @token_hash,
            expires_at = @expires_at, last_used_at = @last_used_at
      WHERE client_id = @client_id AND registration_access_token_hash IS @expected`,
  );
  const remove = db.prepare<[string]>('DELETE FROM registrar_clients WHERE client_id = ?');
  const touch = db.prepare(
    'UPDATE registrar_clients SET last_used_at = @at, expires_at = @expires_at WHERE client_id = @client_id',
  );
  const expired = db.prepare<[number, number], { client_id: string }>(
    'SELECT client_id FROM registrar_clients WHERE expires_at IS NOT NULL AND expires_at < ? ORDER BY expires_at LIMIT ?',
  );
  const claimOnce = db.prepare(
    `INSERT INTO registrar_once (key, expires_at) VALUES (@key, @expires_at)
     ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at WHERE registrar_once.expires_at < @now`,
  );
  const pruneOnce = db.prepare('DELETE FROM registrar_once WHERE expires_at < ?');
  const list = db.prepare<[string, number], ClientRow & { client_id: string }>(
    `SELECT client_id, ${columns} FROM registrar_clients WHERE client_id > ? ORDER BY client_id LIMIT ?`,
  );

  const params = (attrs: ClientRegistration) => ({
    client_id: attrs.client_id,
    registration: JSON.stringify(attrs),
    token_hash: attrs.registration_access_token_hash ?? null,
    issued_at: attrs.client_id_issued_at,
    expires_at: attrs.expires_at ?? null,
    last_used_at: attrs.last_used_at ?? null,
  });

  /** Runs a statement, turning "the database cannot be used now" into StoreUnavailableError. */
  function guard<T>(run: () => T): T {
    try {
      return run();
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'string' && UNAVAILABLE_CODES.test(code)) {
        throw new StoreUnavailableError('The SQLite database is unavailable.', { cause: error });
      }
      throw error;
    }
  }

  const sweep = db.transaction((now: number, limit: number) => {
    let removed = 0;
    for (const row of expired.all(now, limit)) removed += remove.run(row.client_id).changes;
    return removed;
  });

  return {
    async registerClient(attrs) {
      const { changes } = guard(() => insert.run(params(attrs)));
      if (changes === 0) return { ok: false, reason: 'duplicate client_id' };
      return { ok: true, client: structuredClone(attrs) };
    },
    async loadClient(clientId) {
      const row = guard(() => select.get(clientId));
      return row ? fromRow(row) : null;
    },
    async clientRegistrationAccessTokenHash(client) {
      return client.registration_access_token_hash ?? null;
    },
    async clientRegistration(client) {
      const row = guard(() => select.get(client.client_id));
      return row ? fromRow(row) : null;
    },
    async updateClient(client, attrs, expectedTokenHash) {
      const next = { ...attrs, client_id: client.client_id };
      const { changes } = guard(() => compareAndSwap.run({ ...params(next), expected: expectedTokenHash }));
      if (changes === 1) return { ok: true, client: next };
      const exists = guard(() => select.get(client.client_id));
      return { ok: false, reason: exists ? 'conflict' : 'not_found' };
    },
    async unregisterClient(client) {
      const { changes } = guard(() => remove.run(client.client_id));
      return changes === 1 ? { ok: true } : { ok: false, reason: 'not_found' };
    },
    async touchClient(clientId, at) {
      guard(() =>
        db
          .transaction(() => {
            const row = select.get(clientId);
            if (!row) return;
            touch.run({ client_id: clientId, at, expires_at: renewedExpiry(fromRow(row), at) ?? null });
          })
          .immediate(),
      );
    },
    async sweepExpired(now, limit) {
      return guard(() => sweep.immediate(now, limit));
    },
    async consumeOnce(key, expiresAt) {
      const now = Math.floor(Date.now() / 1000);
      const { changes } = guard(() => claimOnce.run({ key, expires_at: expiresAt, now }));
      if (changes === 1 && Math.random() < 0.01) guard(() => pruneOnce.run(now));
      return changes === 1;
    },
    async listClients(options = {}): Promise<ClientPage> {
      const limit = options.limit ?? 100;
      const rows = guard(() => list.all(options.after ?? '', limit + 1));
      const page = rows.slice(0, limit);
      const result: ClientPage = { clients: page.map(fromRow) };
      return rows.length > limit ? { ...result, next: page[page.length - 1]?.client_id as string } : result;
    },
    async ping() {
      guard(() => db.prepare('SELECT 1').get());
    },
    async close() {
      if (db.open) db.close();
    },
  };
}

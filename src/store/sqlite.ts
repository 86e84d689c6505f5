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

import { once } from 'node:events';
import { closeSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { StoreUnavailableError } from '../core/errors.js';
import type {
  CappedWriteResult,
  ClientCaps,
  ClientPage,
  ReclaimedClient,
} from '../core/store/registration-store.js';
import type {
  BundledStoreWithTokens,
  ClientRegistration,
  ClientStatusCounts,
  InitialAccessTokenRecord,
  TokenColumns,
} from './bundled-store.js';
import {
  checkTokenExpiry,
  DENY_PREFIX,
  itsOwnRegistration,
  renewedExpiry,
  tokenFromColumns,
  withClientColumns,
} from './bundled-store.js';
import { SQLITE_MIGRATIONS } from './sql/sqlite-migrations.js';

/** Options for `createSqliteStore`. */
export interface SqliteStoreOptions {
  /**
   * The database file; created when missing, with mode 0600 (its `-wal` and
   * `-shm` files too). `:memory:` for a throwaway database.
   */
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
  activated_at: number | null;
  pending_approval: number | null;
  owner: string | null;
}

interface TokenRow {
  id: string;
  token_hash: string;
  created_at: number;
  expires_at: number | null;
  max_uses: number | null;
  uses: number;
  policy: string | null;
  label: string | null;
}

function tokenFromRow(row: TokenRow): InitialAccessTokenRecord {
  return tokenFromColumns({
    ...row,
    policy: row.policy === null ? null : (JSON.parse(row.policy) as TokenColumns['policy']),
  });
}

/** SQLite result codes that mean "cannot reach the data now", not "bad request". */
const UNAVAILABLE_CODES = /^SQLITE_(BUSY|LOCKED|IOERR|CANTOPEN|FULL|READONLY|PROTOCOL)/;

function fromRow(row: ClientRow): ClientRegistration {
  return withClientColumns(JSON.parse(row.registration) as ClientRegistration, row);
}

/**
 * Applies pending migrations; safe to call on every open. Returns the schema version.
 * @see docs/operations.md
 */
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

/** WAL pages after which a commit on the store's own connection checkpoints: a backstop only. */
export const BACKSTOP_CHECKPOINT_PAGES = 10_000;
/** Milliseconds between the background checkpoints. */
export const CHECKPOINT_INTERVAL_MS = 200;
/** SQLite's own default threshold, used again if the background checkpointer stops. */
const DEFAULT_CHECKPOINT_PAGES = 1000;

// A WAL checkpoint copies committed pages into the database file and fsyncs it: milliseconds of
// synchronous work that better-sqlite3 would do inside whichever commit crosses the threshold,
// stalling every request on the event loop. This worker thread runs them on its own connection
// instead, PASSIVE so it never blocks a writer; a checkpoint that meets a lock is simply retried
// at the next interval. Checkpoints move data that is already committed, so durability is unchanged.
const CHECKPOINTER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.filename, { fileMustExist: true });
db.pragma('busy_timeout = ' + workerData.busyTimeoutMs);
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {}
}, workerData.intervalMs);
parentPort.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/** Starts the background checkpointer for `filename`; if it ever stops, `db` checkpoints by itself again. */
function startCheckpointer(db: Database.Database, filename: string, busyTimeoutMs: number): Worker {
  db.pragma(`wal_autocheckpoint = ${BACKSTOP_CHECKPOINT_PAGES}`);
  const worker = new Worker(CHECKPOINTER, {
    eval: true,
    workerData: {
      driver: createRequire(import.meta.url).resolve('better-sqlite3'),
      filename,
      busyTimeoutMs,
      intervalMs: CHECKPOINT_INTERVAL_MS,
    },
  });
  worker.unref();
  // An error ends the worker; the exit handler below restores the default behaviour.
  worker.on('error', () => {});
  worker.once('exit', () => {
    if (db.open) db.pragma(`wal_autocheckpoint = ${DEFAULT_CHECKPOINT_PAGES}`);
  });
  return worker;
}

/**
 * Creates a missing database file readable by its owner only (0600). SQLite
 * gives the `-wal` and `-shm` files it creates beside it the database file's
 * permissions, so they are 0600 too. An existing file keeps its mode.
 */
function createPrivateFile(filename: string): void {
  if (filename === ':memory:' || filename === '') return;
  try {
    closeSync(openSync(filename, 'a', 0o600));
  } catch {
    // A directory that is missing or not writable: better-sqlite3 reports it as it opens the file.
  }
}

/**
 * Opens (creating and migrating when needed) a SQLite store; a new database file is 0600.
 * @see docs/store-contract.md
 */
export function createSqliteStore(options: SqliteStoreOptions): BundledStoreWithTokens {
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  createPrivateFile(options.filename);
  const db = new Database(options.filename);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
  db.pragma(`busy_timeout = ${busyTimeoutMs}`);
  db.pragma('foreign_keys = ON');
  migrateSqlite(db);
  const checkpointer = db.memory ? undefined : startCheckpointer(db, options.filename, busyTimeoutMs);

  const columns =
    'registration, registration_access_token_hash, expires_at, last_used_at, activated_at, pending_approval, owner';
  const insert = db.prepare(
    `INSERT INTO registrar_clients (client_id, registration, registration_access_token_hash, client_id_issued_at, expires_at, last_used_at, activated_at, pending_approval, owner)
     VALUES (@client_id, @registration, @token_hash, @issued_at, @expires_at, @last_used_at, @activated_at, @pending_approval, @owner)
     ON CONFLICT (client_id) DO NOTHING`,
  );
  // The counts the triggers of migration 5 keep: '' is every client, any other key one owner's.
  const countOf = db.prepare<[string], { n: number }>(
    'SELECT n FROM registrar_client_counts WHERE owner = ?',
  );
  // A reclaimable client (docs/admission.md#caps): has an owner, never used, issued before the given second.
  const unused = 'c.activated_at IS NULL AND c.last_used_at IS NULL AND c.client_id_issued_at < @before';
  const ownersOldest = db.prepare<{ owner: string; before: number }, { client_id: string; owner: string }>(
    `SELECT c.client_id, c.owner FROM registrar_clients c WHERE c.owner = @owner AND ${unused}
      ORDER BY c.client_id_issued_at, c.client_id LIMIT 1`,
  );
  // Owners from the biggest down (the counts' index), each probed for its oldest reclaimable
  // client through registrar_clients_owner; the first owner that has one gives it up.
  const biggestOwnersOldest = db.prepare<{ before: number }, { client_id: string; owner: string }>(
    `SELECT o.owner AS owner,
            (SELECT c.client_id FROM registrar_clients c WHERE c.owner = o.owner AND ${unused}
              ORDER BY c.client_id_issued_at, c.client_id LIMIT 1) AS client_id
       FROM registrar_client_counts o INDEXED BY registrar_client_counts_biggest
      WHERE o.owner <> '' AND client_id IS NOT NULL
      ORDER BY o.n DESC, o.owner LIMIT 1`,
  );
  const select = db.prepare<[string], ClientRow>(
    `SELECT ${columns} FROM registrar_clients WHERE client_id = ?`,
  );
  // pending_approval is left as stored, and an activation the update did not know of is kept
  // with its expiry and last use (SET reads the row as it was before the statement).
  const compareAndSwap = db.prepare(
    `UPDATE registrar_clients
        SET registration = @registration, registration_access_token_hash = @token_hash,
            expires_at = CASE WHEN activated_at IS NOT NULL AND @activated_at IS NULL THEN expires_at ELSE @expires_at END,
            last_used_at = CASE WHEN activated_at IS NOT NULL AND @activated_at IS NULL THEN last_used_at ELSE @last_used_at END,
            activated_at = COALESCE(activated_at, @activated_at)
      WHERE client_id = @client_id AND registration_access_token_hash IS @expected`,
  );
  const activate = db.prepare(
    `UPDATE registrar_clients SET activated_at = @at, last_used_at = @at, expires_at = @expires_at
      WHERE client_id = @client_id AND activated_at IS NULL`,
  );
  const approve = db.prepare<[string]>(
    'UPDATE registrar_clients SET pending_approval = NULL WHERE client_id = ? AND pending_approval = 1',
  );
  const reject = db.prepare<[string]>(
    'DELETE FROM registrar_clients WHERE client_id = ? AND pending_approval = 1',
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
  // The deny list of stateless ids shares the key/expiry table, under its own prefix.
  const deny = db.prepare(
    `INSERT INTO registrar_once (key, expires_at) VALUES (@key, @until)
     ON CONFLICT (key) DO UPDATE SET expires_at = MAX(registrar_once.expires_at, excluded.expires_at)`,
  );
  const denied = db.prepare('SELECT 1 FROM registrar_once WHERE key = ? AND expires_at >= ?');
  const insertToken = db.prepare(
    `INSERT INTO registrar_initial_access_tokens (id, token_hash, created_at, expires_at, max_uses, uses, policy, label)
     VALUES (@id, @token_hash, @created_at, @expires_at, @max_uses, @uses, @policy, @label)`,
  );
  const tokenColumns = 'id, token_hash, created_at, expires_at, max_uses, uses, policy, label';
  const selectToken = db.prepare<[string], TokenRow>(
    `SELECT ${tokenColumns} FROM registrar_initial_access_tokens WHERE token_hash = ?`,
  );
  // One statement: the check and the increment cannot be split by another writer, in this process or another.
  const consumeToken = db.prepare(
    `UPDATE registrar_initial_access_tokens SET uses = uses + 1
      WHERE token_hash = @token_hash
        AND (expires_at IS NULL OR expires_at > @now)
        AND (max_uses IS NULL OR uses < max_uses)`,
  );
  const listTokens = db.prepare<[], TokenRow>(
    `SELECT ${tokenColumns} FROM registrar_initial_access_tokens ORDER BY created_at, id`,
  );
  const revokeToken = db.prepare<[string]>('DELETE FROM registrar_initial_access_tokens WHERE id = ?');
  const selectOne = db.prepare('SELECT 1');
  const countByStatus = db.prepare<{ now: number }, ClientStatusCounts>(
    `SELECT coalesce(sum(pending_approval IS NOT 1 AND (expires_at IS NULL OR expires_at > @now)), 0) AS active,
            coalesce(sum(pending_approval = 1), 0) AS pending,
            coalesce(sum(pending_approval IS NOT 1 AND expires_at <= @now), 0) AS expired
       FROM registrar_clients`,
  );
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
    activated_at: attrs.activated_at ?? null,
    pending_approval: attrs.pending_approval === true ? 1 : null,
    owner: attrs.owner ?? null,
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
    const removed: string[] = [];
    for (const row of expired.all(now, limit)) {
      if (remove.run(row.client_id).changes === 1) removed.push(row.client_id);
    }
    return removed;
  });
  const capped = db.transaction(
    (attrs: ClientRegistration, caps: ClientCaps): CappedWriteResult<ClientRegistration> => {
      if (select.get(attrs.client_id)) return { ok: false, reason: 'duplicate client_id' };
      let total = countOf.get('')?.n ?? 0;
      let reclaimed: ReclaimedClient | undefined;
      const before = caps.reclaimIssuedBefore;
      const perOwner = caps.maxClientsPerOwner;
      if (perOwner !== undefined && (countOf.get(caps.owner)?.n ?? 0) >= perOwner) {
        const victim = ownersOldest.get({ owner: caps.owner, before });
        if (!victim) return { ok: false, reason: 'cap_reached', cap: 'maxClientsPerOwner' };
        reclaimed = { ...victim, cap: 'maxClientsPerOwner' };
        total--;
      }
      if (caps.maxClients !== undefined && total >= caps.maxClients) {
        const victim = reclaimed ? undefined : biggestOwnersOldest.get({ before });
        if (!victim) return { ok: false, reason: 'cap_reached', cap: 'maxClients' };
        reclaimed = { ...victim, cap: 'maxClients' };
      }
      if (reclaimed) remove.run(reclaimed.client_id);
      insert.run(params(attrs));
      return reclaimed ? { ok: true, client: attrs, reclaimed } : { ok: true, client: attrs };
    },
  );
  const renew = db.transaction((clientId: string, at: number) => {
    const row = select.get(clientId);
    if (!row) return;
    touch.run({ client_id: clientId, at, expires_at: renewedExpiry(fromRow(row), at) ?? null });
  });

  /** The stored client, or `null`. */
  async function readOne(clientId: string): Promise<ClientRegistration | null> {
    const row = guard(() => select.get(clientId));
    return row ? fromRow(row) : null;
  }

  return {
    async registerClient(attrs) {
      const { changes } = guard(() => insert.run(params(attrs)));
      if (changes === 0) return { ok: false, reason: 'duplicate client_id' };
      // The row holds a serialised copy, so the caller's own object can be its client.
      return { ok: true, client: attrs };
    },
    async registerClientWithinCaps(attrs, caps): Promise<CappedWriteResult<ClientRegistration>> {
      // IMMEDIATE: the write lock is taken before the counts, so another process cannot overshoot.
      return guard(() => capped.immediate(attrs, caps));
    },
    loadClient: readOne,
    async loadClientWithRegistration(clientId) {
      // One read transaction: each one takes and releases the WAL's shared lock, a system call each.
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
      const { pending_approval: _pending, ...swap } = params(next);
      const { changes } = guard(() => compareAndSwap.run({ ...swap, expected: expectedTokenHash }));
      if (changes === 1) return { ok: true, client: next };
      const exists = guard(() => select.get(client.client_id));
      return { ok: false, reason: exists ? 'conflict' : 'not_found' };
    },
    async unregisterClient(client) {
      const { changes } = guard(() => remove.run(client.client_id));
      return changes === 1 ? { ok: true } : { ok: false, reason: 'not_found' };
    },
    async touchClient(clientId, at) {
      guard(() => renew.immediate(clientId, at));
    },
    async activateClient(clientId, at, expiresAt) {
      return guard(() => activate.run({ client_id: clientId, at, expires_at: expiresAt })).changes === 1;
    },
    async approveClient(clientId) {
      return guard(() => approve.run(clientId)).changes === 1;
    },
    async rejectClient(clientId) {
      return guard(() => reject.run(clientId)).changes === 1;
    },
    async sweepExpired(now, limit, onExpired) {
      const removed = guard(() => sweep.immediate(now, limit));
      // Reported after the commit, so a throwing callback cannot roll the sweep back.
      for (const clientId of removed) onExpired?.(clientId);
      return removed.length;
    },
    async consumeOnce(key, expiresAt) {
      const now = Math.floor(Date.now() / 1000);
      const { changes } = guard(() => claimOnce.run({ key, expires_at: expiresAt, now }));
      if (changes === 1 && Math.random() < 0.01) guard(() => pruneOnce.run(now));
      return changes === 1;
    },
    async revokeStatelessClient(key, until) {
      guard(() => deny.run({ key: DENY_PREFIX + key, until }));
    },
    async isStatelessClientRevoked(key) {
      return guard(() => denied.get(DENY_PREFIX + key, Math.floor(Date.now() / 1000))) !== undefined;
    },
    async createInitialAccessToken(record) {
      checkTokenExpiry(record);
      guard(() =>
        insertToken.run({
          id: record.id,
          token_hash: record.token_hash,
          created_at: record.created_at,
          expires_at: record.expires_at ?? null,
          max_uses: record.max_uses ?? null,
          uses: record.uses,
          policy: record.policy === undefined ? null : JSON.stringify(record.policy),
          label: record.label ?? null,
        }),
      );
    },
    async findInitialAccessToken(tokenHash) {
      const row = guard(() => selectToken.get(tokenHash));
      return row ? tokenFromRow(row) : null;
    },
    async consumeInitialAccessToken(tokenHash, now) {
      return guard(() => consumeToken.run({ token_hash: tokenHash, now })).changes === 1;
    },
    async listInitialAccessTokens() {
      return guard(() => listTokens.all()).map(tokenFromRow);
    },
    async revokeInitialAccessToken(id) {
      return guard(() => revokeToken.run(id)).changes === 1;
    },
    async listClients(options = {}): Promise<ClientPage> {
      const limit = options.limit ?? 100;
      const rows = guard(() => list.all(options.after ?? '', limit + 1));
      const page = rows.slice(0, limit);
      const result: ClientPage = { clients: page.map(fromRow) };
      return rows.length > limit ? { ...result, next: page[page.length - 1]?.client_id as string } : result;
    },
    async countClientsByStatus(now) {
      const row = guard(() => countByStatus.get({ now })) as ClientStatusCounts;
      return { active: row.active, pending: row.pending, expired: row.expired };
    },
    async ping() {
      guard(() => selectOne.get());
    },
    async close() {
      if (checkpointer && checkpointer.threadId !== -1) {
        const exited = once(checkpointer, 'exit');
        // Held open until it has closed its connection: the last connection to close removes the WAL.
        checkpointer.ref();
        checkpointer.postMessage('close');
        await exited;
      }
      if (db.open) db.close();
    },
  };
}

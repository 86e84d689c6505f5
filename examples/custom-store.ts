// A store for a database Registrar does not ship, written against the RegistrationStore contract:
// the companion of docs/writing-a-store.md. SQLite (better-sqlite3) stands in for "your database";
// every statement is plain SQL that reads the same on PostgreSQL or MySQL.
import type Database from 'better-sqlite3';
import {
  type ClientRegistration,
  type RegistrationStore,
  StoreUnavailableError,
  type StoreWriteResult,
} from 'registrar';

/** The host's own idea of a client: Registrar passes it back to the store and never looks inside. */
export interface AppClient {
  readonly id: string;
  readonly tokenHash: string | null;
}

interface Row {
  client_id: string;
  registration: string;
  token_hash: string | null;
}

/** Creates the table this store keeps its clients in. */
export function createClientsTable(db: Database.Database): void {
  db.exec(`CREATE TABLE IF NOT EXISTS app_oauth_clients (
    client_id    TEXT PRIMARY KEY,
    registration TEXT NOT NULL,
    token_hash   TEXT
  )`);
}

/** A database that cannot be reached is a 503 with Retry-After, not a 500 (docs/store-contract.md). */
function guarded<T>(operation: () => T): T {
  try {
    return operation();
  } catch (error) {
    if (/^SQLITE_(BUSY|LOCKED|IOERR|CANTOPEN)/.test((error as { code?: string }).code ?? '')) {
      throw new StoreUnavailableError('the clients database is unavailable', { cause: error });
    }
    throw error;
  }
}

/** A RegistrationStore over the `app_oauth_clients` table. */
export function createAppStore(db: Database.Database): RegistrationStore<AppClient> {
  const insert = db.prepare(
    `INSERT INTO app_oauth_clients (client_id, registration, token_hash) VALUES (?, ?, ?)
     ON CONFLICT (client_id) DO NOTHING`,
  );
  const select = db.prepare<[string], Row>(
    'SELECT client_id, registration, token_hash FROM app_oauth_clients WHERE client_id = ?',
  );
  // The compare-and-swap of RFC 7592 §2.2: the token check is part of the write, so two updates
  // made with the same token cannot both match.
  const update = db.prepare(
    `UPDATE app_oauth_clients SET registration = ?, token_hash = ?
     WHERE client_id = ? AND token_hash = ?`,
  );
  const remove = db.prepare('DELETE FROM app_oauth_clients WHERE client_id = ?');

  return {
    registerClient(attrs): StoreWriteResult<AppClient> {
      const tokenHash = attrs.registration_access_token_hash ?? null;
      const { changes } = guarded(() => insert.run(attrs.client_id, JSON.stringify(attrs), tokenHash));
      if (changes === 0) return { ok: false, reason: 'duplicate client_id' };
      return { ok: true, client: { id: attrs.client_id, tokenHash } };
    },
    loadClient(clientId) {
      const row = guarded(() => select.get(clientId));
      return row ? { id: row.client_id, tokenHash: row.token_hash } : null;
    },
    clientRegistrationAccessTokenHash(client) {
      return client.tokenHash;
    },
    clientRegistration(client) {
      const row = guarded(() => select.get(client.id));
      return row ? (JSON.parse(row.registration) as ClientRegistration) : null;
    },
    updateClient(client, attrs, expectedTokenHash): StoreWriteResult<AppClient> {
      const tokenHash = attrs.registration_access_token_hash ?? null;
      const { changes } = guarded(() =>
        update.run(JSON.stringify(attrs), tokenHash, client.id, expectedTokenHash),
      );
      // No row matched: another request changed the token first, or the client is gone.
      if (changes === 0) return { ok: false, reason: 'conflict' };
      return { ok: true, client: { id: client.id, tokenHash } };
    },
    unregisterClient(client) {
      // Of concurrent deletes only one sees a row to remove (RFC 7592 §2.3).
      const { changes } = guarded(() => remove.run(client.id));
      return changes === 1 ? { ok: true } : { ok: false, reason: 'not_found' };
    },
  };
}

/**
 * The SQLite schema, as ordered migrations. Migration N brings the schema
 * from `user_version` N-1 to N; each runs in its own transaction.
 *
 * @module
 */

/** Ordered migrations; never edit one that has shipped, append a new one. */
export const SQLITE_MIGRATIONS: readonly string[] = [
  `CREATE TABLE registrar_clients (
     client_id TEXT PRIMARY KEY NOT NULL,
     registration TEXT NOT NULL,
     registration_access_token_hash TEXT,
     client_id_issued_at INTEGER NOT NULL,
     expires_at INTEGER,
     last_used_at INTEGER
   );
   CREATE INDEX registrar_clients_expires_at ON registrar_clients (expires_at) WHERE expires_at IS NOT NULL;
   CREATE TABLE registrar_once (
     key TEXT PRIMARY KEY NOT NULL,
     expires_at INTEGER NOT NULL
   );
   CREATE INDEX registrar_once_expires_at ON registrar_once (expires_at);`,
  `CREATE TABLE registrar_initial_access_tokens (
     id TEXT PRIMARY KEY NOT NULL,
     token_hash TEXT NOT NULL UNIQUE,
     created_at INTEGER NOT NULL,
     expires_at INTEGER,
     max_uses INTEGER,
     uses INTEGER NOT NULL DEFAULT 0,
     policy TEXT,
     label TEXT
   );`,
  // The activation window and the approval queue: columns, so each change of state is one statement.
  `ALTER TABLE registrar_clients ADD COLUMN activated_at INTEGER;
   ALTER TABLE registrar_clients ADD COLUMN pending_approval INTEGER;`,
  // The caps: who registered each client, indexed for counting one owner's clients and finding its oldest.
  `ALTER TABLE registrar_clients ADD COLUMN owner TEXT;
   CREATE INDEX registrar_clients_owner ON registrar_clients (owner, client_id_issued_at) WHERE owner IS NOT NULL;`,
];

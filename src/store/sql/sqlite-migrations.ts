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
  // The caps read counts kept by triggers instead of counting the table on every registration:
  // the row with owner '' holds the number of clients, every other row one owner's.
  `CREATE TABLE registrar_client_counts (
     owner TEXT PRIMARY KEY NOT NULL,
     n INTEGER NOT NULL
   );
   CREATE INDEX registrar_client_counts_biggest ON registrar_client_counts (n DESC, owner) WHERE owner <> '';
   INSERT INTO registrar_client_counts (owner, n) SELECT '', count(*) FROM registrar_clients;
   INSERT INTO registrar_client_counts (owner, n)
     SELECT owner, count(*) FROM registrar_clients WHERE owner IS NOT NULL GROUP BY owner;
   CREATE TRIGGER registrar_clients_count_insert AFTER INSERT ON registrar_clients BEGIN
     UPDATE registrar_client_counts SET n = n + 1 WHERE owner = '';
     INSERT INTO registrar_client_counts (owner, n) SELECT NEW.owner, 1 WHERE NEW.owner IS NOT NULL
       ON CONFLICT (owner) DO UPDATE SET n = n + 1;
   END;
   CREATE TRIGGER registrar_clients_count_delete AFTER DELETE ON registrar_clients BEGIN
     UPDATE registrar_client_counts SET n = n - 1 WHERE owner = '';
     UPDATE registrar_client_counts SET n = n - 1 WHERE owner = OLD.owner;
     DELETE FROM registrar_client_counts WHERE owner = OLD.owner AND n <= 0;
   END;
   CREATE TRIGGER registrar_clients_count_owner AFTER UPDATE OF owner ON registrar_clients
     WHEN OLD.owner IS NOT NEW.owner BEGIN
     UPDATE registrar_client_counts SET n = n - 1 WHERE owner = OLD.owner;
     DELETE FROM registrar_client_counts WHERE owner = OLD.owner AND n <= 0;
     INSERT INTO registrar_client_counts (owner, n) SELECT NEW.owner, 1 WHERE NEW.owner IS NOT NULL
       ON CONFLICT (owner) DO UPDATE SET n = n + 1;
   END;`,
];

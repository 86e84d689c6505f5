/**
 * The PostgreSQL schema, as ordered, versioned migrations. Each runs in its
 * own transaction with `search_path` set to the store's schema, so the SQL
 * names tables without a schema; the applied versions are recorded in
 * `registrar_migrations`.
 *
 * @module
 */

/** One schema change. */
export interface PostgresMigration {
  /** 1, 2, 3...: the schema version after this migration. */
  readonly version: number;
  /** A short description, recorded with the version. */
  readonly name: string;
  /** The statements, run in one transaction. */
  readonly sql: string;
}

/** Ordered migrations; never edit one that has shipped, append a new one. */
export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    name: 'clients and one-time keys',
    // client_id is the primary key: unique, and the index for every lookup by id.
    // COLLATE "C" makes listing order byte order, the same as the other stores.
    // `json` rather than `jsonb`: it keeps the text exactly as written, and jsonb
    // refuses a \u0000 escape that a client name may legally carry.
    // The token hash, expiry and last use live in columns (the authoritative
    // copy) so the compare-and-swap, the touch and the sweep are single statements.
    sql: `
      CREATE TABLE registrar_clients (
        client_id text COLLATE "C" PRIMARY KEY,
        registration json NOT NULL,
        registration_access_token_hash text,
        client_id_issued_at bigint NOT NULL,
        expires_at bigint,
        last_used_at bigint
      );
      CREATE INDEX registrar_clients_expires_at ON registrar_clients (expires_at) WHERE expires_at IS NOT NULL;
      CREATE TABLE registrar_once (
        key text PRIMARY KEY,
        expires_at bigint NOT NULL
      );
      CREATE INDEX registrar_once_expires_at ON registrar_once (expires_at);
    `,
  },
  {
    version: 2,
    name: 'initial access tokens',
    // Only the token's hash is stored; it is unique, and the index every lookup uses.
    sql: `
      CREATE TABLE registrar_initial_access_tokens (
        id text COLLATE "C" PRIMARY KEY,
        token_hash text NOT NULL UNIQUE,
        created_at bigint NOT NULL,
        expires_at bigint,
        max_uses integer,
        uses integer NOT NULL DEFAULT 0,
        policy json,
        label text
      );
    `,
  },
  {
    version: 3,
    name: 'activation and approval',
    // Columns, like expires_at, so activation, approval and rejection are single statements.
    sql: `
      ALTER TABLE registrar_clients ADD COLUMN activated_at bigint, ADD COLUMN pending_approval boolean;
    `,
  },
  {
    version: 4,
    name: 'client caps',
    // Who registered each client, indexed for counting one owner's clients and finding its oldest.
    sql: `
      ALTER TABLE registrar_clients ADD COLUMN owner text;
      CREATE INDEX registrar_clients_owner ON registrar_clients (owner, client_id_issued_at) WHERE owner IS NOT NULL;
    `,
  },
  {
    version: 5,
    name: 'client counts',
    // The caps read counts kept by triggers instead of counting the table on every registration.
    // The total is spread over 16 rows, chosen by the client_id's hash, so that registrations
    // outside the caps' lock do not queue on one row; the caps add them up.
    sql: `
      CREATE TABLE registrar_client_total (
        shard smallint PRIMARY KEY,
        n bigint NOT NULL
      );
      CREATE TABLE registrar_owner_counts (
        owner text PRIMARY KEY,
        n bigint NOT NULL
      );
      CREATE INDEX registrar_owner_counts_biggest ON registrar_owner_counts (n DESC, owner);
      INSERT INTO registrar_client_total (shard, n) SELECT s, 0 FROM generate_series(0, 15) AS s;
      UPDATE registrar_client_total SET n = (SELECT count(*) FROM registrar_clients) WHERE shard = 0;
      INSERT INTO registrar_owner_counts (owner, n)
        SELECT owner, count(*) FROM registrar_clients WHERE owner IS NOT NULL GROUP BY owner;
      CREATE FUNCTION registrar_count_clients() RETURNS trigger LANGUAGE plpgsql
        SET search_path FROM CURRENT AS $$
      BEGIN
        IF TG_OP IN ('DELETE', 'UPDATE') AND OLD.owner IS NOT NULL THEN
          UPDATE registrar_owner_counts SET n = n - 1 WHERE owner = OLD.owner;
          DELETE FROM registrar_owner_counts WHERE owner = OLD.owner AND n <= 0;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.owner IS NOT NULL THEN
          INSERT INTO registrar_owner_counts (owner, n) VALUES (NEW.owner, 1)
            ON CONFLICT (owner) DO UPDATE SET n = registrar_owner_counts.n + 1;
        END IF;
        IF TG_OP = 'INSERT' THEN
          UPDATE registrar_client_total SET n = n + 1 WHERE shard = hashtext(NEW.client_id) & 15;
        ELSIF TG_OP = 'DELETE' THEN
          UPDATE registrar_client_total SET n = n - 1 WHERE shard = hashtext(OLD.client_id) & 15;
        END IF;
        RETURN NULL;
      END;
      $$;
      CREATE TRIGGER registrar_clients_count AFTER INSERT OR DELETE ON registrar_clients
        FOR EACH ROW EXECUTE FUNCTION registrar_count_clients();
      CREATE TRIGGER registrar_clients_count_owner AFTER UPDATE OF owner ON registrar_clients
        FOR EACH ROW WHEN (OLD.owner IS DISTINCT FROM NEW.owner) EXECUTE FUNCTION registrar_count_clients();
    `,
  },
  {
    version: 6,
    name: 'capped registration in one call',
    // registerClientWithinCaps as one function call, so the caps' lock is held for the function's
    // own work and its commit, not across a round trip to the application per statement: with the
    // lock held over six round trips, every capped registration of every instance waited on the
    // event loop of whichever instance held it. Each statement of a volatile function sees what
    // committed before it began, so the counts read after the lock include every earlier insert.
    // A refusal returns before anything is written; a duplicate client_id is found by the insert,
    // before the reclaim deletes anything.
    sql: `
      CREATE FUNCTION registrar_register_within_caps(
        lock_key text, new_client_id text, new_registration json, new_token_hash text,
        new_issued_at bigint, new_expires_at bigint, new_last_used_at bigint, new_activated_at bigint,
        new_pending boolean, new_owner text, max_clients bigint, max_per_owner bigint, issued_before bigint,
        OUT outcome text, OUT cap text, OUT reclaimed_client_id text, OUT reclaimed_owner text
      ) LANGUAGE plpgsql VOLATILE SET search_path FROM CURRENT AS $$
      DECLARE
        total bigint;
        mine bigint;
      BEGIN
        PERFORM pg_advisory_xact_lock(hashtext(lock_key));
        SELECT COALESCE(sum(n), 0) INTO total FROM registrar_client_total;
        SELECT COALESCE((SELECT n FROM registrar_owner_counts WHERE owner = new_owner), 0) INTO mine;
        IF max_per_owner IS NOT NULL AND mine >= max_per_owner THEN
          SELECT c.client_id, c.owner INTO reclaimed_client_id, reclaimed_owner FROM registrar_clients c
           WHERE c.owner = new_owner AND c.activated_at IS NULL AND c.last_used_at IS NULL
             AND c.client_id_issued_at < issued_before
           ORDER BY c.client_id_issued_at, c.client_id LIMIT 1;
          IF reclaimed_client_id IS NULL THEN
            outcome := 'cap_reached';
            cap := 'maxClientsPerOwner';
            RETURN;
          END IF;
          cap := 'maxClientsPerOwner';
          total := total - 1;
        END IF;
        IF max_clients IS NOT NULL AND total >= max_clients THEN
          IF reclaimed_client_id IS NOT NULL THEN
            reclaimed_client_id := NULL;
            reclaimed_owner := NULL;
            outcome := 'cap_reached';
            cap := 'maxClients';
            RETURN;
          END IF;
          -- Owners from the biggest down, each probed for its oldest reclaimable client.
          SELECT c.client_id, o.owner INTO reclaimed_client_id, reclaimed_owner FROM registrar_owner_counts o
            CROSS JOIN LATERAL (
              SELECT c.client_id FROM registrar_clients c
               WHERE c.owner = o.owner AND c.activated_at IS NULL AND c.last_used_at IS NULL
                 AND c.client_id_issued_at < issued_before
               ORDER BY c.client_id_issued_at, c.client_id LIMIT 1
            ) c
           ORDER BY o.n DESC, o.owner LIMIT 1;
          IF reclaimed_client_id IS NULL THEN
            outcome := 'cap_reached';
            cap := 'maxClients';
            RETURN;
          END IF;
          cap := 'maxClients';
        END IF;
        INSERT INTO registrar_clients (client_id, registration, registration_access_token_hash,
            client_id_issued_at, expires_at, last_used_at, activated_at, pending_approval, owner)
          VALUES (new_client_id, new_registration, new_token_hash, new_issued_at, new_expires_at,
            new_last_used_at, new_activated_at, new_pending, new_owner)
          ON CONFLICT (client_id) DO NOTHING;
        IF NOT FOUND THEN
          outcome := 'duplicate';
          cap := NULL;
          reclaimed_client_id := NULL;
          reclaimed_owner := NULL;
          RETURN;
        END IF;
        IF reclaimed_client_id IS NOT NULL THEN
          DELETE FROM registrar_clients WHERE client_id = reclaimed_client_id;
        END IF;
        outcome := 'stored';
      END;
      $$;
    `,
  },
];

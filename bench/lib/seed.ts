// Seeds a store with many clients directly, in batched transactions: what takes an hour over HTTP
// takes seconds this way. Every client's id and token derive from its index, so the load generator
// can address any of them without a list of a million tokens.
import { createHash, randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';
import { createPostgresStore } from '../../src/store/postgres.js';
import { createSqliteStore } from '../../src/store/sqlite.js';
import { BENCH_DOCUMENT } from './document.js';

const digest = (value: string) => createHash('sha256').update(value).digest('base64url');

/** The `client_id` of seeded client `index` (128 bits, base64url, like a minted one). */
export const seededClientId = (index: number) => digest(`client-${index}`).slice(0, 22);
/** The registration access token of seeded client `index`. */
export const seededToken = (index: number) => digest(`token-${index}`);

/** The attributes the store receives for seeded client `index`, as `registerClient` would get them. */
export function seededRegistration(index: number) {
  return {
    client_id: seededClientId(index),
    client_id_issued_at: 1_700_000_000 + index,
    client_secret_expires_at: 0,
    client_secret_hash: `sha256:${digest(`secret-${index}`)}`,
    registration_access_token_hash: `sha256:${digest(seededToken(index))}`,
    metadata: { ...BENCH_DOCUMENT, client_name: `Seeded client ${index}`, application_type: 'web' },
  };
}

/**
 * Creates a SQLite store file holding `count` clients. The store creates the schema; the rows go in
 * through the same columns its `registerClient` writes, 10,000 per transaction.
 */
export async function seedSqlite(filename: string, count: number): Promise<void> {
  await createSqliteStore({ filename }).close();
  const db = new Database(filename);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const insert = db.prepare(
    `INSERT INTO registrar_clients (client_id, registration, registration_access_token_hash, client_id_issued_at)
     VALUES (?, ?, ?, ?)`,
  );
  const batch = db.transaction((from: number, to: number) => {
    for (let index = from; index < to; index++) {
      const attrs = seededRegistration(index);
      insert.run(
        attrs.client_id,
        JSON.stringify(attrs),
        attrs.registration_access_token_hash,
        attrs.client_id_issued_at,
      );
    }
  });
  for (let from = 0; from < count; from += 10_000) batch(from, Math.min(count, from + 10_000));
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

/** The PostgreSQL database the bench uses: BENCH_POSTGRES_URL, or the test database of `npm test`. */
export const BENCH_POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Whether PostgreSQL answers at BENCH_POSTGRES_URL. */
export async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: BENCH_POSTGRES_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** A fresh schema name, so a bench run never touches anyone else's tables. */
export const benchSchema = (label: string) => `bench_${label}_${randomBytes(4).toString('hex')}`;

/** Drops a bench schema and everything in it. */
export async function dropPostgresSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: BENCH_POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/**
 * Creates `schema` through the store's own migrations and fills it with `count` clients, 10,000
 * rows per statement (unnest of column arrays), through the columns its `registerClient` writes.
 */
export async function seedPostgres(schema: string, count: number): Promise<void> {
  const store = createPostgresStore({ connectionString: BENCH_POSTGRES_URL, schema });
  await store.migrate();
  await store.close();
  const client = new pg.Client({ connectionString: BENCH_POSTGRES_URL });
  await client.connect();
  try {
    for (let from = 0; from < count; from += 10_000) {
      const rows = Array.from({ length: Math.min(10_000, count - from) }, (_, i) =>
        seededRegistration(from + i),
      );
      await client.query(
        `INSERT INTO "${schema}".registrar_clients (client_id, registration, registration_access_token_hash, client_id_issued_at)
         SELECT * FROM unnest($1::text[], $2::json[], $3::text[], $4::bigint[])`,
        [
          rows.map((row) => row.client_id),
          rows.map((row) => JSON.stringify(row)),
          rows.map((row) => row.registration_access_token_hash),
          rows.map((row) => row.client_id_issued_at),
        ],
      );
    }
    await client.query(`VACUUM ANALYZE "${schema}".registrar_clients`);
    // Write the seeded pages out now, so no background checkpoint lands in a measured window.
    await client.query('CHECKPOINT');
  } finally {
    await client.end();
  }
}

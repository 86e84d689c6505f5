// Seeds a store with many clients directly, in batched transactions: what takes an hour over HTTP
// takes seconds this way. Every client's id and token derive from its index, so the load generator
// can address any of them without a list of a million tokens.
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
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

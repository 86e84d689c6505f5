// services: postgres
// The client counts the caps read (migration 5 of the SQLite and PostgreSQL stores): kept by
// triggers through every way a client is written or removed, filled in from the rows a database
// already held when it migrates, and read instead of counting the table.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { BundledStoreWithTokens, ClientRegistration } from '../../src/store/bundled-store.js';
import { createPostgresStore } from '../../src/store/postgres.js';
import { POSTGRES_MIGRATIONS } from '../../src/store/sql/postgres-migrations.js';
import { SQLITE_MIGRATIONS } from '../../src/store/sql/sqlite-migrations.js';
import { createSqliteStore } from '../../src/store/sqlite.js';
import { dropSchema, POSTGRES_URL, sql, uniqueName } from '../helpers/services.js';

const T0 = 1_800_000_000;

const client = (owner: string | undefined, extra: Partial<ClientRegistration> = {}): ClientRegistration => ({
  client_id: randomBytes(16).toString('base64url'),
  client_id_issued_at: T0,
  client_secret_expires_at: 0,
  registration_access_token_hash: `sha256:${randomBytes(32).toString('base64url')}`,
  ...(owner === undefined ? {} : { owner }),
  metadata: { redirect_uris: ['https://client.example.org/cb'] },
  ...extra,
});

type Counts = { total: number; owners: Record<string, number> };

/** Writes and removes clients through every store call that does, and returns what the table holds. */
async function exercise(store: BundledStoreWithTokens): Promise<Counts> {
  const caps = { owner: 'addr:a', maxClients: 1000, reclaimIssuedBefore: T0 + 1 };
  const a = [client('addr:a'), client('addr:a'), client('addr:a')];
  for (const one of a) assert.equal((await store.registerClientWithinCaps(one, caps)).ok, true);
  const b = client('iat:b', { pending_approval: true });
  assert.equal((await store.registerClientWithinCaps(b, { ...caps, owner: 'iat:b' })).ok, true);
  const plain = [client(undefined), client(undefined, { expires_at: T0 + 10 })] as const;
  for (const one of plain) assert.equal((await store.registerClient(one)).ok, true);
  // A reclaim removes one of addr:a's clients to make room for iat:b's second.
  const full = { owner: 'iat:b', maxClients: 6, reclaimIssuedBefore: T0 + 1 };
  const reclaiming = await store.registerClientWithinCaps(client('iat:b'), full);
  assert.ok(reclaiming.ok && reclaiming.reclaimed?.owner === 'addr:a');
  const survivor = a.find((one) => reclaiming.ok && one.client_id !== reclaiming.reclaimed?.client_id);
  assert.equal((await store.unregisterClient(survivor as ClientRegistration))?.ok, true);
  assert.equal(await store.rejectClient(b.client_id), true);
  assert.equal(await store.sweepExpired(T0 + 20, 100), 1);
  assert.equal(
    (
      await store.updateClient(
        plain[0],
        { ...plain[0], metadata: { client_name: 'x' } },
        plain[0].registration_access_token_hash as string,
      )
    ).ok,
    true,
  );
  const page = await store.listClients({ limit: 100 });
  const owners: Record<string, number> = {};
  for (const one of page.clients) if (one.owner) owners[one.owner] = (owners[one.owner] ?? 0) + 1;
  return { total: page.clients.length, owners };
}

describe('client counts on SQLite', () => {
  const counts = (file: string): Counts => {
    const db = new Database(file, { readonly: true });
    try {
      const rows = db.prepare('SELECT owner, n FROM registrar_client_counts').all() as {
        owner: string;
        n: number;
      }[];
      const owners = Object.fromEntries(
        rows.filter((row) => row.owner !== '').map((row) => [row.owner, row.n]),
      );
      return { total: rows.find((row) => row.owner === '')?.n ?? -1, owners };
    } finally {
      db.close();
    }
  };

  it('follows every insert and removal', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'registrar-counts-'));
    const file = join(dir, 'counts.db');
    const store = createSqliteStore({ filename: file });
    try {
      const held = await exercise(store);
      assert.deepEqual(held, { total: 3, owners: { 'addr:a': 1, 'iat:b': 1 } });
      assert.deepEqual(counts(file), held);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fills the counts in from the rows a database held before migration 5', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'registrar-counts-'));
    const file = join(dir, 'old.db');
    const db = new Database(file);
    for (const [index, migration] of SQLITE_MIGRATIONS.slice(0, 4).entries()) {
      db.exec(migration);
      db.pragma(`user_version = ${index + 1}`);
    }
    const insert = db.prepare(
      'INSERT INTO registrar_clients (client_id, registration, client_id_issued_at, owner) VALUES (?, ?, ?, ?)',
    );
    for (const owner of ['addr:x', 'addr:x', 'addr:y', null]) {
      const row = client(owner ?? undefined);
      insert.run(row.client_id, JSON.stringify(row), T0, owner);
    }
    db.close();
    const store = createSqliteStore({ filename: file });
    try {
      assert.deepEqual(counts(file), { total: 4, owners: { 'addr:x': 2, 'addr:y': 1 } });
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('client counts on PostgreSQL', () => {
  const counts = async (schema: string): Promise<Counts> => {
    const total = await sql(`SELECT sum(n)::int AS n FROM "${schema}".registrar_client_total`);
    const rows = await sql(`SELECT owner, n::int AS n FROM "${schema}".registrar_owner_counts`);
    return {
      total: (total[0] as { n: number }).n,
      owners: Object.fromEntries((rows as { owner: string; n: number }[]).map((row) => [row.owner, row.n])),
    };
  };

  it('follows every insert and removal', async () => {
    const schema = uniqueName('counts');
    const store = createPostgresStore({ connectionString: POSTGRES_URL, schema });
    try {
      await store.migrate();
      const held = await exercise(store);
      assert.deepEqual(held, { total: 3, owners: { 'addr:a': 1, 'iat:b': 1 } });
      assert.deepEqual(await counts(schema), held);
    } finally {
      await store.close();
      await dropSchema(schema);
    }
  });

  it('fills the counts in from the rows a schema held before migration 5', async () => {
    const schema = uniqueName('counts_old');
    await sql(`CREATE SCHEMA "${schema}"`);
    for (const migration of POSTGRES_MIGRATIONS.filter((one) => one.version <= 4)) {
      await sql(`SET search_path TO "${schema}"; ${migration.sql}`);
    }
    await sql(
      `CREATE TABLE "${schema}".registrar_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    for (const migration of POSTGRES_MIGRATIONS.filter((one) => one.version <= 4)) {
      await sql(`INSERT INTO "${schema}".registrar_migrations (version, name) VALUES ($1, $2)`, [
        migration.version,
        migration.name,
      ]);
    }
    for (const owner of ['addr:x', 'addr:x', 'addr:y', null]) {
      const row = client(owner ?? undefined);
      await sql(
        `INSERT INTO "${schema}".registrar_clients (client_id, registration, client_id_issued_at, owner) VALUES ($1, $2, $3, $4)`,
        [row.client_id, JSON.stringify(row), T0, owner],
      );
    }
    const store = createPostgresStore({ connectionString: POSTGRES_URL, schema });
    try {
      const applied = await store.migrate();
      assert.deepEqual(applied.applied, [5, 6]);
      assert.deepEqual(await counts(schema), { total: 4, owners: { 'addr:x': 2, 'addr:y': 1 } });
    } finally {
      await store.close();
      await dropSchema(schema);
    }
  });
});

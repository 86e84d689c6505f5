// services: postgres
// The PostgreSQL store against the real server: the whole conformance kit,
// migrations (versioned, concurrent start-ups safe, indexes for every lookup),
// and connection failures reported as StoreUnavailableError with recovery.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { StoreUnavailableError } from '../../src/core/errors.js';
import { createPostgresStore, isConnectionFailure, type PostgresStore } from '../../src/store/postgres.js';
import { POSTGRES_MIGRATIONS } from '../../src/store/sql/postgres-migrations.js';
import { sampleRegistration, storeConformance } from '../../src/testkit/store-conformance.js';
import { memoryLogger } from '../helpers/http.js';
import { dropSchema, POSTGRES_URL, sql, uniqueName } from '../helpers/services.js';

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Holds a row lock on one client from a separate connection until released. */
async function lockRow(schema: string, clientId: string): Promise<{ release(): Promise<void> }> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  await client.query('BEGIN');
  await client.query(`SELECT 1 FROM "${schema}".registrar_clients WHERE client_id = $1 FOR UPDATE`, [
    clientId,
  ]);
  return {
    async release() {
      await client.query('COMMIT');
      await client.end();
    },
  };
}

/** The pid of the store connection waiting on a lock in `schema`'s tables. */
async function waitForBackend(schema: string): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const rows = await sql<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity
        WHERE application_name = 'registrar' AND wait_event_type = 'Lock' AND query LIKE $1`,
      [`%"${schema}".registrar_clients%`],
    );
    if (rows[0]) return rows[0].pid;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('the store never waited on the lock');
}

storeConformance('postgres', async () => {
  const schema = uniqueName('conformance');
  const store = createPostgresStore({ connectionString: POSTGRES_URL, schema, poolSize: 8 });
  await store.migrate();
  return {
    store,
    close: async () => {
      await store.close();
      await dropSchema(schema);
    },
  };
});

describe('PostgreSQL migrations', () => {
  const schema = uniqueName('migrations');
  after(() => dropSchema(schema));

  it('lets several instances migrate one fresh schema at once, each migration applied once', async () => {
    const stores = Array.from({ length: 5 }, () =>
      createPostgresStore({ connectionString: POSTGRES_URL, schema, poolSize: 2 }),
    );
    try {
      const results = await Promise.all(stores.map((store) => store.migrate()));
      const latest = POSTGRES_MIGRATIONS.length;
      const appliedBy = results.filter((result) => result.applied.length > 0);
      assert.equal(appliedBy.length, 1, 'exactly one instance applied the migrations');
      assert.deepEqual(
        appliedBy[0]?.applied,
        POSTGRES_MIGRATIONS.map((migration) => migration.version),
      );
      for (const result of results) assert.equal(result.version, latest);
      const recorded = await sql<{ version: number; name: string }>(
        `SELECT version, name FROM "${schema}".registrar_migrations ORDER BY version`,
      );
      assert.deepEqual(
        recorded,
        POSTGRES_MIGRATIONS.map(({ version, name }) => ({ version, name })),
      );
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });

  it('applies nothing the second time and reports the schema current', async () => {
    const store = createPostgresStore({ connectionString: POSTGRES_URL, schema });
    try {
      const again = await store.migrate();
      assert.deepEqual(again.applied, []);
      assert.deepEqual(await store.migrationStatus(), {
        version: POSTGRES_MIGRATIONS.length,
        latest: POSTGRES_MIGRATIONS.length,
        pending: [],
      });
    } finally {
      await store.close();
    }
  });

  it('reports every migration pending on an empty schema, without creating anything', async () => {
    const empty = uniqueName('unmigrated');
    const store = createPostgresStore({ connectionString: POSTGRES_URL, schema: empty });
    try {
      const status = await store.migrationStatus();
      assert.equal(status.version, 0);
      assert.deepEqual(
        status.pending,
        POSTGRES_MIGRATIONS.map((migration) => migration.version),
      );
      assert.deepEqual(await sql('SELECT 1 FROM pg_namespace WHERE nspname = $1', [empty]), []);
    } finally {
      await store.close();
    }
  });

  it('makes client_id unique and indexes every lookup and the sweep', async () => {
    const indexes = await sql<{ tablename: string; indexdef: string }>(
      'SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = $1',
      [schema],
    );
    const on = (table: string) =>
      indexes.filter((index) => index.tablename === table).map((index) => index.indexdef);
    assert.ok(
      on('registrar_clients').some((def) => /UNIQUE INDEX .* \(client_id\)/.test(def)),
      'client_id is unique (load, update, delete, touch, listing)',
    );
    assert.ok(
      on('registrar_clients').some((def) => /\(expires_at\) WHERE \(expires_at IS NOT NULL\)/.test(def)),
      'the sweep finds expired clients by index',
    );
    assert.ok(
      on('registrar_clients').some((def) =>
        /\(owner, client_id_issued_at\) WHERE \(owner IS NOT NULL\)/.test(def),
      ),
      'the caps count one owner and find its oldest client by index',
    );
    assert.ok(on('registrar_once').some((def) => /UNIQUE INDEX .* \(key\)/.test(def)));
    assert.ok(on('registrar_once').some((def) => /\(expires_at\)/.test(def)));
    await assert.rejects(
      sql(
        `INSERT INTO "${schema}".registrar_clients (client_id, registration, client_id_issued_at)
         VALUES ('same', '{}', 0), ('same', '{}', 0)`,
      ),
      /duplicate key/,
    );
  });

  it('refuses a schema name that is not a plain identifier', () => {
    assert.throws(
      () => createPostgresStore({ connectionString: POSTGRES_URL, schema: 'x"; DROP TABLE y; --' }),
      /plain PostgreSQL identifier/,
    );
  });
});

describe('PostgreSQL store behaviour beyond the kit', () => {
  const schema = uniqueName('behaviour');
  let store: PostgresStore;
  before(async () => {
    store = createPostgresStore({ connectionString: POSTGRES_URL, schema, poolSize: 2 });
    await store.migrate();
  });
  after(async () => {
    await store.close();
    await dropSchema(schema);
  });

  it('stores a client name holding \\u0000 and every metadata value exactly', async () => {
    const attrs = sampleRegistration({
      metadata: { client_name: 'nul\u0000inside', contacts: ['a@example.org'], default_max_age: 0 },
    });
    assert.equal((await store.registerClient(attrs)).ok, true);
    assert.deepEqual(await store.loadClient(attrs.client_id), attrs);
  });

  it('lists clients in client_id byte order, page by page', async () => {
    const ids = ['B-1', 'a_2', 'A-3', 'b-4', '_5'];
    for (const client_id of ids) await store.registerClient(sampleRegistration({ client_id }));
    const seen: string[] = [];
    let after: string | undefined;
    do {
      const page = await store.listClients(after === undefined ? { limit: 2 } : { limit: 2, after });
      seen.push(...page.clients.map((client) => client.client_id));
      after = page.next;
    } while (after !== undefined);
    const ours = seen.filter((id) => ids.includes(id));
    assert.deepEqual(ours, [...ids].sort());
  });

  it('touch renews last_used_at and keeps the idle window, like the other stores', async () => {
    const attrs = sampleRegistration({ client_id_issued_at: 1000, expires_at: 1600 });
    await store.registerClient(attrs);
    await store.touchClient(attrs.client_id, 2000);
    const read = await store.loadClient(attrs.client_id);
    assert.equal(read?.last_used_at, 2000);
    assert.equal(read?.expires_at, 2600);
    const never = sampleRegistration();
    await store.registerClient(never);
    await store.touchClient(never.client_id, 2000);
    const unchanged = await store.loadClient(never.client_id);
    assert.equal(unchanged?.last_used_at, 2000);
    assert.equal(unchanged?.expires_at, undefined, 'a client without expiry keeps none');
  });

  it('sweeps at most limit clients per call', async () => {
    const now = Math.floor(Date.now() / 1000);
    await store.sweepExpired(now, 1000);
    const expired = Array.from({ length: 3 }, () =>
      sampleRegistration({ client_id_issued_at: now - 100, expires_at: now - 50 }),
    );
    for (const attrs of expired) await store.registerClient(attrs);
    assert.equal(await store.sweepExpired(now, 2), 2);
    assert.equal(await store.sweepExpired(now, 2), 1);
    assert.equal(await store.sweepExpired(now, 2), 0);
  });

  it('answers ping while the database is up', async () => {
    await store.ping();
  });
});

describe('PostgreSQL connection failures', () => {
  it('turns a refused connection into StoreUnavailableError on every callback and ping', async () => {
    const port = await closedPort();
    const store = createPostgresStore({
      connectionString: `postgres://postgres@127.0.0.1:${port}/test`,
      connectionTimeoutMs: 2000,
    });
    try {
      const attrs = sampleRegistration();
      const calls: (() => Promise<unknown>)[] = [
        async () => store.registerClient(attrs),
        async () => store.loadClient(attrs.client_id),
        async () => store.clientRegistration(attrs),
        async () => store.updateClient(attrs, attrs, 'sha256:x'),
        async () => store.unregisterClient(attrs),
        async () => store.touchClient(attrs.client_id, 1),
        async () => store.sweepExpired(1, 1),
        async () => store.consumeOnce('k', 1),
        () => store.listClients(),
        () => store.ping(),
        () => store.migrate(),
        () => store.migrationStatus(),
      ];
      for (const call of calls) {
        await assert.rejects(call(), (error: unknown) => {
          assert.ok(error instanceof StoreUnavailableError, String(error));
          assert.equal(error.retryAfterSeconds > 0, true);
          return true;
        });
      }
    } finally {
      await store.close();
    }
  });

  it('reports a terminated backend (57P01) as unavailable, then serves again on a new connection', async () => {
    const schema = uniqueName('terminated');
    const logger = memoryLogger();
    const store = createPostgresStore({ connectionString: POSTGRES_URL, schema, poolSize: 1, logger });
    try {
      await store.migrate();
      const attrs = sampleRegistration();
      await store.registerClient(attrs);
      const lock = await lockRow(schema, attrs.client_id);
      // The store's one connection waits on the row lock when an administrator ends it.
      const update = Promise.resolve(
        store.updateClient(attrs, attrs, attrs.registration_access_token_hash as string),
      ).catch((error: unknown) => error);
      const waiting = await waitForBackend(schema);
      await sql('SELECT pg_terminate_backend($1)', [waiting]);
      const failure = await update;
      assert.ok(failure instanceof StoreUnavailableError);
      assert.equal((failure.cause as { code?: string }).code, '57P01');
      await lock.release();
      assert.deepEqual(await store.loadClient(attrs.client_id), attrs, 'the pool opened a fresh connection');
    } finally {
      await store.close();
      await dropSchema(schema);
    }
  });

  it('reports a pool with no free connection in time as unavailable', async () => {
    const schema = uniqueName('exhausted');
    const store = createPostgresStore({
      connectionString: POSTGRES_URL,
      schema,
      poolSize: 1,
      connectionTimeoutMs: 300,
    });
    try {
      await store.migrate();
      const attrs = sampleRegistration();
      await store.registerClient(attrs);
      const lock = await lockRow(schema, attrs.client_id);
      const update = store.updateClient(attrs, attrs, attrs.registration_access_token_hash as string);
      await waitForBackend(schema);
      await assert.rejects(store.ping(), StoreUnavailableError);
      await lock.release();
      assert.deepEqual(await update, { ok: true, client: attrs });
      await store.ping();
    } finally {
      await store.close();
      await dropSchema(schema);
    }
  });

  it('classifies connection errors by code, SQLSTATE, pg message and cause chain, and nothing else', () => {
    const coded = (code: string) => Object.assign(new Error('x'), { code });
    for (const error of [
      coded('ECONNREFUSED'),
      coded('57P01'),
      coded('08006'),
      coded('53300'),
      coded('57014'),
      new Error('timeout exceeded when trying to connect'),
      new Error('Connection terminated unexpectedly'),
      new Error('wrapped', { cause: coded('ECONNRESET') }),
      new AggregateError([coded('ECONNREFUSED'), coded('ECONNREFUSED')]),
    ]) {
      assert.equal(isConnectionFailure(error), true, String((error as { code?: string }).code ?? error));
    }
    for (const error of [coded('23505'), coded('42P01'), coded('22P02'), new Error('syntax'), null, 'text']) {
      assert.equal(isConnectionFailure(error), false, String(error));
    }
  });
});

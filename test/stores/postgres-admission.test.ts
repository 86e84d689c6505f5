// services: postgres
// Admission and lifecycle on the real PostgreSQL store: a token made with
// `registrar tokens create`, its use count shared by two `registrar serve`
// processes, and `registrar sweep` naming what it removed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createPostgresStore, type PostgresStore } from '../../src/store/postgres.js';
import { sampleRegistration } from '../../src/testkit/store-conformance.js';
import { runCommand, type ServeProcess, startServe } from '../helpers/cli.js';
import { register } from '../helpers/http.js';
import { dropSchema, POSTGRES_URL, sql, uniqueName } from '../helpers/services.js';

describe('admission and lifecycle on PostgreSQL', () => {
  const schema = uniqueName('admission');
  const storeFlags = ['--store', POSTGRES_URL, '--pg-schema', schema];
  let store: PostgresStore;

  before(async () => {
    store = createPostgresStore({ connectionString: POSTGRES_URL, schema });
    await store.migrate();
  });
  after(async () => {
    await store.close();
    await dropSchema(schema);
  });

  it('keeps a 3-use token to 3 registrations across two serve processes', async () => {
    const created = runCommand(['tokens', 'create', '--uses', '3', ...storeFlags]);
    assert.equal(created.status, 0, created.stderr);
    const token = created.stdout.trim();
    const servers: ServeProcess[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        servers.push(
          await startServe([
            '--port',
            '0',
            '--require-initial-access-token',
            '--rate-limit',
            'off',
            ...storeFlags,
          ]),
        );
      }
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, index) =>
          register(
            (servers[index % 2] as ServeProcess).url,
            { grant_types: ['client_credentials'] },
            {
              headers: { authorization: `Bearer ${token}` },
            },
          ),
        ),
      );
      const statuses = results.map((result) => result.status);
      assert.equal(statuses.filter((status) => status === 201).length, 3, statuses.join(','));
      assert.equal(statuses.filter((status) => status === 401).length, 9);
      const listed = JSON.parse(runCommand(['tokens', 'list', '--json', ...storeFlags]).stdout) as {
        uses: number;
      }[];
      assert.equal(listed[0]?.uses, 3);
      for (const server of servers)
        assert.ok(!server.lines.join('\n').includes(token), 'the token is never logged');
    } finally {
      for (const server of servers) await server.stop();
    }
  });

  it('sweeps expired clients and names each one', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = [
      sampleRegistration({ expires_at: now - 5 }),
      sampleRegistration({ expires_at: now - 9 }),
    ];
    const lasting = sampleRegistration({ expires_at: now + 3600 });
    for (const registration of [...expired, lasting]) await store.registerClient(registration);
    const swept = runCommand(['sweep', '--json', ...storeFlags]);
    assert.equal(swept.status, 0, swept.stderr);
    const output = JSON.parse(swept.stdout) as { removed: number; client_ids: string[] };
    assert.equal(output.removed, 2);
    assert.deepEqual(output.client_ids.sort(), expired.map((registration) => registration.client_id).sort());
    assert.ok(await store.loadClient(lasting.client_id));
  });

  it('lists a token stored with an expiry no date can show, and refuses to store such an expiry', async () => {
    const now = Math.floor(Date.now() / 1000);
    const absurd = now + 99_999_999_999 * 86400;
    await sql(
      `INSERT INTO "${schema}".registrar_initial_access_tokens (id, token_hash, created_at, expires_at, uses)
       VALUES ('absurd', 'sha256:absurd', $1, $2, 0)`,
      [now, absurd],
    );
    const table = runCommand(['tokens', 'list', ...storeFlags]);
    assert.equal(table.status, 0, table.stderr);
    const row = table.stdout.split('\n').find((line) => line.startsWith('absurd\t'));
    assert.equal(row?.split('\t')[2], String(absurd), 'shown as the number it is');
    const json = runCommand(['tokens', 'list', '--json', ...storeFlags]);
    assert.equal(json.status, 0, json.stderr);
    const listed = JSON.parse(json.stdout) as { id: string; expires_at: number }[];
    assert.equal(listed.find((record) => record.id === 'absurd')?.expires_at, absurd);

    for (const expiresAt of [Number.NaN, Number.POSITIVE_INFINITY, 8_640_000_000_001, 1.5]) {
      await assert.rejects(
        async () =>
          store.createInitialAccessToken({
            id: `refused-${expiresAt}`,
            token_hash: `sha256:refused-${expiresAt}`,
            created_at: now,
            expires_at: expiresAt,
            uses: 0,
          }),
        RangeError,
      );
    }
    const refused = await sql(
      `SELECT id FROM "${schema}".registrar_initial_access_tokens WHERE id LIKE 'refused-%'`,
    );
    assert.deepEqual(refused, [], 'nothing was stored');
  });
});

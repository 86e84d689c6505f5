// services: postgres
// Concurrent PUT, DELETE and GET on one client through two `registrar serve` processes sharing one
// PostgreSQL schema, as instances behind a load balancer do: no 5xx, every read shows a whole
// state, and the final state is one that was submitted.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createPostgresStore } from '../../src/store/postgres.js';
import { startServe, unlimitedConfig } from '../helpers/cli.js';
import { race } from '../helpers/management-race.js';
import { dropSchema, POSTGRES_URL, uniqueName } from '../helpers/services.js';

describe('concurrent management across two instances', () => {
  const schema = uniqueName('concurrency');
  const dir = mkdtempSync(join(tmpdir(), 'registrar-pg-concurrency-'));
  after(async () => {
    await dropSchema(schema);
    rmSync(dir, { recursive: true, force: true });
  });

  it('on one PostgreSQL schema: no 5xx, whole states, and a final state that was submitted', async () => {
    const args = [
      '--port',
      '0',
      '--store',
      POSTGRES_URL,
      '--pg-schema',
      schema,
      '--config',
      unlimitedConfig(dir),
    ];
    const first = await startServe(args);
    const second = await startServe(args);
    const store = createPostgresStore({ connectionString: POSTGRES_URL, schema, poolSize: 2 });
    try {
      await race([first, second], store);
    } finally {
      await store.close();
      await Promise.all([first.stop(), second.stop()]);
    }
  });
});

// services: postgres-server
// A real PostgreSQL outage (docs/store-contract.md#bundled-stores-and-the-conformance-kit): this suite stops the machine's
// PostgreSQL under a running `registrar serve`, checks that every request
// answers 503 temporarily_unavailable with Retry-After and /readyz answers
// 503 while /healthz (alive) stays 200, starts PostgreSQL again, and checks that the same process recovers
// with nothing half-written. PostgreSQL is always started again, whatever fails.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ServeProcess, startServe } from '../helpers/cli.js';
import {
  dropSchema,
  POSTGRES_URL,
  postgresCluster,
  postgresReady,
  sql,
  uniqueName,
} from '../helpers/services.js';

const GOOD = { redirect_uris: ['https://client.example.org/cb'], client_name: 'Before the outage' };

describe('a PostgreSQL outage under registrar serve', () => {
  const schema = uniqueName('outage');
  let server: ServeProcess;
  let client: Record<string, unknown>;
  let path: string;
  let rowsBefore: number;

  async function call(
    route: string,
    init: { method?: string; token?: string; body?: unknown } = {},
  ): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> {
    const headers: Record<string, string> = {};
    if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${server.url}${route}`, {
      method: init.method ?? 'GET',
      headers,
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : {} };
  }

  const countRows = async () =>
    Number((await sql<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".registrar_clients`))[0]?.n);

  before(async () => {
    server = await startServe([
      '--port',
      '0',
      '--store',
      POSTGRES_URL,
      '--pg-schema',
      schema,
      '--pg-pool-size',
      '3',
      '--rate-limit',
      'off',
    ]);
    const created = await call('/oauth/register', { method: 'POST', body: GOOD });
    assert.equal(created.status, 201);
    client = created.json;
    path = new URL(client.registration_client_uri as string).pathname;
    rowsBefore = await countRows();
  });

  after(async () => {
    // Whatever happened above, the machine's PostgreSQL runs again before anything else.
    if (!postgresReady()) await postgresCluster('start');
    await server?.stop();
    await dropSchema(schema);
  });

  it('answers 503 with Retry-After on every endpoint and on /readyz while PostgreSQL is down', async () => {
    try {
      await postgresCluster('stop');
      assert.equal(postgresReady(), false, 'PostgreSQL is really down');
      const token = client.registration_access_token as string;
      const attempts = [
        await call('/oauth/register', { method: 'POST', body: { ...GOOD, client_name: 'During' } }),
        await call(path, { token }),
        await call(path, {
          method: 'PUT',
          token,
          body: { ...GOOD, client_id: client.client_id, client_name: 'During' },
        }),
        await call(path, { method: 'DELETE', token }),
      ];
      for (const attempt of attempts) {
        assert.equal(attempt.status, 503);
        assert.equal(attempt.json.error, 'temporarily_unavailable');
        assert.ok(Number(attempt.headers.get('retry-after')) > 0);
        assert.ok(!/ECONNREFUSED|5432|postgres/i.test(String(attempt.json.error_description)));
      }
      const ready = await call('/readyz');
      assert.equal(ready.status, 503);
      assert.equal(ready.json.store, 'unreachable');
      assert.ok(Number(ready.headers.get('retry-after')) > 0);
      assert.equal((await call('/healthz')).status, 200, 'the process is alive');
    } finally {
      await postgresCluster('start');
    }
  });

  it('recovers in the same process once PostgreSQL is back, with nothing half-written', async () => {
    assert.equal(server.child.exitCode, null, 'the server never restarted');
    let ready = 0;
    for (let attempt = 0; attempt < 40 && ready !== 200; attempt++) {
      ready = (await call('/readyz')).status;
      if (ready !== 200) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.equal(ready, 200);
    assert.equal(await countRows(), rowsBefore, 'the refused registration left no row');
    const read = await call(path, { token: client.registration_access_token as string });
    assert.equal(read.status, 200, 'the original token still works: the refused update rotated nothing');
    assert.equal(read.json.client_name, 'Before the outage');
    const again = await call('/oauth/register', { method: 'POST', body: GOOD });
    assert.equal(again.status, 201);
    assert.equal(await countRows(), rowsBefore + 1);
  });
});

// services: postgres, redis
// Scale-out (docs/store-contract.md#bundled-stores-and-the-conformance-kit): two `registrar serve` processes on different ports
// share one PostgreSQL schema and one Redis, as instances behind a load
// balancer do. A client registered on one is read, updated and deleted on the
// other, and the rate limits hold across both together.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { POSTGRES_MIGRATIONS } from '../../src/store/sql/postgres-migrations.js';
import { type ServeProcess, startServe } from '../helpers/cli.js';
import { dropSchema, POSTGRES_URL, REDIS_URL, sql, uniqueName } from '../helpers/services.js';

// The load balancer's address: both instances publish it as the issuer.
const ISSUER = 'http://localhost:8080';
const GOOD = { redirect_uris: ['https://client.example.org/cb'], client_name: 'Shared' };

describe('two registrar serve instances on one PostgreSQL and one Redis', () => {
  const schema = uniqueName('two_instances');
  const keyPrefix = `${uniqueName('registrar_test')}:`;
  const dir = mkdtempSync(join(tmpdir(), 'registrar-two-'));
  let a: ServeProcess;
  let b: ServeProcess;

  before(async () => {
    const config = join(dir, 'registrar.json');
    writeFileSync(
      config,
      JSON.stringify({
        // The test plays the proxy: X-Forwarded-For gives each case its own client address.
        trustedProxies: ['127.0.0.1'],
        rateLimit: { managementFailures: '3/3600s', redisKeyPrefix: keyPrefix },
      }),
    );
    const args = [
      '--port',
      '0',
      '--issuer',
      ISSUER,
      '--store',
      POSTGRES_URL,
      '--pg-schema',
      schema,
      '--pg-pool-size',
      '4',
      '--redis',
      REDIS_URL,
      '--rate-limit',
      '4/3600s',
      '--config',
      config,
    ];
    // Started together: both apply migrations to the fresh schema at once.
    [a, b] = await Promise.all([startServe(args), startServe(args)]);
  });

  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await dropSchema(schema);
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${keyPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Sends a request to one instance, as the load balancer would, from client address `from`. */
  async function call(
    instance: ServeProcess,
    path: string,
    from: string,
    init: { method?: string; token?: string; body?: unknown } = {},
  ): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> {
    const headers: Record<string, string> = { 'x-forwarded-for': from };
    if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${instance.url}${path}`, {
      method: init.method ?? 'GET',
      headers,
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : {} };
  }

  /** The path part of a registration_client_uri, to send to either instance. */
  const pathOf = (uri: unknown) => new URL(uri as string).pathname;

  it('both instances migrated the shared schema once and run on different ports', async () => {
    assert.notEqual(a.url, b.url);
    const versions = await sql<{ version: number }>(
      `SELECT version FROM "${schema}".registrar_migrations ORDER BY version`,
    );
    assert.deepEqual(
      versions.map((row) => row.version),
      POSTGRES_MIGRATIONS.map((migration) => migration.version),
    );
    for (const instance of [a, b]) {
      assert.equal((await call(instance, '/healthz', '198.51.100.1')).status, 200);
      const listening = instance.lines.map((line) => JSON.parse(line)).find((r) => r.msg === 'listening');
      assert.match(listening.rate_limits, /^redis /);
    }
  });

  it('registers on one instance and reads, updates and deletes on the other', async () => {
    const from = '198.51.100.10';
    const created = await call(a, '/oauth/register', from, { method: 'POST', body: GOOD });
    assert.equal(created.status, 201);
    const path = pathOf(created.json.registration_client_uri);
    assert.equal(created.json.registration_client_uri, `${ISSUER}/oauth/register/${created.json.client_id}`);
    const stored = await sql(`SELECT client_id FROM "${schema}".registrar_clients WHERE client_id = $1`, [
      created.json.client_id,
    ]);
    assert.equal(stored.length, 1, 'the row is in the shared database');

    const read = await call(b, path, from, { token: created.json.registration_access_token as string });
    assert.equal(read.status, 200);
    assert.equal(read.json.client_id, created.json.client_id);
    assert.equal(read.json.client_name, 'Shared');

    const updated = await call(b, path, from, {
      method: 'PUT',
      token: created.json.registration_access_token as string,
      body: { ...GOOD, client_id: created.json.client_id, client_name: 'Renamed on B' },
    });
    assert.equal(updated.status, 200);
    const newToken = updated.json.registration_access_token as string;
    assert.notEqual(newToken, created.json.registration_access_token);

    const oldTokenOnA = await call(a, path, from, {
      token: created.json.registration_access_token as string,
    });
    assert.equal(oldTokenOnA.status, 401, 'the rotation on B is seen by A');
    const readOnA = await call(a, path, from, { token: newToken });
    assert.equal(readOnA.status, 200);
    assert.equal(readOnA.json.client_name, 'Renamed on B');

    assert.equal((await call(b, path, from, { method: 'DELETE', token: newToken })).status, 204);
    assert.equal((await call(a, path, from, { token: newToken })).status, 401, 'deleted on B, gone on A');
  });

  it('holds the registration limit of 4 per window across both instances together', async () => {
    const from = '198.51.100.20';
    const statuses: number[] = [];
    for (const instance of [a, b, a, b, a, b]) {
      statuses.push((await call(instance, '/oauth/register', from, { method: 'POST', body: GOOD })).status);
    }
    assert.deepEqual(statuses, [201, 201, 201, 201, 429, 429]);
    const refused = await call(b, '/oauth/register', from, { method: 'POST', body: GOOD });
    assert.equal(refused.json.error, 'too_many_requests');
    assert.ok(Number(refused.headers.get('retry-after')) > 0);
    const other = await call(b, '/oauth/register', '198.51.100.21', { method: 'POST', body: GOOD });
    assert.equal(other.status, 201, 'another address has its own budget');
  });

  it('holds the failed-authentication limit across both instances, then refuses even a good token', async () => {
    const owner = '198.51.100.30';
    const guesser = '198.51.100.31';
    const created = await call(a, '/oauth/register', owner, { method: 'POST', body: GOOD });
    const path = pathOf(created.json.registration_client_uri);
    const token = created.json.registration_access_token as string;
    for (const instance of [a, b, a]) {
      assert.equal((await call(instance, path, guesser, { token: 'guessed-token' })).status, 401);
    }
    for (const instance of [b, a]) {
      const refused = await call(instance, path, guesser, { token });
      assert.equal(refused.status, 429);
      assert.equal(refused.json.error, 'too_many_requests');
    }
    assert.equal((await call(b, path, owner, { token })).status, 200);
  });
});

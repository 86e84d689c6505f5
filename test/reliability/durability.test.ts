// `registrar serve` on SQLite under load: a kill -9 mid-load loses no acknowledged registration,
// and after a load run neither the database files nor any log line holds a plaintext credential.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ServeProcess, sqliteFileBytes, startServe, unlimitedConfig } from '../helpers/cli.js';
import { registration, startLoad } from '../helpers/load.js';

const LONG = process.env.REGISTRAR_LONG_TESTS === '1';
const METADATA = {
  redirect_uris: ['https://client.example.org/cb'],
  client_name: 'Under load',
  token_endpoint_auth_method: 'client_secret_post',
};

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'registrar-durability-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

type Json = Record<string, unknown>;

async function call(
  url: string,
  method: string,
  token: string,
  body?: Json,
): Promise<{ status: number; json: Json }> {
  const response = await fetch(url, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, json: text === '' ? {} : (JSON.parse(text) as Json) };
}

/** Runs `task` over `items`, `concurrency` at a time. */
async function eachLimited<T>(items: readonly T[], concurrency: number, task: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await task(items[next++] as T);
    }),
  );
}

/** Asserts that no credential occurs in the database files or in any line either process logged. */
function assertNoPlaintext(database: string, processes: ServeProcess[], credentials: Iterable<string>) {
  const bytes = sqliteFileBytes(database);
  const logs = processes.flatMap((server) => server.lines).join('\n');
  assert.ok(bytes.includes('sha256:'), 'the database holds the hashes');
  let checked = 0;
  for (const credential of credentials) {
    checked++;
    assert.ok(!bytes.includes(credential), 'no plaintext credential in the database files');
    assert.ok(!logs.includes(credential), 'no plaintext credential in any log line');
  }
  assert.ok(checked > 0);
}

describe('SQLite under load', () => {
  it('keeps every acknowledged registration across a kill -9 in the middle of the load', async () => {
    const database = join(dir, 'crash.db');
    const args = ['--port', '0', '--store', `sqlite:${database}`, '--config', unlimitedConfig(dir)];
    const first = await startServe(args);
    const load = startLoad({
      workers: 16,
      request: () => registration(first.url, METADATA),
      maxRequests: 200_000,
      maxMilliseconds: 120_000,
    });
    let second: ServeProcess | undefined;
    try {
      await load.reached(201, LONG ? 20_000 : 600);
      assert.equal(await first.stop('SIGKILL'), 'SIGKILL');
      await load.stop();
      assert.ok(load.failures.count > 0, 'requests were in flight when the server died');
      assert.deepEqual([...load.statuses.keys()], [201], 'nothing but 201 before the crash');

      second = await startServe(args);
      const restarted = second.url;
      await eachLimited(load.created, 12, async (client) => {
        const path = new URL(client.registration_client_uri as string).pathname;
        const read = await call(`${restarted}${path}`, 'GET', client.registration_access_token as string);
        assert.equal(read.status, 200, `client ${client.client_id} acknowledged before the crash survived`);
        assert.equal(read.json.client_id, client.client_id);
        assert.equal(read.json.client_name, METADATA.client_name);
      });
    } finally {
      await load.stop();
      await first.stop('SIGKILL');
      await second?.stop();
    }
    const credentials = load.created.flatMap((client) => [
      client.client_secret as string,
      client.registration_access_token as string,
    ]);
    assertNoPlaintext(database, [first, second as ServeProcess], credentials);
  });

  it('leaves no plaintext secret or token in the database files or the logs after a load run', async () => {
    const database = join(dir, 'secrets.db');
    const server = await startServe([
      '--port',
      '0',
      '--store',
      `sqlite:${database}`,
      '--config',
      unlimitedConfig(dir),
    ]);
    const credentials = new Set<string>();
    const keep = (json: Json) => {
      for (const member of ['client_secret', 'registration_access_token']) {
        if (typeof json[member] === 'string') credentials.add(json[member] as string);
      }
    };
    try {
      // Each worker takes clients through their whole life: register, read, rotate the token,
      // drop and re-mint the secret, present a wrong token, and delete every other one.
      await Promise.all(
        Array.from({ length: 8 }, async (_, worker) => {
          for (let round = 0; round < (LONG ? 250 : 25); round++) {
            const created = await fetch(`${server.url}/oauth/register`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify(METADATA),
            });
            assert.equal(created.status, 201);
            const client = (await created.json()) as Json;
            keep(client);
            const uri = client.registration_client_uri as string;
            let token = client.registration_access_token as string;
            assert.equal((await call(uri, 'GET', token)).status, 200);
            const wrong = `${token.slice(0, -4)}AAAA`;
            credentials.add(wrong);
            assert.equal((await call(uri, 'GET', wrong)).status, 401);
            for (const method of ['none', 'client_secret_basic']) {
              const updated = await call(uri, 'PUT', token, {
                ...METADATA,
                client_id: client.client_id,
                token_endpoint_auth_method: method,
              });
              assert.equal(updated.status, 200);
              keep(updated.json);
              token = updated.json.registration_access_token as string;
            }
            if ((worker + round) % 2 === 0) assert.equal((await call(uri, 'DELETE', token)).status, 204);
          }
        }),
      );
    } finally {
      assert.equal(await server.stop(), 0);
    }
    assert.ok(credentials.size >= (LONG ? 8000 : 800), `the run issued credentials (${credentials.size})`);
    assertNoPlaintext(database, [server], credentials);
  });
});

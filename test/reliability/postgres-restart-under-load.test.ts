// services: postgres-server
// The machine's PostgreSQL is stopped and started again under a running load of registrations and
// reads against `registrar serve` (docs/store-contract.md#bundled-stores-and-the-conformance-kit): no 500 at any moment, 503 temporarily_unavailable
// with Retry-After while it is down, 201s again once it is back (no restart of Registrar), and every
// 201 the load generator saw is in the database, which, like the logs, holds no plaintext secret or
// token. PostgreSQL is always started again, whatever fails.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { startServe, unlimitedConfig } from '../helpers/cli.js';
import { registration, type Seen, startLoad } from '../helpers/load.js';
import { credentialsIn } from '../helpers/secrets.js';
import {
  dropSchema,
  POSTGRES_URL,
  postgresCluster,
  postgresReady,
  sql,
  uniqueName,
} from '../helpers/services.js';

const LONG = process.env.REGISTRAR_LONG_TESTS === '1';
const METADATA = { redirect_uris: ['https://client.example.org/cb'], client_name: 'Through the restart' };
const sha256 = (value: string) => `sha256:${createHash('sha256').update(value).digest('base64url')}`;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('PostgreSQL stopped and started under load', () => {
  const schema = uniqueName('restart');
  const dir = mkdtempSync(join(tmpdir(), 'registrar-pg-restart-'));
  after(async () => {
    if (!postgresReady()) await postgresCluster('start');
    await dropSchema(schema);
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 while it is down, never 500, recovers by itself, and loses no 201', async (t) => {
    const server = await startServe([
      '--port',
      '0',
      '--store',
      POSTGRES_URL,
      '--pg-schema',
      schema,
      '--pg-pool-size',
      '4',
      '--config',
      unlimitedConfig(dir),
    ]);
    const phases: { phase: string; answer: Seen }[] = [];
    let phase = 'before';
    const readable: Record<string, unknown>[] = [];
    const load = startLoad({
      workers: 8,
      // Half the workers register; the other half read back clients registered earlier.
      request: (worker) => {
        const client = readable[Math.floor(Math.random() * readable.length)];
        if (worker % 2 === 0 || !client) return registration(server.url, METADATA);
        return {
          url: `${server.url}${new URL(client.registration_client_uri as string).pathname}`,
          init: { headers: { authorization: `Bearer ${client.registration_access_token}` } },
        };
      },
      onAnswer: (answer) => {
        phases.push({ phase, answer });
        if (answer.status === 201 && readable.length < 500) readable.push(answer.json);
      },
      // A 503 is quick, so the outage alone sends tens of thousands of requests.
      maxRequests: 1_000_000,
      maxMilliseconds: 120_000,
    });
    try {
      await load.reached(201, 200);
      phase = 'down';
      await postgresCluster('stop');
      const downFrom = phases.length;
      // Keep the load on the stopped database long enough for every request to hit the outage.
      for (let waited = 0; waited < 20_000; waited += 100) {
        if (
          phases.slice(downFrom).filter((entry) => entry.answer.status === 503).length >= (LONG ? 2000 : 100)
        ) {
          break;
        }
        await pause(100);
      }
      await pause(LONG ? 10_000 : 500);
      phase = 'restarting';
      await postgresCluster('start');
      phase = 'after';
      const createdAtRestart = load.created.length;
      await load.reached(201, createdAtRestart + (LONG ? 5000 : 200));
    } finally {
      await load.stop();
      if (!postgresReady()) await postgresCluster('start');
      await server.stop();
    }

    const statuses = (which: string) =>
      phases.filter((entry) => entry.phase === which).map((e) => e.answer.status);
    for (const { phase: when, answer } of phases) {
      assert.ok(
        [200, 201, 503].includes(answer.status),
        `${when}: ${answer.status} ${JSON.stringify(answer.json)}`,
      );
      if (answer.status === 503) {
        assert.equal(answer.json.error, 'temporarily_unavailable');
        assert.ok(Number(answer.headers.get('retry-after')) > 0, 'a 503 says when to retry');
      }
    }
    for (const which of ['before', 'down', 'restarting', 'after']) {
      const counts = new Map<number, number>();
      for (const status of statuses(which)) counts.set(status, (counts.get(status) ?? 0) + 1);
      t.diagnostic(`${which}: ${[...counts].map(([status, count]) => `${count} × ${status}`).join(', ')}`);
    }
    assert.ok(statuses('down').includes(503), 'requests during the outage answered 503');
    assert.ok(statuses('after').includes(201), 'registrations succeed again without a restart of Registrar');
    assert.ok(statuses('after').includes(200), 'reads succeed again too');
    assert.equal(load.failures.count, 0, 'the server answered every request');

    // Neither the stored rows nor any line the server logged holds a plaintext secret or token.
    const credentials = new Set(
      load.created.flatMap((client) => [
        client.client_secret as string,
        client.registration_access_token as string,
      ]),
    );
    const dump = await sql<{ row: string }>(
      `SELECT row_to_json(c)::text AS row FROM "${schema}".registrar_clients c`,
    );
    assert.ok(
      dump.some((entry) => entry.row.includes('sha256:')),
      'the rows hold the hashes',
    );
    assert.equal(
      credentialsIn(JSON.stringify(load.created[0]), credentials).length,
      2,
      'the search finds plaintext',
    );
    assert.deepEqual(credentialsIn(dump.map((entry) => entry.row).join('\n'), credentials), []);
    assert.deepEqual(credentialsIn(server.lines.join('\n'), credentials), []);

    const rows = await sql<{ client_id: string; registration_access_token_hash: string }>(
      `SELECT client_id, registration_access_token_hash FROM "${schema}".registrar_clients`,
    );
    const stored = new Map(rows.map((row) => [row.client_id, row.registration_access_token_hash]));
    assert.ok(load.created.length >= 400);
    for (const client of load.created) {
      assert.equal(
        stored.get(client.client_id as string),
        sha256(client.registration_access_token as string),
        `client ${client.client_id} acknowledged with 201 is stored`,
      );
    }
  });
});

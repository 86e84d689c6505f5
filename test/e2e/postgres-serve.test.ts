// services: postgres
// `registrar migrate` and `registrar serve --store postgres://...` as real
// processes: migrations applied at start unless --no-migrate (flag or
// REGISTRAR_NO_MIGRATE), a refusal to start on a schema with pending
// migrations, and a clear exit when the database cannot be reached.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, describe, it } from 'node:test';
import { runCommand, startServe } from '../helpers/cli.js';
import { dropSchema, sql, uniqueName } from '../helpers/services.js';

// Trust authentication ignores the password, so the tests can check that it is never printed.
const PASSWORD = 'not-a-real-password';
const URL_WITH_PASSWORD = `postgres://postgres:${PASSWORD}@127.0.0.1:5432/test`;

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const schemaExists = async (schema: string) =>
  (await sql('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).length === 1;

describe('registrar migrate', () => {
  const schema = uniqueName('cli_migrate');
  after(() => dropSchema(schema));

  it('applies the migrations once, then reports the schema current', () => {
    const first = runCommand(['migrate', '--store', URL_WITH_PASSWORD, '--pg-schema', schema]);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /applied 1, 2, 3, 4, 5, 6; now at version 6\./);
    const second = runCommand(['migrate', '--json'], {
      env: { REGISTRAR_STORE: URL_WITH_PASSWORD, REGISTRAR_PG_SCHEMA: schema },
    });
    assert.equal(second.status, 0, second.stderr);
    const report = JSON.parse(second.stdout) as { applied: number[]; version: number; store: string };
    assert.deepEqual(report.applied, []);
    assert.equal(report.version, 6);
    assert.match(report.store, new RegExp(`schema ${schema}$`));
    for (const output of [first.stdout, first.stderr, second.stdout, second.stderr]) {
      assert.ok(!output.includes(PASSWORD), 'the password is never printed');
    }
  });

  it('exits 1 with the reason when the database cannot be reached', async () => {
    const port = await closedPort();
    const result = runCommand([
      'migrate',
      '--store',
      `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/test`,
    ]);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /Cannot reach the database \(ECONNREFUSED\)/);
    assert.ok(!result.stderr.includes(PASSWORD));
  });
});

describe('registrar serve on PostgreSQL', () => {
  const schemas: string[] = [];
  const fresh = () => {
    const schema = uniqueName('cli_serve');
    schemas.push(schema);
    return schema;
  };
  after(async () => {
    for (const schema of schemas) await dropSchema(schema);
  });

  it('applies migrations at start, then serves and answers /healthz 200', async () => {
    const schema = fresh();
    const server = await startServe(['--port', '0', '--store', URL_WITH_PASSWORD, '--pg-schema', schema]);
    try {
      assert.equal(await schemaExists(schema), true);
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
      const response = await fetch(`${server.url}/oauth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ redirect_uris: ['https://client.example.org/cb'] }),
      });
      assert.equal(response.status, 201);
      const listening = server.lines.find((line) => line.includes('"listening"')) as string;
      assert.match(
        listening,
        new RegExp(`postgres://postgres:\\*\\*\\*@127.0.0.1:5432/test schema ${schema}`),
      );
      assert.ok(!server.lines.join('\n').includes(PASSWORD), 'the password is never logged');
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });

  it('with --no-migrate or REGISTRAR_NO_MIGRATE=true, refuses to start on a schema with pending migrations', async () => {
    const schema = fresh();
    for (const run of [
      () => startServe(['--port', '0', '--store', URL_WITH_PASSWORD, '--pg-schema', schema, '--no-migrate']),
      () =>
        startServe(['--port', '0'], {
          env: {
            REGISTRAR_STORE: URL_WITH_PASSWORD,
            REGISTRAR_PG_SCHEMA: schema,
            REGISTRAR_NO_MIGRATE: 'true',
          },
        }),
    ]) {
      await assert.rejects(run(), (error: Error) => {
        assert.match(error.message, /exited with 2/);
        assert.match(error.message, /needs 1, 2, 3, 4, 5, 6; run "registrar migrate" first/);
        return true;
      });
    }
    assert.equal(await schemaExists(schema), false, 'nothing was created');
  });

  it('with --no-migrate, starts on a schema that registrar migrate brought up to date', async () => {
    const schema = fresh();
    assert.equal(runCommand(['migrate', '--store', URL_WITH_PASSWORD, '--pg-schema', schema]).status, 0);
    const server = await startServe([
      '--port',
      '0',
      '--store',
      URL_WITH_PASSWORD,
      '--pg-schema',
      schema,
      '--no-migrate',
    ]);
    try {
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    } finally {
      await server.stop();
    }
  });

  it('answers every request while PostgreSQL cannot be reached at start: 503 with Retry-After, /healthz 200, /readyz 503', async () => {
    const port = await closedPort();
    const server = await startServe(
      ['--port', '0', '--store', `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/test`],
      { until: 'starting' },
    );
    try {
      const registration = await fetch(`${server.url}/oauth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ redirect_uris: ['https://app.example/cb'] }),
      });
      assert.equal(registration.status, 503);
      assert.equal(registration.headers.get('retry-after'), '1');
      assert.equal(((await registration.json()) as { error: string }).error, 'temporarily_unavailable');
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
      const ready = await fetch(`${server.url}/readyz`);
      assert.equal(ready.status, 503);
      assert.deepEqual(await ready.json(), { status: 'unavailable', store: 'starting' });
      // It keeps trying, and says why, without the password.
      while (!server.lines.some((line) => line.includes('waiting for the database'))) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const waiting = server.lines.find((line) => line.includes('waiting for the database')) as string;
      assert.match(waiting, /Cannot reach the database \(ECONNREFUSED\)/);
      assert.ok(!server.lines.join('\n').includes(PASSWORD));
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });
});

// services: postgres
// The activation window and the approval queue under `registrar serve`, whose authorization
// server is another process: that host runs the library on the same database (a SQLite file, a
// PostgreSQL schema) and reports a public client's grants with reportClientUse; operators decide
// pending clients with `registrar clients approve|reject ID`. Also the --activation-window flag.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { nodeCrypto } from '../../src/adapters/node.js';
import { ConfigurationError } from '../../src/core/errors.js';
import { createRegistrar, type Registrar } from '../../src/registrar.js';
import { resolveCommandOptions } from '../../src/server/options.js';
import type { BundledStoreWithTokens } from '../../src/store/bundled-store.js';
import { createPostgresStore } from '../../src/store/postgres.js';
import { createSqliteStore } from '../../src/store/sqlite.js';
import { runCommand, type ServeProcess, startServe, unlimitedConfig } from '../helpers/cli.js';
import { memoryLogger, register } from '../helpers/http.js';
import { dropSchema, POSTGRES_URL, uniqueName } from '../helpers/services.js';

const WINDOW = 3600;
const TTL = 86400;
const PUBLIC = { redirect_uris: ['http://127.0.0.1/cb'], token_endpoint_auth_method: 'none' };

describe('--activation-window', () => {
  it('reads the flag and REGISTRAR_ACTIVATION_WINDOW, the flag first', () => {
    assert.equal(resolveCommandOptions(['--activation-window', '1h'], {}).activationWindow, 3600);
    assert.equal(resolveCommandOptions([], { REGISTRAR_ACTIVATION_WINDOW: '30m' }).activationWindow, 1800);
    assert.equal(
      resolveCommandOptions(['--activation-window', '90'], { REGISTRAR_ACTIVATION_WINDOW: '30m' })
        .activationWindow,
      90,
    );
    assert.equal(resolveCommandOptions([], {}).activationWindow, undefined, 'off by default');
  });

  it('refuses a malformed value with a ConfigurationError naming the flag', () => {
    for (const value of ['soon', '1w', '-1h', '0h', '3651d']) {
      assert.throws(
        () => resolveCommandOptions([`--activation-window=${value}`], {}),
        (error: unknown) =>
          error instanceof ConfigurationError && /^--activation-window /.test(error.message),
        value,
      );
    }
  });

  it('makes registrar serve exit 2 with that message', () => {
    const result = runCommand(['serve', '--port', '0', '--store', 'memory:', '--activation-window', 'soon']);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /--activation-window must be whole seconds or a duration/);
  });
});

interface SharedDatabase {
  readonly name: string;
  /** `--store` and, for PostgreSQL, `--pg-schema`. */
  readonly args: string[];
  /** A second store instance on the same database, as the host process opens it. */
  open(): BundledStoreWithTokens;
  cleanup(): Promise<void>;
}

function sqliteDatabase(): SharedDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'registrar-activation-'));
  const file = join(dir, 'registrar.db');
  return {
    name: 'one SQLite file',
    args: ['--store', `sqlite:${file}`, '--config', unlimitedConfig(dir, { clientTtl: TTL })],
    open: () => createSqliteStore({ filename: file }),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

function postgresDatabase(): SharedDatabase {
  const schema = uniqueName('activation');
  const dir = mkdtempSync(join(tmpdir(), 'registrar-activation-'));
  return {
    name: 'one PostgreSQL schema',
    args: [
      '--store',
      POSTGRES_URL,
      '--pg-schema',
      schema,
      '--config',
      unlimitedConfig(dir, { clientTtl: TTL }),
    ],
    open: () => createPostgresStore({ connectionString: POSTGRES_URL, schema }),
    cleanup: async () => {
      await dropSchema(schema);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

for (const database of [sqliteDatabase, postgresDatabase]) {
  describe(`registrar serve and a host process on ${database().name}`, () => {
    let shared: SharedDatabase;
    let serve: ServeProcess;
    let hostStore: BundledStoreWithTokens;
    let host: Registrar;
    const events: string[] = [];

    before(async () => {
      shared = database();
      serve = await startServe(['--port', '0', '--activation-window', '1h', ...shared.args]);
      hostStore = shared.open();
      // The authorization server: the library on the same database, with the same lifecycle settings.
      host = createRegistrar({
        issuer: serve.url,
        registrationEnabled: true,
        rateLimit: false,
        registration: hostStore,
        activationWindow: WINDOW,
        clientTtl: TTL,
        crypto: nodeCrypto,
        logger: memoryLogger(),
        policies: [(metadata) => (metadata.client_name === 'Needs review' ? { pending: true } : undefined)],
        onEvent: (event) => {
          events.push(`${event.type} ${event.client_id}`);
        },
      });
    });
    after(async () => {
      await hostStore?.close();
      await serve?.stop();
      await shared?.cleanup();
    });

    it('the server registers a client that must be used within the window; the host reports its grant', async () => {
      const { status, json } = await register(serve.url, PUBLIC);
      assert.equal(status, 201, JSON.stringify(json));
      const clientId = json.client_id as string;
      const registered = await hostStore.loadClient(clientId);
      assert.ok(registered);
      assert.equal(
        registered.expires_at,
        registered.client_id_issued_at + WINDOW,
        '--activation-window applied',
      );
      assert.equal(registered.activation_deadline, registered.client_id_issued_at + WINDOW);
      // The host's token endpoint: a bare client_id proves nothing...
      await host.authenticateClient({ headers: {}, body: `client_id=${clientId}` });
      assert.equal((await hostStore.loadClient(clientId))?.activated_at, undefined);
      // ...the grant it issued does.
      assert.deepEqual(await host.reportClientUse(clientId), { activated: true });
      assert.ok(events.includes(`client.activated ${clientId}`));
      const shown = runCommand(['clients', 'show', ...shared.args, '--', clientId]);
      assert.equal(shown.status, 0, shown.stderr);
      const described = JSON.parse(shown.stdout) as Record<string, number>;
      assert.equal(typeof described.activated_at, 'number', 'the server side sees the activation');
      assert.ok((described.expires_at as number) >= (described.activated_at as number) + TTL);
      // The server's RFC 7592 read reflects it too.
      const read = await fetch(json.registration_client_uri as string, {
        headers: { authorization: `Bearer ${json.registration_access_token}` },
      });
      assert.equal(read.status, 200);
    });

    // Ids go after `--`: a base64url client_id may start with '-'.
    it('registrar clients approve and reject decide the clients a host policy held', async () => {
      const held = async () => {
        const response = await host.fetch(
          new Request(`${serve.url}/oauth/register`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ ...PUBLIC, client_name: 'Needs review' }),
          }),
          { remoteAddress: '127.0.0.1' },
        );
        assert.equal(response.status, 201);
        return ((await response.json()) as { client_id: string }).client_id;
      };
      const first = await held();
      const second = await held();
      assert.ok(events.includes(`client.pending ${first}`));
      await assert.rejects(host.resolveClient(first), { code: 'pending_approval' });
      const approved = runCommand(['clients', 'approve', ...shared.args, '--', first]);
      assert.equal(approved.status, 0, approved.stderr);
      assert.match(approved.stdout, /^Approved /);
      assert.equal((await host.resolveClient(first)).clientId, first);
      const again = runCommand(['clients', 'approve', ...shared.args, '--', first]);
      assert.equal(again.status, 1);
      assert.match(again.stderr, /waiting for approval/);
      const rejected = runCommand(['clients', 'reject', ...shared.args, '--', second]);
      assert.equal(rejected.status, 0, rejected.stderr);
      assert.equal(await hostStore.loadClient(second), null);
      assert.equal(
        runCommand(['clients', 'reject', ...shared.args, '--', first]).status,
        1,
        'an approved client stays',
      );
      assert.ok(await hostStore.loadClient(first));
      assert.equal(runCommand(['clients', 'approve', ...shared.args]).status, 2, 'no id: usage');
    });
  });
}

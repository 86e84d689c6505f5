// services: postgres
// `registrar export` and `registrar import` between the real SQLite and PostgreSQL stores, both
// ways (docs/operations.md#moving-and-keeping-data): every client and initial access token
// arrives with its hashes as they were, so the secrets, registration access tokens and initial
// access tokens issued before the move still work after it; a second import changes nothing; a
// bad file imports nothing; no plaintext is ever in an export.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { nodeCrypto } from '../../src/adapters/node.js';
import type { ClientRegistration } from '../../src/core/store/registration-store.js';
import { createRegistrar } from '../../src/registrar.js';
import type { BundledStore } from '../../src/store/bundled-store.js';
import { createPostgresStore } from '../../src/store/postgres.js';
import { createSqliteStore } from '../../src/store/sqlite.js';
import { runCommand } from '../helpers/cli.js';
import { dropSchema, POSTGRES_URL, uniqueName } from '../helpers/services.js';

const ISSUER = 'http://127.0.0.1';

interface Issued {
  readonly clientId: string;
  readonly secret: string;
  readonly registrationToken: string;
}

function registrarOn(store: BundledStore, initialAccessTokenStored = false) {
  return createRegistrar({
    issuer: ISSUER,
    registrationEnabled: true,
    registration: store,
    rateLimit: false,
    crypto: nodeCrypto,
    ...(initialAccessTokenStored ? { initialAccessToken: { stored: true } } : {}),
  });
}

async function registerOne(store: BundledStore, name: string, token?: string): Promise<Issued> {
  const response = await registrarOn(store, token !== undefined).fetch(
    new Request(`${ISSUER}/oauth/register`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
      body: JSON.stringify({ redirect_uris: ['https://app.example/cb'], client_name: name }),
    }),
  );
  assert.equal(response.status, 201);
  const body = (await response.json()) as Record<string, string>;
  return {
    clientId: body.client_id as string,
    secret: body.client_secret as string,
    registrationToken: body.registration_access_token as string,
  };
}

/** The client still authenticates with its secret and reads itself with its token, on `store`. */
async function stillWorks(store: BundledStore, issued: Issued): Promise<void> {
  const registrar = registrarOn(store);
  const basic = Buffer.from(`${issued.clientId}:${issued.secret}`).toString('base64');
  const authenticated = await registrar.authenticateClient(
    new Request(`${ISSUER}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` },
      body: 'grant_type=client_credentials',
    }),
  );
  assert.equal(authenticated.clientId, issued.clientId);
  const read = await registrar.fetch(
    new Request(`${ISSUER}/oauth/register/${issued.clientId}`, {
      headers: { authorization: `Bearer ${issued.registrationToken}` },
    }),
  );
  assert.equal(read.status, 200);
}

describe('registrar export and import', () => {
  let dir: string;
  const schema = uniqueName('transfer');
  const pgArgs = ['--store', POSTGRES_URL, '--pg-schema', schema];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'registrar-transfer-'));
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await dropSchema(schema);
  });

  it('moves SQLite to PostgreSQL and back, hashes as they were, idempotently', async () => {
    const sqlitePath = join(dir, 'from.db');
    const source = createSqliteStore({ filename: sqlitePath });
    const created = runCommand(['tokens', 'create', '--label', 'moved', '--store', `sqlite:${sqlitePath}`]);
    assert.equal(created.status, 0, created.stderr);
    const initialAccessToken = created.stdout.trim();
    const issued = [
      await registerOne(source, 'First'),
      await registerOne(source, 'Second <b>', initialAccessToken),
    ];
    const before = (await source.listClients()).clients;
    await source.close();

    const exportFile = join(dir, 'export.jsonl');
    const exported = runCommand(['export', '--store', `sqlite:${sqlitePath}`], { stdoutFile: exportFile });
    assert.equal(exported.status, 0, exported.stderr);
    assert.match(exported.stderr, /Exported 2 clients and 1 initial access tokens\./);
    const text = readFileSync(exportFile, 'utf8');
    const lines = text.trim().split('\n');
    assert.deepEqual(JSON.parse(lines[0] as string), { registrar_export: 1 });
    assert.equal(lines.length, 4);
    for (const { secret, registrationToken } of issued) {
      assert.ok(!text.includes(secret) && !text.includes(registrationToken), 'no plaintext secret or token');
    }
    assert.ok(!text.includes(initialAccessToken), 'no plaintext initial access token');

    assert.equal(runCommand(['migrate', ...pgArgs]).status, 0);
    const imported = runCommand(['import', exportFile, ...pgArgs]);
    assert.equal(imported.status, 0, imported.stderr);
    assert.equal(
      imported.stdout.trim(),
      'Imported 2 clients and 1 initial access tokens; 0 already present.',
    );
    const again = runCommand(['import', exportFile, '--json', ...pgArgs]);
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual(JSON.parse(again.stdout), { clients: 0, tokens: 0, skipped: 3, refused: [] });

    const postgres = createPostgresStore({ connectionString: POSTGRES_URL, schema });
    try {
      const moved = (await postgres.listClients()).clients;
      assert.deepEqual(
        moved.map((client: ClientRegistration) => client.client_id).sort(),
        before.map((client) => client.client_id).sort(),
      );
      for (const original of before) {
        const copy = moved.find((client: ClientRegistration) => client.client_id === original.client_id);
        assert.equal(copy?.client_secret_hash, original.client_secret_hash);
        assert.equal(copy?.registration_access_token_hash, original.registration_access_token_hash);
        assert.deepEqual(copy?.metadata, original.metadata);
      }
      for (const client of issued) await stillWorks(postgres, client);
    } finally {
      await postgres.close();
    }

    // And back: PostgreSQL to a new SQLite file.
    const backFile = join(dir, 'back.jsonl');
    assert.equal(runCommand(['export', ...pgArgs], { stdoutFile: backFile }).status, 0);
    const backPath = join(dir, 'back.db');
    const back = runCommand(['import', backFile, '--store', `sqlite:${backPath}`]);
    assert.equal(back.status, 0, back.stderr);
    assert.match(back.stdout, /Imported 2 clients and 1 initial access tokens/);
    const restored = createSqliteStore({ filename: backPath });
    try {
      for (const client of issued) await stillWorks(restored, client);
      // The initial access token moved with its hash: it still registers a client.
      await registerOne(restored, 'After the move', initialAccessToken);
    } finally {
      await restored.close();
    }
  });

  it('imports nothing from a file with a bad line, and names the line', async () => {
    const target = join(dir, 'untouched.db');
    const file = join(dir, 'bad.jsonl');
    const good = {
      kind: 'client',
      registration: {
        client_id: 'abc',
        client_id_issued_at: 1,
        client_secret_expires_at: 0,
        metadata: { redirect_uris: ['https://app.example/cb'] },
      },
    };
    const plaintext = {
      kind: 'client',
      registration: { ...good.registration, client_id: 'def', client_secret: 'x' },
    };
    const cases: [string, RegExp][] = [
      [
        `${JSON.stringify({ registrar_export: 1 })}\n${JSON.stringify(good)}\n${JSON.stringify(plaintext)}\n`,
        /line 3: a plaintext secret or token is never imported/,
      ],
      [`${JSON.stringify({ registrar_export: 1 })}\n${JSON.stringify(good)}\n{"kind":`, /line 3: not JSON/],
      [`${JSON.stringify(good)}\n`, /line 1: not a registrar export/],
      [`${JSON.stringify({ registrar_export: 1 })}\n{"kind":"user"}\n`, /line 2: kind must be/],
    ];
    for (const [content, message] of cases) {
      writeFileSync(file, content);
      const result = runCommand(['import', file, '--store', `sqlite:${target}`]);
      assert.equal(result.status, 1);
      assert.match(result.stderr, message);
      assert.match(result.stderr, /Nothing imported/);
    }
    const store = createSqliteStore({ filename: target });
    try {
      assert.equal((await store.listClients()).clients.length, 0, 'nothing was written');
    } finally {
      await store.close();
    }
    const missing = runCommand(['import', join(dir, 'nope.jsonl'), '--store', `sqlite:${target}`]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /ENOENT/);
    assert.equal(runCommand(['import', '--store', `sqlite:${target}`]).status, 2);
  });
});

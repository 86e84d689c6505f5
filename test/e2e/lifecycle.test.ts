// Client lifecycle (docs/client-authentication.md#client-lifecycle): clientTtl, last_used_at renewed only on proven use
// and written at most once per renewalInterval (never more than half of clientTtl),
// expired clients dead for management and authentication, the sweep with its
// client.expired events, `registrar sweep`, and its terminal progress line.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { startProgress } from '../../src/cli/progress.js';
import { ConfigurationError, RegistrationError } from '../../src/core/errors.js';
import type { RegistrarEvent } from '../../src/core/events.js';
import { createRegistrar } from '../../src/registrar.js';
import { createMemoryStore } from '../../src/store/memory.js';
import { createSqliteStore } from '../../src/store/sqlite.js';
import { sampleRegistration } from '../../src/testkit/store-conformance.js';
import { runCommand } from '../helpers/cli.js';
import { memoryLogger, register, startRegistrar, type TestServer } from '../helpers/http.js';

const TTL = 3600;
const MACHINE = { grant_types: ['client_credentials'] };

function basic(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

describe('renewalInterval', () => {
  /** A registrar on a memory store whose touchClient calls are counted, with a clock the test moves. */
  async function counted(config: { clientTtl?: number; renewalInterval?: number | string }) {
    const memory = createMemoryStore();
    const touches: number[] = [];
    const touch = memory.touchClient.bind(memory);
    memory.touchClient = (clientId: string, at: number) => {
      touches.push(at);
      return touch(clientId, at);
    };
    let clock = Date.now();
    const server = await startRegistrar({
      registrationEnabled: true,
      registration: memory,
      now: () => clock,
      ...config,
    });
    const { json: client } = await register(server.url, MACHINE);
    const use = async (seconds: number) => {
      clock += seconds * 1000;
      await server.registrar.authenticateClient({
        headers: { authorization: basic(client.client_id as string, client.client_secret as string) },
        body: 'grant_type=client_credentials',
      });
    };
    const stored = () => memory.loadClient(client.client_id as string);
    return { server, touches, use, stored, now: () => Math.floor(clock / 1000) };
  }

  it('writes a use at most once a minute by default', async () => {
    const { server, touches, use, stored, now } = await counted({});
    try {
      await use(0);
      const first = now();
      await use(30);
      await use(29);
      assert.deepEqual(touches, [first], 'the uses within 60 s of the stored one write nothing');
      assert.equal((await stored())?.last_used_at, first);
      await use(2);
      assert.deepEqual(touches, [first, now()]);
    } finally {
      await server.close();
    }
  });

  it('never waits more than half of clientTtl, so a client in use cannot expire', async () => {
    const { server, touches, use, stored, now } = await counted({ clientTtl: 40, renewalInterval: '5m' });
    try {
      await use(0);
      for (let step = 0; step < 12; step++) await use(10);
      assert.equal(touches.length, 7, 'one write every 20 s over 120 s, and the first');
      const client = await stored();
      assert.ok((client?.expires_at as number) > now(), 'still alive after three lifetimes of use');
    } finally {
      await server.close();
    }
  });

  it('writes every use with renewalInterval 0', async () => {
    const { server, touches, use } = await counted({ renewalInterval: 0 });
    try {
      for (let step = 0; step < 4; step++) await use(1);
      assert.equal(touches.length, 4);
    } finally {
      await server.close();
    }
  });
});

describe('clientTtl', () => {
  let server: TestServer;
  const memory = createMemoryStore();
  const events: RegistrarEvent[] = [];
  const logger = memoryLogger();
  const start = Date.now();
  let clock = start;
  const seconds = () => Math.floor(clock / 1000);

  const authenticate = (client: Record<string, unknown>) =>
    server.registrar.authenticateClient({
      headers: { authorization: basic(client.client_id as string, client.client_secret as string) },
      body: 'grant_type=client_credentials',
    });
  const read = (client: Record<string, unknown>) =>
    fetch(client.registration_client_uri as string, {
      headers: { authorization: `Bearer ${client.registration_access_token}` },
    });

  before(async () => {
    server = await startRegistrar({
      registrationEnabled: true,
      registration: memory,
      clientTtl: TTL,
      now: () => clock,
      logger,
      onEvent: (event) => {
        events.push(event);
      },
    });
  });
  after(() => server.close());

  it('sets expires_at at registration', async () => {
    const { json } = await register(server.url, MACHINE);
    const stored = await memory.loadClient(json.client_id as string);
    assert.equal(stored?.expires_at, (json.client_id_issued_at as number) + TTL);
    assert.equal(stored?.last_used_at, undefined);
  });

  it('renews last_used_at and expires_at on a successful authentication only', async () => {
    const { json: client } = await register(server.url, MACHINE);
    clock += 600_000;
    assert.equal((await read(client)).status, 200);
    const afterRead = await memory.loadClient(client.client_id as string);
    assert.equal(afterRead?.last_used_at, undefined, 'a management read is not a use');
    await assert.rejects(
      server.registrar.authenticateClient({
        headers: { authorization: basic(client.client_id as string, 'wrong') },
        body: '',
      }),
      RegistrationError,
    );
    assert.equal((await memory.loadClient(client.client_id as string))?.last_used_at, undefined);
    await authenticate(client);
    const used = await memory.loadClient(client.client_id as string);
    assert.equal(used?.last_used_at, seconds());
    assert.equal(used?.expires_at, seconds() + TTL, 'the idle window starts again');
  });

  it('treats an expired client as dead for management and authentication, until the sweep removes it', async () => {
    const { json: stale } = await register(server.url, MACHINE);
    const { json: active } = await register(server.url, MACHINE);
    clock += (TTL - 60) * 1000;
    await authenticate(active);
    clock += 120_000;

    const management = await read(stale);
    assert.equal(management.status, 401);
    assert.equal(((await management.json()) as Record<string, unknown>).error, 'invalid_token');
    const auth = await authenticate(stale).then(
      () => assert.fail('an expired client authenticated'),
      (error: RegistrationError) => error,
    );
    assert.equal(auth.code, 'invalid_client');
    assert.ok(await memory.loadClient(stale.client_id as string), 'still stored until the sweep');

    events.length = 0;
    const result = await server.registrar.sweep();
    assert.ok(result.removed >= 1);
    assert.equal(result.named, result.removed);
    assert.equal(await memory.loadClient(stale.client_id as string), null);
    assert.ok(await memory.loadClient(active.client_id as string), 'a client in use stays');
    const expired = events.filter((event) => event.type === 'client.expired');
    assert.ok(expired.some((event) => event.client_id === stale.client_id));
    assert.ok(!expired.some((event) => event.client_id === active.client_id));
    assert.equal(expired.length, result.removed);
    for (const event of expired) assert.deepEqual(Object.keys(event).sort(), ['client_id', 'time', 'type']);
    assert.equal((await read(active)).status, 200);
  });

  it('sweeps in batches', async () => {
    for (let i = 0; i < 5; i++) await register(server.url, MACHINE);
    clock += (TTL + 1) * 1000;
    const progress: number[] = [];
    const result = await server.registrar.sweep({
      batchSize: 2,
      onProgress: (removed) => progress.push(removed),
    });
    assert.ok(result.removed >= 5);
    // Full batches of 2 until a call removes fewer; one progress report per call.
    assert.deepEqual(progress.slice(0, 2), [2, 4]);
    progress.forEach((value, index) => {
      const step = value - (index === 0 ? 0 : (progress[index - 1] as number));
      assert.ok(step >= 0 && step <= 2);
    });
    assert.equal(progress.at(-1), result.removed);
    assert.equal(progress.length, Math.floor(result.removed / 2) + 1);
  });
});

describe('sweeping a store that does not name what it removes', () => {
  it('removes the clients and logs that their events could not be sent', async () => {
    const inner = createMemoryStore();
    const logger = memoryLogger();
    const events: RegistrarEvent[] = [];
    const registrar = createRegistrar({
      issuer: 'http://127.0.0.1',
      registration: {
        ...inner,
        sweepExpired: (now: number, limit: number) => inner.sweepExpired(now, limit),
      },
      logger,
      onEvent: (event) => {
        events.push(event);
      },
    });
    const now = Math.floor(Date.now() / 1000);
    await inner.registerClient(sampleRegistration({ expires_at: now - 10 }));
    const result = await registrar.sweep();
    assert.deepEqual(result, { removed: 1, named: 0 });
    assert.equal(events.length, 0);
    assert.ok(logger.records.some((record) => record.level === 'warn' && record.unnamed === 1));
  });
});

describe('lifecycle configuration', () => {
  it('refuses clientTtl without touchClient, and a bad clientTtl', () => {
    const { registerClient, loadClient } = createMemoryStore();
    assert.throws(
      () => createRegistrar({ issuer: 'http://127.0.0.1', registerClient, loadClient, clientTtl: 60 }),
      ConfigurationError,
    );
    for (const clientTtl of [-1, 1.5]) {
      assert.throws(
        () => createRegistrar({ issuer: 'http://127.0.0.1', registration: createMemoryStore(), clientTtl }),
        ConfigurationError,
      );
    }
  });

  it('cannot sweep without sweepExpired', async () => {
    const { registerClient } = createMemoryStore();
    const registrar = createRegistrar({ issuer: 'http://127.0.0.1', registerClient });
    await assert.rejects(registrar.sweep(), ConfigurationError);
  });
});

describe('registrar sweep', () => {
  const dir = mkdtempSync(join(tmpdir(), 'registrar-sweep-'));
  const filename = join(dir, 'registrar.db');
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('removes expired clients from the store and says how many', async () => {
    const now = Math.floor(Date.now() / 1000);
    const store = createSqliteStore({ filename });
    const expired = [
      sampleRegistration({ expires_at: now - 5 }),
      sampleRegistration({ expires_at: now - 50 }),
    ];
    const lasting = sampleRegistration({ expires_at: now + 3600 });
    for (const registration of [...expired, lasting]) await store.registerClient(registration);
    await store.close();

    const run = (args: string[]) => runCommand(['sweep', '--store', `sqlite:${filename}`, ...args]);
    const first = run(['--json']);
    assert.equal(first.status, 0, first.stderr);
    const output = JSON.parse(first.stdout) as { removed: number; client_ids: string[] };
    assert.equal(output.removed, 2);
    assert.deepEqual(output.client_ids.sort(), expired.map((registration) => registration.client_id).sort());
    assert.equal(first.stderr, '', 'no progress line when stderr is not a terminal');

    const second = run([]);
    assert.equal(second.status, 0, second.stderr);
    assert.equal(second.stdout.trim(), 'Removed 0 expired clients.');

    const reopened = createSqliteStore({ filename });
    try {
      assert.ok(await reopened.loadClient(lasting.client_id));
      assert.equal(await reopened.loadClient(expired[0]?.client_id as string), null);
    } finally {
      await reopened.close();
    }
  });
});

describe('the progress line', () => {
  function stream(isTTY: boolean) {
    const written: string[] = [];
    return { isTTY, written, write: (text: string) => written.push(text) };
  }

  it('appears on a terminal by its timer when no update comes after the delay, then follows the count', async () => {
    const terminal = stream(true);
    // The clock stands still, so only the timer can show the line.
    const progress = startProgress(terminal, (count) => `removed ${count}`, { delayMs: 1, now: () => 0 });
    progress.update(3);
    assert.deepEqual(terminal.written, []);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(terminal.written, ['\rremoved 3']);
    progress.update(7);
    progress.done();
    assert.deepEqual(terminal.written, ['\rremoved 3', '\rremoved 7', '\n']);
  });

  it('appears on the first update after the delay, even when no timer could run (a synchronous store)', () => {
    const terminal = stream(true);
    let clock = 0;
    const progress = startProgress(terminal, (count) => `removed ${count}`, {
      delayMs: 1000,
      now: () => clock,
    });
    clock = 500;
    progress.update(500);
    assert.deepEqual(terminal.written, [], 'not before the delay');
    clock = 1500;
    progress.update(1000);
    progress.done();
    assert.deepEqual(terminal.written, ['\rremoved 1000', '\n']);
  });

  it('stays silent for a quick run', async () => {
    const terminal = stream(true);
    const progress = startProgress(terminal, (count) => `removed ${count}`, { delayMs: 60_000 });
    progress.update(3);
    await nextTurn();
    progress.done();
    assert.deepEqual(terminal.written, []);
  });

  it('never writes when the stream is not a terminal', async () => {
    const piped = stream(false);
    const progress = startProgress(piped, (count) => `removed ${count}`, { delayMs: 0 });
    progress.update(3);
    await new Promise((resolve) => setTimeout(resolve, 5));
    progress.done();
    assert.deepEqual(piped.written, []);
  });
});

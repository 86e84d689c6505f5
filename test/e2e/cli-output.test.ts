// What the `registrar` administration commands print: listings streamed in bounded memory,
// client-chosen text that cannot drive a terminal, and token expiries that cannot break a listing.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { streamOutput } from '../../src/cli/output.js';
import { isInitialAccessTokenUsable } from '../../src/core/store/registration-store.js';
import type { InitialAccessTokenRecord } from '../../src/store/bundled-store.js';
import { createMemoryStore } from '../../src/store/memory.js';
import { createSqliteStore } from '../../src/store/sqlite.js';
import { sampleRegistration } from '../../src/testkit/store-conformance.js';
import { runCommand } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'registrar-cli-output-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A migrated SQLite file at `name` in the suite's directory, and its `--store` spec. */
async function sqliteFile(name: string): Promise<{ file: string; spec: string }> {
  const file = join(dir, name);
  await createSqliteStore({ filename: file }).close();
  return { file, spec: `sqlite:${file}` };
}

describe('listings stream in bounded memory', () => {
  const COUNT = 100_000;
  // A heap in which the whole listing, held at once, does not fit: the build that collected
  // every client and stringified the array aborted here at 30,000 clients.
  const SMALL_HEAP = ['--max-old-space-size=64'];
  let seeded: Promise<string> | undefined;

  /** The store spec of a SQLite file holding COUNT clients, inserted in one transaction. */
  function manyClients(): Promise<string> {
    seeded ??= sqliteFile('many.db').then(({ file, spec }) => {
      const db = new Database(file);
      try {
        const insert = db.prepare(
          `INSERT INTO registrar_clients (client_id, registration, registration_access_token_hash, client_id_issued_at)
           VALUES (?, ?, ?, ?)`,
        );
        db.transaction(() => {
          for (let i = 0; i < COUNT; i++) {
            const registration = sampleRegistration({ client_id: `client-${String(i).padStart(6, '0')}` });
            insert.run(
              registration.client_id,
              JSON.stringify(registration),
              registration.registration_access_token_hash,
              registration.client_id_issued_at,
            );
          }
        })();
      } finally {
        db.close();
      }
      return spec;
    });
    return seeded;
  }

  it('lists 100,000 clients as one valid JSON array within a 64 MB heap', async () => {
    const spec = await manyClients();
    const stdoutFile = join(dir, 'many.json');
    const listed = runCommand(['clients', 'list', '--json', '--store', spec], {
      nodeArgs: SMALL_HEAP,
      stdoutFile,
    });
    assert.equal(listed.status, 0, listed.stderr);
    const text = readFileSync(stdoutFile, 'utf8');
    const clients = JSON.parse(text) as Record<string, unknown>[];
    assert.equal(clients.length, COUNT);
    assert.equal(clients[0]?.client_id, 'client-000000');
    assert.equal(clients[COUNT - 1]?.client_id, `client-${String(COUNT - 1).padStart(6, '0')}`);
    assert.ok(clients.every((client) => client.client_name === 'Conformance client'));
    assert.equal(text, `${JSON.stringify(clients, null, 2)}\n`, 'formatted as before: a 2-space array');
  });

  it('lists 100,000 clients as a table within a 64 MB heap', async () => {
    const spec = await manyClients();
    const stdoutFile = join(dir, 'many.txt');
    const listed = runCommand(['clients', 'list', '--store', spec], { nodeArgs: SMALL_HEAP, stdoutFile });
    assert.equal(listed.status, 0, listed.stderr);
    const lines = readFileSync(stdoutFile, 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, COUNT + 1, 'a header and one row per client');
    assert.equal(lines[0], 'client_id\tissued_at\tauth_method\tclient_name');
    assert.equal(
      lines[COUNT],
      `client-${String(COUNT - 1).padStart(6, '0')}\t2023-11-14T22:13:20.000Z\tclient_secret_basic\tConformance client`,
    );
    assert.equal(listed.stderr.trim(), `${COUNT} clients`);
  });

  it('writes an empty listing as []', async () => {
    const { spec } = await sqliteFile('empty.db');
    const listed = runCommand(['clients', 'list', '--json', '--store', spec]);
    assert.equal(listed.status, 0, listed.stderr);
    assert.equal(listed.stdout, '[]\n');
  });

  it('waits for a full stdout to drain before writing the next line', async () => {
    const written: string[] = [];
    let release: (() => void) | undefined;
    const slow = new Writable({
      highWaterMark: 8,
      write(chunk: Buffer, _encoding, done) {
        written.push(chunk.toString());
        release = done;
      },
    });
    const output = streamOutput(slow, { write: () => true });
    let settled = false;
    const first = output.out('a line longer than the high-water mark').then(() => {
      settled = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(settled, false, 'the write waits while the stream is full');
    release?.();
    await first;
    assert.equal(settled, true, 'and goes on once it has drained');
    assert.deepEqual(written, ['a line longer than the high-water mark\n']);
  });

  it('stops a listing once stdout has failed, instead of waiting for a drain that never comes', async () => {
    const broken = new Writable({
      highWaterMark: 8,
      write(_chunk, _encoding, done) {
        done(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      },
    });
    const output = streamOutput(broken, { write: () => true });
    await assert.rejects(output.out('a line longer than the high-water mark'), /EPIPE/);
    await assert.rejects(output.out('the next line'), /EPIPE/);
  });

  it('stops a listing once stdout is closed while a line waits for it to drain', async () => {
    const stuck = new Writable({ highWaterMark: 8, write() {} });
    const output = streamOutput(stuck, { write: () => true });
    const waiting = output.out('a line longer than the high-water mark');
    stuck.destroy();
    await assert.rejects(waiting, /stdout was closed/);
    await assert.rejects(output.out('the next line'), /stdout was closed/);
  });
});

describe('client-chosen text on a terminal', () => {
  // Every class the CLI escapes: bidirectional overrides, embeddings, isolates and marks,
  // C1 controls (U+009B is a one-byte CSI), DEL, C0 controls and the line separators.
  const CONTROLS = [
    '\u202e',
    '\u202a',
    '\u202b',
    '\u202c',
    '\u202d',
    '\u2066',
    '\u2067',
    '\u2068',
    '\u2069',
    '\u200e',
    '\u200f',
    '\u061c',
    '\u009b',
    '\u0085',
    '\u007f',
    '\u001b',
    '\n',
    '\u2028',
    '\u2029',
  ];
  const NAME = `invoice\u202egnp.exe \u2066admin\u2069 \u009b31mred \u001b[0m${CONTROLS.join('')}`;
  const RAW = new RegExp(`[${CONTROLS.join('')}]`, 'u');
  let spec: string;
  let clientId: string;

  before(async () => {
    ({ spec } = await sqliteFile('names.db'));
    const store = createSqliteStore({ filename: spec.slice('sqlite:'.length) });
    try {
      const registration = sampleRegistration({
        client_id: 'named-client',
        metadata: {
          ...sampleRegistration().metadata,
          client_name: NAME,
          client_uri: `https://x.example/${NAME}`,
        },
      });
      clientId = registration.client_id;
      assert.equal((await store.registerClient(registration)).ok, true);
    } finally {
      await store.close();
    }
  });

  it('escapes them in clients list', () => {
    const listed = runCommand(['clients', 'list', '--store', spec]);
    assert.equal(listed.status, 0, listed.stderr);
    assert.doesNotMatch(listed.stdout.trimEnd().replaceAll('\n', ''), RAW, 'no raw control in the table');
    assert.equal(listed.stdout.trimEnd().split('\n').length, 2, 'a header and one row');
    assert.ok(listed.stdout.includes('invoice\\u202egnp.exe \\u2066admin\\u2069 \\u009b31mred \\u001b[0m'));
  });

  for (const args of [
    ['clients', 'list', '--json'],
    ['clients', 'show'],
  ]) {
    it(`escapes them in ${args.join(' ')}, as JSON that parses back to the same name`, () => {
      const shown = runCommand([...args, ...(args[1] === 'show' ? [clientId] : []), '--store', spec]);
      assert.equal(shown.status, 0, shown.stderr);
      assert.doesNotMatch(shown.stdout.replaceAll('\n', ''), RAW, 'no raw control in the JSON');
      assert.ok(shown.stdout.includes('invoice\\u202egnp.exe \\u2066admin\\u2069 \\u009b31mred \\u001b[0m'));
      const parsed = JSON.parse(shown.stdout) as Record<string, unknown> | Record<string, unknown>[];
      const client = Array.isArray(parsed) ? parsed[0] : parsed;
      assert.equal(client?.client_name, NAME);
      assert.equal(client?.client_uri, `https://x.example/${NAME}`);
    });
  }

  it('escapes them in the messages naming a client id', () => {
    const missing = runCommand(['clients', 'show', 'no\u202esuch', '--store', spec]);
    assert.equal(missing.status, 1);
    assert.equal(missing.stderr.trim(), 'No client no\\u202esuch.');
  });
});

describe('token expiry', () => {
  it('refuses an --expires-in beyond 3650 days or a --uses no column holds, storing nothing', async () => {
    const { spec } = await sqliteFile('refused.db');
    for (const [flags, pattern] of [
      [['--expires-in', '99999999999d'], /--expires-in "99999999999d" is longer than the maximum of 3650d/],
      [['--expires-in', '3651d'], /--expires-in "3651d" is longer than the maximum/],
      [['--expires-in', '9'.repeat(400)], /--expires-in "9+" is not a duration/],
      [['--uses', '1.5'], /--uses "1.5" must be a whole number from 1 to 2147483647/],
      [['--uses', '0x10'], /--uses "0x10" must be a whole number/],
      [['--uses', '2147483648'], /--uses "2147483648" must be a whole number/],
    ] as const) {
      const created = runCommand(['tokens', 'create', '--store', spec, ...flags]);
      assert.equal(created.status, 2, `${flags.join(' ')}: ${created.stderr}`);
      assert.match(created.stderr, pattern);
      assert.equal(created.stdout, '', 'no token printed');
    }
    const listed = runCommand(['tokens', 'list', '--json', '--store', spec]);
    assert.equal(listed.status, 0, listed.stderr);
    assert.deepEqual(JSON.parse(listed.stdout), [], 'nothing was stored');
  });

  it('accepts the longest duration and the largest use count', async () => {
    const { spec } = await sqliteFile('longest.db');
    const created = runCommand([
      'tokens',
      'create',
      '--json',
      '--store',
      spec,
      '--expires-in',
      '3650d',
      '--uses',
      '2147483647',
    ]);
    assert.equal(created.status, 0, created.stderr);
    const record = JSON.parse(created.stdout) as { created_at: number; expires_at: number; max_uses: number };
    assert.equal(record.expires_at - record.created_at, 3650 * 86400);
    assert.equal(record.max_uses, 2147483647);
  });

  it('lists tokens already stored with expiries no date can show', async () => {
    const { file, spec } = await sqliteFile('absurd.db');
    const now = Math.floor(Date.now() / 1000);
    // What `tokens create --expires-in 99999999999d` stored before durations had a maximum,
    // and a value beyond even that.
    const stored: [string, number | bigint][] = [
      ['a-from-old-cli', now + 99_999_999_999 * 86400],
      ['b-beyond', 9_000_000_000_000_000_000n],
    ];
    const db = new Database(file);
    try {
      const insert = db.prepare(
        `INSERT INTO registrar_initial_access_tokens (id, token_hash, created_at, expires_at, uses, label)
         VALUES (?, ?, ?, ?, 0, ?)`,
      );
      for (const [id, expiresAt] of stored)
        insert.run(id, `sha256:${id}`, now, expiresAt, `label \u202e${id}`);
    } finally {
      db.close();
    }
    const table = runCommand(['tokens', 'list', '--store', spec]);
    assert.equal(table.status, 0, table.stderr);
    const rows = table.stdout.trimEnd().split('\n').slice(1);
    assert.equal(rows.length, 2);
    assert.deepEqual(
      rows.map((row) => row.split('\t')[2]),
      [String(now + 99_999_999_999 * 86400), String(9e18)],
      'an expiry no date can show is printed as the number it is',
    );
    assert.ok(rows[0]?.endsWith('\tlabel \\u202ea-from-old-cli'), 'the label is escaped');
    const json = runCommand(['tokens', 'list', '--json', '--store', spec]);
    assert.equal(json.status, 0, json.stderr);
    const records = JSON.parse(json.stdout) as { id: string; expires_at: number; label: string }[];
    assert.deepEqual(
      records.map((record) => [record.id, record.expires_at, record.label]),
      [
        ['a-from-old-cli', now + 99_999_999_999 * 86400, 'label \u202ea-from-old-cli'],
        ['b-beyond', 9e18, 'label \u202eb-beyond'],
      ],
    );
  });

  const unstorable: [string, number][] = [
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['1e300', 1e300],
    ['beyond a Date', 8_640_000_000_001],
    ['negative', -1],
    ['fractional', 1.5],
  ];

  for (const [name, open] of [
    ['memory', async () => createMemoryStore()],
    ['SQLite', async () => createSqliteStore({ filename: (await sqliteFile('library.db')).file })],
  ] as const) {
    it(`the ${name} store refuses an expiry that is not whole seconds within a Date's range`, async () => {
      const store = await open();
      try {
        for (const [label, expiresAt] of unstorable) {
          const record: InitialAccessTokenRecord = {
            id: `id-${label}`,
            token_hash: `sha256:${label}`,
            created_at: 1_700_000_000,
            expires_at: expiresAt,
            uses: 0,
          };
          await assert.rejects(async () => store.createInitialAccessToken(record), RangeError, label);
        }
        assert.deepEqual(await store.listInitialAccessTokens(), [], 'none was stored');
        const latest = { id: 'latest', token_hash: 'sha256:latest', created_at: 0, uses: 0 };
        await store.createInitialAccessToken({ ...latest, expires_at: 8_640_000_000_000 });
        assert.equal((await store.listInitialAccessTokens())[0]?.expires_at, 8_640_000_000_000);
      } finally {
        await store.close();
      }
    });
  }

  it('treats an expiry no comparison can pass as expired', () => {
    const record = { id: 'x', token_hash: 'sha256:x', created_at: 0, uses: 0 };
    assert.equal(isInitialAccessTokenUsable({ ...record, expires_at: Number.NaN }, 1_700_000_000), false);
    assert.equal(isInitialAccessTokenUsable({ ...record, expires_at: 1_700_000_001 }, 1_700_000_000), true);
    assert.equal(isInitialAccessTokenUsable({ ...record, expires_at: 1_700_000_000 }, 1_700_000_000), false);
  });
});

// services: postgres
// The `registrar` command as real processes (docs/operations.md#the-registrar-command): a help of
// its own for every command, -h and --version, store options before or after the command, usage
// errors that name the flag or the variable and exit 2, store errors that name where the data is
// and say to run "registrar migrate", and clients list paging and filters, clients create and
// update, and migrate's progress lines.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCommand } from '../helpers/cli.js';
import { dropSchema, POSTGRES_URL, sql, uniqueName } from '../helpers/services.js';

const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('registrar help and version', () => {
  it('gives every command a help of its own that names its options', () => {
    const serve = runCommand(['serve', '--help']);
    const list = runCommand(['clients', 'list', '--help']);
    const sweep = runCommand(['sweep', '--help']);
    for (const result of [serve, list, sweep]) assert.equal(result.status, 0, result.stderr);
    assert.match(serve.stdout, /^Usage: registrar serve \[options\]/);
    assert.match(serve.stdout, /--port <PORT>.*\n.*REGISTRAR_PORT/);
    assert.match(serve.stdout, /--max-clients-per-owner <N>/);
    assert.match(list.stdout, /^Usage: registrar clients list \[options\]/);
    for (const flag of ['--limit <N>', '--cursor <CURSOR>', '--filter <KEY=VALUE>', '--json']) {
      assert.ok(list.stdout.includes(flag), `clients list --help names ${flag}`);
    }
    assert.ok(!list.stdout.includes('--port'), 'clients list takes no --port');
    assert.ok(!sweep.stdout.includes('--limit') && !sweep.stdout.includes('--port'));
    for (const result of [serve, list, sweep]) assert.match(result.stdout, /--store <SPEC>/);
    // The store options are in the help of the commands that open the store, and only there.
    for (const command of [['check'], ['admin-token', 'create']]) {
      const help = runCommand([...command, '--help']);
      assert.equal(help.status, 0, help.stderr);
      assert.doesNotMatch(help.stdout, /--store|--pg-schema|--log-level/, `${command.join(' ')} --help`);
    }
    assert.notEqual(serve.stdout, list.stdout);
    assert.notEqual(list.stdout, sweep.stdout);
  });

  it('takes -h as --help, for the program and for a command', () => {
    const short = runCommand(['-h']);
    assert.equal(short.status, 0, short.stderr);
    assert.match(short.stdout, /^Usage: registrar \[options\] \[command\]/);
    for (const command of ['serve', 'clients', 'migrate', 'tokens', 'sweep', 'export', 'import', 'check']) {
      assert.match(short.stdout, new RegExp(`\\n  ${command}\\b`), `-h lists ${command}`);
    }
    assert.deepEqual(runCommand(['sweep', '-h']), runCommand(['sweep', '--help']));
    assert.deepEqual(runCommand(['help', 'sweep']).stdout, runCommand(['sweep', '--help']).stdout);
    const check = runCommand(['check', '-h']);
    assert.equal(check.status, 0, check.stderr);
    assert.match(check.stdout, /^Usage: registrar check ISSUER/);
  });

  it("prints package.json's version", () => {
    for (const flag of ['--version', '-v']) {
      const result = runCommand([flag]);
      assert.equal(result.status, 0, result.stderr);
      assert.equal(result.stdout, `${VERSION}\n`);
    }
  });

  it('ends quietly when the reader of its output goes away (registrar --help | head)', () => {
    // `true` reads nothing and exits at once: every write to the pipe after that fails with EPIPE.
    const run = spawnSync(
      'bash',
      ['-c', `"${process.execPath}" --import tsx src/cli/main.ts --help | true`],
      {
        cwd: ROOT,
        encoding: 'utf8',
      },
    );
    assert.equal(run.status, 0, run.stderr);
    assert.doesNotMatch(run.stderr, /EPIPE|Unhandled/);
  });

  it('shows the help on stderr and exits 2 without a command', () => {
    const result = runCommand([]);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /^Usage: registrar/);
  });
});

describe('registrar usage errors', () => {
  it('names an unknown flag cleanly and exits 2', () => {
    const result = runCommand(['serve', '--bogus']);
    assert.equal(result.status, 2);
    const [first] = result.stderr.split('\n');
    assert.equal(first, "registrar: unknown option '--bogus'");
    assert.doesNotMatch(result.stderr, /node:util|positional argument|"--bogus/);
    const near = runCommand(['sweep', '--jsn']);
    assert.equal(near.status, 2);
    assert.match(near.stderr, /unknown option '--jsn'\n\(Did you mean --json\?\)/);
  });

  it('names an unknown command and a missing argument', () => {
    const unknown = runCommand(['frob']);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /^registrar: unknown command 'frob'/);
    const missing = runCommand(['clients', 'show', '--store', 'memory:']);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /^registrar: missing required argument 'client-id'/);
  });

  it('names the variable a bad value came from, and the flag when the flag gave it', () => {
    const fromEnv = runCommand(['serve', '--store', 'memory:'], { env: { REGISTRAR_PORT: 'abc' } });
    assert.equal(fromEnv.status, 2);
    assert.equal(fromEnv.stderr.trim(), 'registrar: REGISTRAR_PORT must be a port number (0 to 65535).');
    const fromFlag = runCommand(['serve', '--store', 'memory:', '--port', 'abc'], {
      env: { REGISTRAR_PORT: '4000' },
    });
    assert.equal(fromFlag.status, 2);
    assert.equal(fromFlag.stderr.trim(), 'registrar: --port must be a port number (0 to 65535).');
    const timeout = runCommand(['serve', '--store', 'memory:'], { env: { REGISTRAR_IDLE_TIMEOUT: '0' } });
    assert.equal(timeout.status, 2);
    assert.match(timeout.stderr, /REGISTRAR_IDLE_TIMEOUT must be a positive integer/);
  });

  it("reads the variables of a command's own options only, and refuses a store option where no store opens", () => {
    // REGISTRAR_PORT is serve's: sweep neither reads nor checks it, but its own variable it does.
    const sweep = runCommand(['sweep', '--store', 'memory:'], { env: { REGISTRAR_PORT: 'abc' } });
    assert.equal(sweep.status, 0, sweep.stderr);
    assert.match(sweep.stdout, /Removed 0 expired clients/);
    const pool = runCommand(['sweep', '--store', 'memory:'], { env: { REGISTRAR_PG_POOL_SIZE: 'many' } });
    assert.equal(pool.status, 2);
    assert.equal(pool.stderr.trim(), 'registrar: REGISTRAR_PG_POOL_SIZE must be a positive integer.');
    for (const argv of [
      ['--store', 'memory:', 'check', 'http://127.0.0.1:9'],
      ['--pg-schema', 'x', 'admin-token', 'create'],
    ]) {
      const refused = runCommand(argv);
      assert.equal(refused.status, 2, argv.join(' '));
      assert.match(
        refused.stderr,
        /^registrar: (check|admin-token create) does not take --(store|pg-schema): it opens no store\.\n$/,
      );
    }
  });
});

describe('registrar store errors', () => {
  const schema = uniqueName('cli_empty');
  before(() => sql(`CREATE SCHEMA "${schema}"`));
  after(() => dropSchema(schema));

  it('says to run registrar migrate on a schema without tables, never an internal error', () => {
    for (const command of [['sweep'], ['clients', 'list'], ['tokens', 'list'], ['export']]) {
      const result = runCommand([...command, '--store', POSTGRES_URL, '--pg-schema', schema]);
      assert.equal(result.status, 1, `${command.join(' ')}: ${result.stderr}`);
      assert.equal(
        result.stderr.trim(),
        `registrar: PostgreSQL 127.0.0.1:5432 (database test, schema ${schema}) has no Registrar tables: ` +
          'run "registrar migrate" with the same --store and --pg-schema.',
        command.join(' '),
      );
      assert.equal(result.stdout, '', `${command.join(' ')} prints nothing on stdout`);
    }
  });

  it('names the host and port of a PostgreSQL it cannot reach', () => {
    for (const command of [['clients', 'list'], ['sweep']]) {
      const result = runCommand([...command, '--store', 'postgres://postgres@127.0.0.1:5999/test']);
      assert.equal(result.status, 1, result.stderr);
      assert.equal(
        result.stderr.trim(),
        'registrar: Cannot reach PostgreSQL 127.0.0.1:5999 (database test, schema public): ECONNREFUSED.',
      );
    }
  });

  it('names the file of a SQLite database it cannot open', () => {
    const result = runCommand(['sweep', '--store', 'sqlite:/nonexistent-registrar-dir/x.db']);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /^registrar: Cannot open SQLite \/nonexistent-registrar-dir\/x\.db: /);
  });

  it('prints a line per migration it applies, on stderr', () => {
    const fresh = uniqueName('cli_progress');
    try {
      const result = runCommand(['migrate', '--store', POSTGRES_URL, '--pg-schema', fresh]);
      assert.equal(result.status, 0, result.stderr);
      const lines = result.stderr.trim().split('\n');
      assert.ok(lines.length >= 5, result.stderr);
      for (const [index, line] of lines.entries()) {
        assert.match(line, new RegExp(`^applying migration ${index + 1} \\(.+\\)$`));
      }
      const again = runCommand(['migrate', '--store', POSTGRES_URL, '--pg-schema', fresh]);
      assert.equal(again.stderr, '', 'nothing to apply, nothing said');
    } finally {
      void dropSchema(fresh);
    }
  });
});

describe('registrar clients create, update and list', () => {
  let dir: string;
  let store: string;
  const created: string[] = [];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'registrar-cli-'));
    store = `sqlite:${join(dir, 'clients.db')}`;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const create = (metadata: Record<string, unknown>, extra: string[] = []) =>
    runCommand(['clients', 'create', '--metadata', JSON.stringify(metadata), '--store', store, ...extra]);

  it('creates a client and prints its secret once', () => {
    const result = create({ client_name: 'Acme one', redirect_uris: ['https://acme.example/cb'] });
    assert.equal(result.status, 0, result.stderr);
    const lines = Object.fromEntries(
      result.stdout
        .trim()
        .split('\n')
        .map((line) => line.split('\t')),
    );
    assert.match(lines.client_id ?? '', /^.{16,}$/);
    assert.match(lines.client_secret ?? '', /^.{32,}$/);
    assert.match(result.stderr, /client_secret and registration_access_token are shown only now/);
    created.push(lines.client_id as string);
    const shown = runCommand(['clients', 'show', lines.client_id as string, '--store', store]);
    assert.equal(shown.status, 0, shown.stderr);
    assert.ok(!shown.stdout.includes(lines.client_secret as string), 'the secret is never shown again');
    assert.equal((JSON.parse(shown.stdout) as { client_name: string }).client_name, 'Acme one');
  });

  it('validates an operator client by the registration rules', () => {
    const bad = create({ redirect_uris: ['not a url'] });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /^Refused: .*redirect_uris.* \(invalid_redirect_uri\)$/m);
    const none = runCommand(['clients', 'create', '--store', store]);
    assert.equal(none.status, 2);
    assert.match(none.stderr, /--metadata JSON or --metadata-file FILE/);
    const notJson = runCommand(['clients', 'create', '--metadata', '{', '--store', store]);
    assert.equal(notJson.status, 2);
    assert.match(notJson.stderr, /--metadata must be JSON/);
  });

  it('replaces a client metadata whole with clients update', () => {
    const [clientId] = created as [string];
    const updated = runCommand([
      'clients',
      'update',
      clientId,
      '--json',
      '--store',
      store,
      '--metadata',
      JSON.stringify({ client_name: 'Acme renamed', redirect_uris: ['https://acme.example/cb2'] }),
    ]);
    assert.equal(updated.status, 0, updated.stderr);
    const body = JSON.parse(updated.stdout) as Record<string, unknown>;
    assert.equal(body.client_name, 'Acme renamed');
    assert.deepEqual(body.redirect_uris, ['https://acme.example/cb2']);
    assert.equal(body.client_secret, undefined, 'the kept secret is not shown again');
    const missing = runCommand(['clients', 'update', 'no-such-client', '--store', store, '--metadata', '{}']);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /unknown_client/);
  });

  it('pages with --limit and --cursor and filters with --filter, the store options before or after', () => {
    for (let i = 0; i < 4; i++) {
      const result = create({
        client_name: i % 2 === 0 ? `Even ${i}` : `Odd ${i}`,
        redirect_uris: ['https://acme.example/cb'],
      });
      assert.equal(result.status, 0, result.stderr);
    }
    const all = JSON.parse(runCommand(['clients', 'list', '--json', '--store', store]).stdout) as Array<{
      client_id: string;
    }>;
    assert.equal(all.length, 5);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const args = ['--store', store, 'clients', 'list', '--json', '--limit', '2'];
      const result = runCommand(cursor === null ? args : [...args, '--cursor', cursor]);
      assert.equal(result.status, 0, result.stderr);
      const page = JSON.parse(result.stdout) as {
        clients: Array<{ client_id: string }>;
        next_cursor: string | null;
      };
      assert.ok(page.clients.length <= 2);
      seen.push(...page.clients.map((client) => client.client_id));
      cursor = page.next_cursor;
      pages++;
    } while (cursor !== null);
    assert.equal(pages, 3);
    assert.deepEqual(
      seen,
      all.map((client) => client.client_id),
      'the pages add up to the listing, in order',
    );

    const table = runCommand(['clients', 'list', '--limit', '1', '--filter', 'name=odd', '--store', store]);
    assert.equal(table.status, 0, table.stderr);
    const row = /^client_id\tissued_at\tauth_method\tclient_name\n[^\t]+\t[^\t]+\t[^\t]+\t(Odd [13])\n$/.exec(
      table.stdout,
    );
    assert.ok(row, table.stdout);
    const [count, next] = table.stderr.trim().split('\n');
    assert.equal(count, '1 client');
    const nextCursor = /^Next page: --cursor (\S+) /.exec(next ?? '')?.[1];
    assert.ok(nextCursor, table.stderr);
    const rest = runCommand([
      'clients',
      'list',
      '--json',
      '--filter',
      'name=odd',
      '--cursor',
      nextCursor,
      '--store',
      store,
    ]);
    assert.equal(rest.status, 0, rest.stderr);
    assert.deepEqual(
      (JSON.parse(rest.stdout) as Array<{ client_name: string }>).map((client) => client.client_name),
      [row[1] === 'Odd 1' ? 'Odd 3' : 'Odd 1'],
      'the next page holds the other match (pages go in client_id order)',
    );
    const active = runCommand(['clients', 'list', '--json', '--filter', 'status=active', '--store', store]);
    assert.equal((JSON.parse(active.stdout) as unknown[]).length, 5);
    const created = runCommand([
      'clients',
      'list',
      '--json',
      '--filter',
      'created_after=99999999999',
      '--store',
      store,
    ]);
    assert.equal(created.stdout, '[]\n');
  });

  it('names the flag of a bad listing option and exits 2', () => {
    const cases: Array<[string[], RegExp]> = [
      [['--limit', '0'], /^registrar: --limit: limit must be a whole number from 1 to 200\.$/],
      [['--cursor', '!!'], /^registrar: --cursor: cursor is not a next_cursor/],
      [
        ['--filter', 'colour=red'],
        /^registrar: --filter "colour=red" must be KEY=VALUE with KEY one of name, /,
      ],
      [
        ['--filter', 'status=gone'],
        /^registrar: --filter status: status must be one of active, pending, expired/,
      ],
      [
        ['--filter', 'used_before=yesterday'],
        /^registrar: --filter used_before: used_before must be Unix seconds/,
      ],
    ];
    for (const [flags, pattern] of cases) {
      const result = runCommand(['clients', 'list', ...flags, '--store', store]);
      assert.equal(result.status, 2, `${flags.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr.trim(), pattern);
    }
  });
});

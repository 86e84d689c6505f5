// The progress line of the long CLI commands as an operator sees it on a terminal
// (docs/operations.md#the-registrar-command): export, import and sweep over a SQLite store big
// enough that each runs past the one-second delay, their stderr on a real pseudo-terminal.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { createSqliteStore } from '../../src/store/sqlite.js';
import { sampleRegistration } from '../../src/testkit/store-conformance.js';
import { runOnTerminal } from '../helpers/cli.js';

const CLIENTS = 60_000;

/** The counts a progress line showed, in order, from the terminal's carriage-return-separated redraws. */
function counts(terminal: string, pattern: RegExp): number[] {
  return [...terminal.matchAll(pattern)].map((match) => Number(match[1]));
}

describe('progress on a terminal', () => {
  const dir = mkdtempSync(join(tmpdir(), 'registrar-progress-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const source = join(dir, 'source.db');
  const target = join(dir, 'target.db');
  const exported = join(dir, 'export.jsonl');

  it('export, import and sweep redraw one line with a growing count, then end it', async () => {
    const now = Math.floor(Date.now() / 1000);
    const store = createSqliteStore({ filename: source });
    for (let i = 0; i < CLIENTS; i++)
      await store.registerClient(sampleRegistration({ expires_at: now - 60 }));
    await store.close();

    const exporting = await runOnTerminal(['export', '--store', `sqlite:${source}`], exported);
    assert.equal(exporting.status, 0, exporting.terminal);
    const exportCounts = counts(exporting.terminal, /\rexporting: (\d+) records/g);
    assert.ok(exportCounts.length > 0, `a progress line: ${exporting.terminal.slice(0, 200)}`);
    assert.ok(exportCounts.every((count, i) => i === 0 || count >= (exportCounts[i - 1] as number)));
    assert.ok((exportCounts.at(-1) as number) <= CLIENTS);
    assert.match(exporting.terminal, /records\r?\n/, 'the line is ended before the summary');
    assert.match(exporting.terminal, new RegExp(`Exported ${CLIENTS} clients`));
    assert.equal(readFileSync(exported, 'utf8').trim().split('\n').length, CLIENTS + 1);

    const importing = await runOnTerminal(
      ['import', '--store', `sqlite:${target}`, exported],
      join(dir, 'import.out'),
    );
    assert.equal(importing.status, 0, importing.terminal);
    const importCounts = counts(
      importing.terminal,
      new RegExp(`\\rimporting: (\\d+) of ${CLIENTS} records`, 'g'),
    );
    assert.ok(importCounts.length > 0, `a progress line: ${importing.terminal.slice(0, 200)}`);
    assert.ok(importCounts.every((count, i) => i === 0 || count >= (importCounts[i - 1] as number)));
    assert.match(readFileSync(join(dir, 'import.out'), 'utf8'), new RegExp(`Imported ${CLIENTS} clients`));

    // Sweeping is quicker than a second for the imported clients: copies of them, written in one
    // statement, make the table five times bigger.
    const database = new Database(target);
    database
      .prepare(
        `INSERT INTO registrar_clients (client_id, registration, client_id_issued_at, expires_at)
         SELECT client_id || '.' || copy.n, registration, client_id_issued_at, expires_at
         FROM registrar_clients, (SELECT 1 AS n UNION SELECT 2 UNION SELECT 3 UNION SELECT 4) AS copy`,
      )
      .run();
    database.close();
    const sweeping = await runOnTerminal(['sweep', '--store', `sqlite:${target}`], join(dir, 'sweep.out'));
    assert.equal(sweeping.status, 0, sweeping.terminal);
    const sweepCounts = counts(sweeping.terminal, /\rsweeping: (\d+) expired clients removed/g);
    assert.ok(sweepCounts.length > 0, `a progress line: ${sweeping.terminal.slice(0, 200)}`);
    assert.match(
      readFileSync(join(dir, 'sweep.out'), 'utf8'),
      new RegExp(`Removed ${5 * CLIENTS} expired clients`),
    );
  });
});

// What scripts/run-tests.mjs would run (`--list`, which starts no suite): every test file under
// test/ exactly once with REGISTRAR_OUTAGE_TESTS=1, and without it, CI=true or not, every file but
// the two that stop this machine's PostgreSQL, with one line saying they were left out.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const OUTAGE = [
  'test/reliability/postgres-outage.test.ts',
  'test/reliability/postgres-restart-under-load.test.ts',
];

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return entry.name.endsWith('.test.ts') ? [relative(ROOT, path).split(sep).join('/')] : [];
  });
}

function list(env: Record<string, string>): { files: string[]; notes: string[] } {
  const { REGISTRAR_OUTAGE_TESTS: _outage, CI: _ci, ...rest } = process.env;
  const result = spawnSync(process.execPath, ['scripts/run-tests.mjs', '--list'], {
    cwd: ROOT,
    env: { ...rest, ...env },
    encoding: 'utf8',
  });
  assert.equal(result.status, 0, result.stderr);
  const lines = result.stdout.split('\n').filter((line) => line !== '');
  return {
    files: lines.filter((line) => line.endsWith('.test.ts')),
    notes: lines.filter((line) => !line.endsWith('.test.ts')),
  };
}

describe('scripts/run-tests.mjs', () => {
  const all = testFiles(join(ROOT, 'test')).sort();

  it('runs every test file exactly once with REGISTRAR_OUTAGE_TESTS=1', () => {
    const { files, notes } = list({ REGISTRAR_OUTAGE_TESTS: '1' });
    assert.deepEqual(files, all);
    assert.deepEqual(notes, []);
    for (const file of OUTAGE) assert.ok(files.includes(file), `${file} is not a test file any more`);
  });

  for (const env of [{}, { CI: 'true' }]) {
    it(`leaves out the two outage suites with one line saying so, ${env.CI ? 'under CI=true' : 'by default'}`, () => {
      const { files, notes } = list(env);
      assert.deepEqual(
        files,
        all.filter((file) => !OUTAGE.includes(file)),
      );
      assert.equal(notes.length, 1);
      assert.match(notes[0] ?? '', /REGISTRAR_OUTAGE_TESTS=1/);
      for (const file of OUTAGE) assert.ok(notes[0]?.includes(file), `the line does not name ${file}`);
    });
  }
});

// The parity registry (test/e2e/suites.ts) against the test files: every file that calls
// `startRegistrar` is either run through every adapter or listed as single-mount with a reason.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PARITY_SUITES, SINGLE_MOUNT } from '../e2e/suites.js';

const TEST_ROOT = fileURLToPath(new URL('..', import.meta.url));
const CALL = /\bstartRegistrar\(/;

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return entry.name.endsWith('.test.ts') ? [relative(TEST_ROOT, path).split(sep).join('/')] : [];
  });
}

const read = (file: string) => readFileSync(join(TEST_ROOT, file), 'utf8');
const parity = PARITY_SUITES.map((file) => `e2e/${file}`);

describe('parity registry', () => {
  it('lists every test file that calls startRegistrar, as parity or single-mount', () => {
    const callers = testFiles(TEST_ROOT).filter(
      (file) => !file.startsWith('parity/') && CALL.test(read(file)),
    );
    const listed = new Set([...parity, ...Object.keys(SINGLE_MOUNT)]);
    assert.deepEqual(
      callers.filter((file) => !listed.has(file)),
      [],
      'add these files to PARITY_SUITES or SINGLE_MOUNT in test/e2e/suites.ts',
    );
  });

  it('lists each file once, and only files that exist and call startRegistrar', () => {
    const all = [...parity, ...Object.keys(SINGLE_MOUNT)];
    assert.equal(new Set(all).size, all.length, 'a file is listed twice');
    for (const file of all) {
      assert.ok(existsSync(join(TEST_ROOT, file)), `${file} does not exist`);
      assert.ok(CALL.test(read(file)), `${file} does not call startRegistrar`);
    }
  });

  it('runs through the adapters no suite that needs a service, and gives each single mount a reason', () => {
    for (const file of parity) {
      assert.ok(
        !read(file).startsWith('// services:'),
        `${file} needs a service the parity run does not check`,
      );
    }
    for (const [file, reason] of Object.entries(SINGLE_MOUNT)) {
      assert.ok(reason.trim().length > 0, `${file} has no reason`);
    }
  });
});

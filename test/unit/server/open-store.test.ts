// A feature whose optional peer dependency is missing: the error names the package to install,
// and any other failure to load passes through unchanged.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigurationError } from '../../../src/core/errors.js';
import { importWithPeer } from '../../../src/server/open-store.js';

const ABSENT = 'registrar-absent-peer';

describe('importWithPeer', () => {
  it('turns a missing peer into one ConfigurationError line naming the package and the npx command', async () => {
    await assert.rejects(
      importWithPeer('The test store', ABSENT, () => import(ABSENT)),
      (error: unknown) => {
        assert.ok(error instanceof ConfigurationError);
        assert.equal(
          error.message,
          `The test store needs the ${ABSENT} package: npm install ${ABSENT}, or run npx -p registrar -p ${ABSENT} registrar serve`,
        );
        return true;
      },
    );
  });

  it('passes on a different missing package unchanged', async () => {
    await assert.rejects(
      importWithPeer('The test store', 'better-sqlite3', () => import(ABSENT)),
      (error: unknown) => {
        assert.ok(!(error instanceof ConfigurationError));
        assert.equal((error as { code?: unknown }).code, 'ERR_MODULE_NOT_FOUND');
        assert.match(String(error), new RegExp(`Cannot find package '${ABSENT}'`));
        return true;
      },
    );
  });

  it('passes on an error thrown while the module loads', async () => {
    const failure = new Error('the module threw');
    await assert.rejects(
      importWithPeer('The test store', ABSENT, () => Promise.reject(failure)),
      (error: unknown) => error === failure,
    );
  });

  it('returns the module when the peer is installed', async () => {
    const sqlite = await importWithPeer(
      'The sqlite: store',
      'better-sqlite3',
      () => import('../../../src/store/sqlite.js'),
    );
    assert.equal(typeof sqlite.createSqliteStore, 'function');
  });
});

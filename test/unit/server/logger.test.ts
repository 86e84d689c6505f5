// The server's logger (src/server/logger.ts): pino lines with the level's name and an ISO time,
// info to one sink and warnings and errors to the other, the request id of the request a line
// was written for however deep the call, the level threshold, and redaction of members named
// like credentials as the second guard.
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import { createServerLogger, REDACTED, requestIdOf, withRequestId } from '../../../src/server/logger.js';

function capture(level?: string) {
  const out: Record<string, unknown>[] = [];
  const err: Record<string, unknown>[] = [];
  const logger = createServerLogger(
    { out: (line) => out.push(JSON.parse(line)), err: (line) => err.push(JSON.parse(line)) },
    level,
  );
  return { logger, out, err };
}

const withHeader = (value: string | string[] | undefined) =>
  ({ headers: value === undefined ? {} : { 'x-request-id': value } }) as unknown as IncomingMessage;

describe('createServerLogger', () => {
  it('writes info to out and warnings and errors to err, one JSON object each', () => {
    const { logger, out, err } = capture();
    logger.info({ msg: 'listening', url: 'http://127.0.0.1:4000' });
    logger.warn({ msg: 'careful' });
    logger.error({ msg: 'broken' });
    assert.deepEqual(
      out.map((line) => [line.level, line.msg, line.url]),
      [['info', 'listening', 'http://127.0.0.1:4000']],
    );
    assert.deepEqual(
      err.map((line) => [line.level, line.msg]),
      [
        ['warn', 'careful'],
        ['error', 'broken'],
      ],
    );
    assert.match(String(out[0]?.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal('pid' in (out[0] as object), false);
  });

  it('keeps what is below the level out', () => {
    const quiet = capture('warn');
    quiet.logger.info({ msg: 'request' });
    quiet.logger.warn({ msg: 'careful' });
    assert.equal(quiet.out.length, 0);
    assert.equal(quiet.err.length, 1);
    const verbose = capture('debug');
    verbose.logger.debug({ msg: 'request', path: '/healthz' });
    assert.equal(verbose.out[0]?.level, 'debug');
    const normal = capture();
    normal.logger.debug({ msg: 'request', path: '/healthz' });
    assert.equal(normal.out.length, 0);
  });

  it('puts the request id on every line written while the request is handled, however deep', async () => {
    const { logger, out, err } = capture();
    logger.info({ msg: 'before' });
    await withRequestId('req-1', async () => {
      logger.info({ msg: 'first' });
      await new Promise((resolve) => setTimeout(resolve, 5));
      await Promise.resolve().then(() => logger.warn({ msg: 'deep' }));
    });
    logger.info({ msg: 'after' });
    assert.deepEqual(
      out.map((line) => [line.msg, line.request_id]),
      [
        ['before', undefined],
        ['first', 'req-1'],
        ['after', undefined],
      ],
    );
    assert.equal(err[0]?.request_id, 'req-1');
  });

  it('masks members named like credentials, at the top and one level down', () => {
    const { logger, out } = capture();
    logger.info({
      msg: 'oops',
      client_secret: 's3cr3t-one',
      headers: { authorization: 'Bearer s3cr3t-two' },
      body: { registration_access_token: 's3cr3t-three', client_name: 'kept' },
    });
    const line = JSON.stringify(out[0]);
    assert.equal(/s3cr3t/.test(line), false, line);
    assert.equal(out[0]?.client_secret, REDACTED);
    assert.deepEqual(out[0]?.headers, { authorization: REDACTED });
    assert.deepEqual(out[0]?.body, { registration_access_token: REDACTED, client_name: 'kept' });
  });
});

describe('requestIdOf', () => {
  it('accepts one well-formed X-Request-Id and mints a UUID for anything else', () => {
    for (const good of [
      'abc-123',
      '0190f1e2-7c3a-7b9e-8c1d-2e3f4a5b6c7d',
      'Root=1-abc/def+g@h:i.j_k',
      'x'.repeat(128),
    ]) {
      assert.equal(requestIdOf(withHeader(good)), good);
    }
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    for (const bad of [
      undefined,
      '',
      'has space',
      'quote"',
      'x'.repeat(129),
      'ünïcode',
      'a\nb',
      ['a', 'b'],
    ]) {
      assert.match(requestIdOf(withHeader(bad)), uuid, JSON.stringify(bad));
    }
  });
});

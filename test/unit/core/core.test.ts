// Unit tests of the pure core: encodings, credentials and language tags.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  hashCredential,
  mintClientId,
  mintIdentifier,
  mintSecret,
  verifyCredential,
  webCrypto,
} from '../../../src/core/credentials/credentials.js';
import { base64url, constantTimeEqual } from '../../../src/core/credentials/encoding.js';
import { isWellFormedLanguageTag } from '../../../src/core/metadata/language-tags.js';
import { nodeCrypto, RANDOM_POOL_BYTES } from '../../../src/crypto/node-crypto.js';

describe('encoding', () => {
  it('matches Node base64url for every length', () => {
    for (let length = 0; length < 70; length++) {
      const bytes = randomBytes(length);
      assert.equal(base64url(bytes), bytes.toString('base64url'));
    }
  });

  it('encodes every byte value at every position of a three-byte group', () => {
    for (let offset = 0; offset < 3; offset++) {
      for (let high = 0; high < 256; high += 17) {
        const bytes = Buffer.from(Array.from({ length: 256 + offset }, (_, i) => (i * 7 + high) & 255));
        assert.equal(base64url(bytes.subarray(offset)), bytes.subarray(offset).toString('base64url'));
      }
    }
  });

  it('compares strings', () => {
    assert.equal(constantTimeEqual('abc', 'abc'), true);
    assert.equal(constantTimeEqual('abc', 'abd'), false);
    assert.equal(constantTimeEqual('abc', 'ab'), false);
    assert.equal(constantTimeEqual('', ''), true);
  });
});

describe('credentials', () => {
  it('mints 128-bit client ids and 256-bit secrets, all distinct', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => mintClientId(nodeCrypto)));
    assert.equal(ids.size, 1000);
    for (const id of ids) {
      assert.equal(Buffer.from(id, 'base64url').length, 16);
      assert.ok(!id.startsWith('https://'));
    }
    const secret = mintSecret(nodeCrypto);
    assert.equal(Buffer.from(secret, 'base64url').length, 32);
  });

  it('never mints an id that starts with "-", drawing again instead', () => {
    // 0xf8 makes the first base64url character '-' (62); the second draw starts with 'A'.
    const draws = [new Uint8Array(12).fill(0xf8), new Uint8Array(12)];
    const scripted = { randomBytes: () => draws.shift() as Uint8Array, sha256: webCrypto.sha256 };
    assert.equal(mintIdentifier(scripted, 12), 'AAAAAAAAAAAAAAAA');
    assert.equal(draws.length, 0, 'both draws were used');
    for (let i = 0; i < 2000; i++) assert.ok(!mintClientId(nodeCrypto).startsWith('-'));
  });

  it('draws fresh, independent bytes from the node:crypto pool across refills', () => {
    const seen = new Set<string>();
    let drawn = 0;
    // Odd sizes, so slices straddle the end of the pool and force refills.
    while (drawn < RANDOM_POOL_BYTES * 3) {
      for (const length of [16, 32, 33]) {
        const bytes = nodeCrypto.randomBytes(length);
        assert.equal(bytes.length, length);
        assert.ok(bytes.some((byte) => byte !== 0));
        seen.add(Buffer.from(bytes).toString('hex'));
        drawn += length;
      }
    }
    assert.equal(seen.size, Math.ceil((RANDOM_POOL_BYTES * 3) / 81) * 3, 'no value handed out twice');
    const first = nodeCrypto.randomBytes(32);
    const copy = Buffer.from(first);
    nodeCrypto.randomBytes(32);
    assert.deepEqual(Buffer.from(first), copy, 'a handed-out value is a copy the pool never touches again');
    assert.equal(nodeCrypto.randomBytes(RANDOM_POOL_BYTES + 1).length, RANDOM_POOL_BYTES + 1);
  });

  it('hashes to sha256: + base64url SHA-256, the same with Web Crypto and node:crypto', async () => {
    const value = 'a-secret-value';
    const expected = `sha256:${Buffer.from(await crypto.subtle.digest('SHA-256', Buffer.from(value))).toString('base64url')}`;
    assert.equal(await hashCredential(nodeCrypto, value), expected);
    assert.equal(await hashCredential(webCrypto, value), expected);
  });

  it('verifies only the right value against a readable hash', async () => {
    const hash = await hashCredential(nodeCrypto, 'right');
    assert.equal(await verifyCredential(nodeCrypto, 'right', hash), true);
    assert.equal(await verifyCredential(nodeCrypto, 'wrong', hash), false);
    assert.equal(await verifyCredential(nodeCrypto, 'right', null), false);
    assert.equal(await verifyCredential(nodeCrypto, 'right', hash.replace('sha256:', 'md5:')), false);
    assert.equal(await verifyCredential(nodeCrypto, 'right', 42), false);
  });
});

describe('language tags (RFC 5646)', () => {
  it('accepts well-formed tags', () => {
    for (const tag of [
      'en',
      'en-US',
      'ja-Jpan-JP',
      'zh-Hant-TW',
      'de-CH-1996',
      'sl-rozaj-biske',
      'x-private',
      'i-klingon',
      'es-419',
      'en-a-bbb-x-a-ccc',
    ]) {
      assert.ok(isWellFormedLanguageTag(tag), tag);
    }
  });

  it('refuses malformed tags', () => {
    for (const tag of ['', 'e', 'en_US', 'en-', 'toolongtag', 'en US', 'en-US-', '123', 'en--US']) {
      assert.ok(!isWellFormedLanguageTag(tag), tag);
    }
  });
});

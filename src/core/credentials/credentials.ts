/**
 * Minting and hashing of client credentials (RFC 7591 §3.2.1; the formats are in docs/store-contract.md).
 *
 * @module
 */

import { base64url, constantTimeEqual } from './encoding.js';

/** The cryptographic primitives the core depends on, passed in explicitly. */
export interface CryptoProvider {
  /** `length` bytes from a CSPRNG. */
  randomBytes(length: number): Uint8Array;
  /** SHA-256 of the UTF-8 encoding of `value`. */
  sha256(value: string): Uint8Array | Promise<Uint8Array>;
}

/** A provider on the Web Crypto API, available on Node 20+, Deno, Bun and workers. */
export const webCrypto: CryptoProvider = {
  randomBytes(length) {
    return globalThis.crypto.getRandomValues(new Uint8Array(length));
  },
  async sha256(value) {
    const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(value));
    return new Uint8Array(digest);
  },
};

/** Bytes of randomness in a `client_id`: 128 bits. */
export const CLIENT_ID_BYTES = 16;
/** Bytes of randomness in a `client_secret` and a registration access token: 256 bits. */
export const SECRET_BYTES = 32;
/** The prefix naming the hash algorithm of a stored credential hash. */
export const HASH_PREFIX = 'sha256:';

/** Bytes of randomness in an initial access token's id: 96 bits. */
export const TOKEN_ID_BYTES = 12;

/**
 * A fresh identifier: `bytes` random bytes, base64url, drawn again while it
 * starts with `-` (1 draw in 64), so that no id Registrar mints reads as an
 * option on a command line (`registrar clients show ID`).
 */
export function mintIdentifier(crypto: CryptoProvider, bytes: number): string {
  for (;;) {
    const id = base64url(crypto.randomBytes(bytes));
    if (!id.startsWith('-')) return id;
  }
}

/** A fresh `client_id`: 128 random bits, base64url. It never starts with `https://` or `-`. */
export function mintClientId(crypto: CryptoProvider): string {
  return mintIdentifier(crypto, CLIENT_ID_BYTES);
}

/** A fresh `client_secret` or registration access token: 256 random bits, base64url. */
export function mintSecret(crypto: CryptoProvider): string {
  return base64url(crypto.randomBytes(SECRET_BYTES));
}

/**
 * The at-rest form of a credential: `sha256:` and the base64url SHA-256.
 * These values carry 256 bits of entropy, so a slow password hash adds nothing.
 */
export async function hashCredential(crypto: CryptoProvider, value: string): Promise<string> {
  return HASH_PREFIX + base64url(await crypto.sha256(value));
}

/**
 * Hashes `presented` and compares it with `storedHash` in constant time.
 * An unreadable stored hash (wrong prefix, not a string) never matches.
 */
export function verifyCredential(
  crypto: CryptoProvider,
  presented: string,
  storedHash: unknown,
): boolean | Promise<boolean> {
  // Hash first, whatever is stored, so an unreadable hash costs the same time as a wrong token.
  const digest = crypto.sha256(presented);
  const compare = (bytes: Uint8Array) => {
    const presentedHash = HASH_PREFIX + base64url(bytes);
    if (typeof storedHash !== 'string' || !storedHash.startsWith(HASH_PREFIX)) return false;
    return constantTimeEqual(presentedHash, storedHash);
  };
  // A synchronous provider (nodeCrypto) answers on the request's own turn, without a promise.
  return digest instanceof Uint8Array ? compare(digest) : digest.then(compare);
}

/**
 * Structural checks on a client's `jwks` (RFC 7591 §2, RFC 7517 §5): a JWK Set
 * of public keys only.
 *
 * @module
 */

import { isJsonObject } from '../credentials/encoding.js';
import { invalidClientMetadata } from '../errors.js';
import type { ClientMetadata } from './client-metadata.js';

/** JWK members that belong to private or symmetric keys (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037 §2). */
export const PRIVATE_JWK_MEMBERS: readonly string[] = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/** The public members each key type needs. */
const REQUIRED_PUBLIC_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  RSA: ['n', 'e'],
  EC: ['crv', 'x', 'y'],
  OKP: ['crv', 'x'],
};

/** Most keys accepted in one set. */
export const MAX_JWKS_KEYS = 32;

/** Validates a `jwks` value and returns it unchanged. */
export function validateJwks(value: unknown): NonNullable<ClientMetadata['jwks']> {
  if (!isJsonObject(value)) {
    throw invalidClientMetadata("jwks must be a JSON object with a 'keys' array.");
  }
  const keys = (value as { keys?: unknown }).keys;
  if (!Array.isArray(keys) || keys.length === 0) {
    throw invalidClientMetadata("jwks must hold a non-empty 'keys' array.");
  }
  if (keys.length > MAX_JWKS_KEYS) {
    throw invalidClientMetadata(`jwks holds more than ${MAX_JWKS_KEYS} keys.`);
  }
  keys.forEach((key, index) => {
    if (!isJsonObject(key)) {
      throw invalidClientMetadata(`jwks.keys[${index}] is not a JSON object.`);
    }
    const jwk = key as Record<string, unknown>;
    const kty = jwk.kty;
    if (typeof kty !== 'string' || !Object.hasOwn(REQUIRED_PUBLIC_MEMBERS, kty)) {
      throw invalidClientMetadata(
        `jwks.keys[${index}] has an unsupported or missing 'kty'; use RSA, EC or OKP.`,
      );
    }
    for (const member of PRIVATE_JWK_MEMBERS) {
      if (member in jwk) {
        throw invalidClientMetadata(
          `jwks.keys[${index}] contains private key material ('${member}'); send public keys only.`,
        );
      }
    }
    for (const member of REQUIRED_PUBLIC_MEMBERS[kty] ?? []) {
      if (typeof jwk[member] !== 'string' || jwk[member] === '') {
        throw invalidClientMetadata(`jwks.keys[${index}] lacks the '${member}' member its key type needs.`);
      }
    }
  });
  // The checks above establish what the type says (a JSON object whose `keys` are JSON objects); TypeScript cannot follow them.
  return value as unknown as NonNullable<ClientMetadata['jwks']>;
}

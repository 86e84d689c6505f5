/**
 * The sealing of stateless ids (docs/stateless-registration.md#the-client_id):
 * `sr.` and a compact JWE, `dir` + `A256GCM` under a configured key, whose
 * protected header names the key. The payload is the registration without
 * its `client_id`, bound to the issuer; it holds only hashes of credentials.
 *
 * @module
 */

import { base64url, CompactEncrypt, compactDecrypt, decodeProtectedHeader } from 'jose';
import type { ResolvedStatelessRegistration } from '../core/config/resolve-config.js';
import { isJsonObject } from '../core/credentials/encoding.js';
import {
  isStatelessClientId,
  STATELESS_CLIENT_ID_PREFIX,
  type StatelessCodec,
} from '../core/ports/stateless-codec.js';
import type { ClientRegistration } from '../core/store/registration-store.js';

const ALG = 'dir';
const ENC = 'A256GCM';

function keyBytes(secret: string): Uint8Array {
  return base64url.decode(secret);
}

/**
 * Creates the codec `createRegistrar` passes to the core; the keys were checked by `resolveConfig`.
 * @see https://www.rfc-editor.org/rfc/rfc7591#appendix-A.5.2
 * @see https://www.rfc-editor.org/rfc/rfc7516#section-7.1
 */
export function createStatelessCodec(options: ResolvedStatelessRegistration): StatelessCodec {
  const keys = new Map(options.keys.map((key) => [key.kid, keyBytes(key.secret)]));
  const newest = options.keys[0];
  if (!newest) throw new TypeError('statelessRegistration.keys is empty');
  const newestKey = keyBytes(newest.secret);
  const encoder = new TextEncoder();
  const decoder = new TextDecoder('utf-8', { fatal: true });
  return {
    lifetime: options.lifetime,
    async seal(registration) {
      const payload = encoder.encode(JSON.stringify({ iss: options.issuer, registration }));
      const jwe = await new CompactEncrypt(payload)
        .setProtectedHeader({ alg: ALG, enc: ENC, kid: newest.kid })
        .encrypt(newestKey);
      return STATELESS_CLIENT_ID_PREFIX + jwe;
    },
    async open(clientId) {
      if (!isStatelessClientId(clientId)) return null;
      const jwe = clientId.slice(STATELESS_CLIENT_ID_PREFIX.length);
      try {
        const { kid } = decodeProtectedHeader(jwe);
        const key = typeof kid === 'string' ? keys.get(kid) : undefined;
        if (!key) return null;
        const { plaintext } = await compactDecrypt(jwe, key, {
          keyManagementAlgorithms: [ALG],
          contentEncryptionAlgorithms: [ENC],
        });
        const sealed: unknown = JSON.parse(decoder.decode(plaintext));
        if (!isJsonObject(sealed) || sealed.iss !== options.issuer) return null;
        const registration = sealed.registration;
        if (!isJsonObject(registration) || !isJsonObject(registration.metadata)) return null;
        return { ...(registration as Omit<ClientRegistration, 'client_id'>), client_id: clientId };
      } catch {
        return null;
      }
    },
  };
}

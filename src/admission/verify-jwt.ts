/**
 * JWT verification against a key set, shared by software statements
 * (RFC 7591 §2.3) and client assertions (RFC 7523 §3).
 *
 * @module
 */

import { errors, type JWTPayload, type JWTVerifyGetKey, type JWTVerifyOptions, jwtVerify } from 'jose';

/** A key resolver over a JWK Set: local or fetched. */
export type KeyResolver = JWTVerifyGetKey;

/**
 * Verifies a compact JWT and answers its claims. When several keys of the set
 * fit the header (no `kid`), each is tried in turn (RFC 7517 §4.5 leaves
 * `kid` optional), and the JWT is valid when one of them verifies it.
 */
export async function verifyJwt(
  jwt: string,
  keys: KeyResolver,
  options: JWTVerifyOptions,
): Promise<JWTPayload> {
  try {
    return (await jwtVerify(jwt, keys, options)).payload;
  } catch (error) {
    if (!(error instanceof errors.JWKSMultipleMatchingKeys)) throw error;
    for await (const key of error) {
      try {
        return (await jwtVerify(jwt, key, options)).payload;
      } catch (attempt) {
        if (!(attempt instanceof errors.JWSSignatureVerificationFailed)) throw attempt;
      }
    }
    throw new errors.JWSSignatureVerificationFailed();
  }
}

/**
 * Verification of `private_key_jwt` client assertions (RFC 7523 §3, OpenID
 * Connect Core §9) against the keys the client registered: its `jwks`, or its
 * `jwks_uri` fetched through the safe fetcher. Lives beside the software
 * statement code because both verify JWTs against registered keys.
 *
 * @module
 */

import { createLocalJWKSet } from 'jose';
import { DEFAULT_JWKS_CACHE_SECONDS } from '../core/config/resolve-admission.js';
import type { Settings } from '../core/config/settings.js';
import { isAsymmetricAlgorithm } from '../core/credentials/jws-algorithms.js';
import type { AssertionVerifier } from '../core/host/authenticate-client.js';
import { RemoteKeySets } from './remote-key-set.js';
import { type KeyResolver, verifyJwt } from './verify-jwt.js';

/**
 * Longest assertion lifetime accepted, in seconds from now to `exp`. Each
 * `jti` is remembered until its `exp`, so an unbounded `exp` would let one
 * client fill the replay store.
 */
export const MAX_ASSERTION_LIFETIME_SECONDS = 3600;

/** Client key sets fetched by URL that are kept at once. */
export const MAX_CACHED_CLIENT_KEY_SETS = 1000;

/** Builds the verifier `authenticateClient` uses for `private_key_jwt`. */
export function createAssertionVerifier<C>(settings: Settings<C>): AssertionVerifier {
  // A client's jwks_uri is fetched only through the safe fetcher (docs/operations.md#outbound-fetches-the-ssrf-guard).
  const remote = new RemoteKeySets(settings.outboundFetch, {
    cacheSeconds: DEFAULT_JWKS_CACHE_SECONDS,
    now: settings.now,
    maxEntries: MAX_CACHED_CLIENT_KEY_SETS,
  });
  // Assertions are asymmetric signatures; a client's JWK Set holds only public keys.
  const defaultAlgorithms = settings.rules.signingAlgValuesSupported.filter(isAsymmetricAlgorithm);

  return async (clientId, metadata, assertion) => {
    let keys: KeyResolver;
    if (typeof metadata.jwks === 'object' && metadata.jwks !== null) {
      keys = createLocalJWKSet(metadata.jwks);
    } else if (typeof metadata.jwks_uri === 'string') {
      keys = remote.get(metadata.jwks_uri);
    } else {
      throw new Error('the client has no registered keys');
    }
    const signingAlg = metadata.token_endpoint_auth_signing_alg;
    const algorithms = typeof signingAlg === 'string' ? [signingAlg] : defaultAlgorithms;
    const now = settings.now();
    const payload = await verifyJwt(assertion, keys, {
      algorithms,
      // RFC 7523 §3: iss and sub are the client; aud names the authorization server.
      issuer: clientId,
      subject: clientId,
      audience: [settings.issuer, settings.tokenEndpoint],
      requiredClaims: ['exp', 'jti'],
      currentDate: new Date(now),
    });
    const { jti, exp } = payload;
    if (typeof jti !== 'string' || jti === '' || typeof exp !== 'number') {
      throw new Error('the assertion lacks a usable jti or exp');
    }
    if (exp > Math.floor(now / 1000) + MAX_ASSERTION_LIFETIME_SECONDS) {
      throw new Error('the assertion lives longer than accepted');
    }
    return { jti, exp };
  };
}

/**
 * Initial access tokens (RFC 7591 §3, docs/architecture.md#a-registration step 4 and §6): when
 * configured, registration needs `Authorization: Bearer <token>`. A token is
 * accepted from one of three sources, asked in this order: a static token
 * (compared by hash in constant time), a host verifier, and tokens kept in
 * the store with an expiry, a use count and a policy.
 *
 * @module
 */

import type { ResolvedInitialAccessToken } from '../core/config/resolve-admission.js';
import type { Settings } from '../core/config/settings.js';
import { hashCredential } from '../core/credentials/credentials.js';
import { constantTimeEqual } from '../core/credentials/encoding.js';
import {
  invalidToken,
  missingToken,
  RegistrationError,
  StoreUnavailableError,
  serverError,
  temporarilyUnavailable,
} from '../core/errors.js';
import { metadataPolicyProblem } from '../core/metadata/apply-policies.js';
import type { MetadataPolicy } from '../core/metadata/registration-policy.js';
import type {
  InitialAccessTokenCheck,
  InitialAccessTokenVerdict,
  RegistrationAdmission,
} from '../core/ports/admission-options.js';
import { isInitialAccessTokenUsable } from '../core/store/registration-store.js';
import { callStore } from '../core/store/store-calls.js';

/**
 * Builds the step-4 check from the resolved `initialAccessToken` setting, or
 * answers `undefined` for open registration.
 */
export function createInitialAccessTokenCheck<C>(
  resolved: ResolvedInitialAccessToken | undefined,
  settings: Settings<C>,
): InitialAccessTokenCheck | undefined {
  if (resolved === undefined) return undefined;
  const { token, verify, tokens } = resolved;
  const { crypto, logger } = settings;
  // Hashed once: every presented token is hashed and compared with this in constant time.
  const staticHash = token === undefined ? undefined : hashCredential(crypto, token);

  async function askVerifier(presented: string): Promise<InitialAccessTokenVerdict> {
    if (!verify) return false;
    try {
      return await verify(presented);
    } catch (error) {
      if (error instanceof RegistrationError) throw error;
      if (error instanceof StoreUnavailableError)
        throw temporarilyUnavailable(error, error.retryAfterSeconds);
      throw serverError(new Error('the initialAccessToken verifier threw', { cause: error }));
    }
  }

  function grantFromVerdict(verdict: InitialAccessTokenVerdict): RegistrationAdmission | null {
    if (verdict === true) return {};
    if (typeof verdict !== 'object' || verdict === null) return null;
    const policy = (verdict as { policy?: unknown }).policy;
    if (policy === undefined) return {};
    const problem = metadataPolicyProblem(policy);
    if (problem !== null)
      throw serverError(new Error(`the initialAccessToken verifier answered badly: ${problem}`));
    return { tokenPolicy: policy as MetadataPolicy };
  }

  return async (presented) => {
    // RFC 7591 §3 and RFC 6750 §3.1: no token at all gets a bare challenge.
    if (presented === null) {
      throw missingToken('An initial access token is required in the Authorization header to register.');
    }
    const presentedHash = await hashCredential(crypto, presented);
    // 72 bits of the hash tell owners apart and reveal nothing usable about the token.
    const owner = `iat:${presentedHash.slice('sha256:'.length, 'sha256:'.length + 12)}`;
    if (staticHash !== undefined && constantTimeEqual(presentedHash, await staticHash)) return { owner };
    const granted = grantFromVerdict(await askVerifier(presented));
    if (granted !== null) return { ...granted, owner };
    if (tokens) {
      const store = tokens;
      const record = await callStore('findInitialAccessToken', () =>
        store.findInitialAccessToken(presentedHash),
      );
      if (record !== null && record !== undefined) {
        if (isInitialAccessTokenUsable(record, Math.floor(settings.now() / 1000))) {
          return {
            tokenPolicy: record.policy,
            owner: `iat:${record.id}`,
            // The use is counted when the client is about to be stored, atomically in the store.
            claim: async () => {
              const spent = await callStore('consumeInitialAccessToken', () =>
                store.consumeInitialAccessToken(presentedHash, Math.floor(settings.now() / 1000)),
              );
              if (spent !== true) {
                logger.info({ msg: 'initial access token used up meanwhile', token_id: record.id });
                throw invalidToken(new Error('initial access token used up'));
              }
            },
          };
        }
        logger.info({ msg: 'initial access token expired or used up', token_id: record.id });
        throw invalidToken(new Error('initial access token expired or used up'));
      }
    }
    logger.info({ msg: 'initial access token refused' });
    throw invalidToken(new Error('unknown initial access token'));
  };
}

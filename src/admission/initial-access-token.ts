/**
 * Initial access tokens (RFC 7591 §3, DESIGN §4.1 step 4 and §6): when
 * configured, registration needs `Authorization: Bearer <token>`. A token is
 * accepted from one of three sources, asked in this order: a static token
 * (compared by hash in constant time), a host verifier, and tokens kept in
 * the store with an expiry, a use count and a policy.
 *
 * @module
 */

import type {
  InitialAccessTokenOption,
  InitialAccessTokenOptions,
  InitialAccessTokenVerdict,
} from '../core/admission-options.js';
import { type MetadataPolicy, metadataPolicyProblem } from '../core/apply-policies.js';
import type { Settings } from '../core/config.js';
import { hashCredential } from '../core/credentials.js';
import { constantTimeEqual } from '../core/encoding.js';
import {
  ConfigurationError,
  invalidToken,
  missingToken,
  RegistrationError,
  StoreUnavailableError,
  serverError,
  temporarilyUnavailable,
} from '../core/errors.js';
import type { RegistrationAdmission } from '../core/register-client.js';
import { callStore } from '../core/store-calls.js';
import {
  hasInitialAccessTokens,
  type InitialAccessTokenStore,
  isInitialAccessTokenUsable,
} from '../core/store-contract.js';

/**
 * Judges the bearer token of a registration request (`null` when the
 * request carried none) and answers what admission grants, or throws 401.
 */
export type InitialAccessTokenCheck = (token: string | null) => Promise<RegistrationAdmission>;

function normalise(option: InitialAccessTokenOption): InitialAccessTokenOptions {
  if (typeof option === 'string') return { token: option };
  if (typeof option === 'function') return { verify: option };
  if (typeof option !== 'object' || option === null) {
    throw new ConfigurationError('initialAccessToken must be a string, a function or an object.');
  }
  for (const key of Object.keys(option)) {
    if (!['token', 'verify', 'stored'].includes(key)) {
      throw new ConfigurationError(`initialAccessToken has no "${key}" (use token, verify or stored).`);
    }
  }
  return option;
}

/**
 * Builds the step-4 check from the `initialAccessToken` setting, or answers
 * `undefined` for open registration. `registration` is the configured store
 * object, which must implement `InitialAccessTokenStore` for `stored: true`.
 * Throws `ConfigurationError` when the setting cannot work.
 */
export function createInitialAccessTokenCheck<C>(
  option: InitialAccessTokenOption | undefined,
  settings: Settings<C>,
  registration: unknown,
): InitialAccessTokenCheck | undefined {
  if (option === undefined) return undefined;
  const { token, verify, stored } = normalise(option);
  if (token !== undefined && (typeof token !== 'string' || token === '')) {
    throw new ConfigurationError('initialAccessToken: the static token must be a non-empty string.');
  }
  if (verify !== undefined && typeof verify !== 'function') {
    throw new ConfigurationError('initialAccessToken: verify must be a function.');
  }
  if (stored !== undefined && typeof stored !== 'boolean') {
    throw new ConfigurationError('initialAccessToken: stored must be true or false.');
  }
  if (token === undefined && verify === undefined && stored !== true) {
    throw new ConfigurationError('initialAccessToken needs a token, a verify function or stored: true.');
  }
  let tokens: InitialAccessTokenStore | undefined;
  if (stored === true) {
    if (!hasInitialAccessTokens(registration)) {
      throw new ConfigurationError(
        'initialAccessToken stored: true needs a registration store with the initial-access-token methods.',
      );
    }
    tokens = registration;
  }
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
    if (staticHash !== undefined && constantTimeEqual(presentedHash, await staticHash)) return {};
    const granted = grantFromVerdict(await askVerifier(presented));
    if (granted !== null) return granted;
    if (tokens) {
      const store = tokens;
      const record = await callStore('findInitialAccessToken', () =>
        store.findInitialAccessToken(presentedHash),
      );
      if (record !== null && record !== undefined) {
        if (isInitialAccessTokenUsable(record, Math.floor(settings.now() / 1000))) {
          return {
            tokenPolicy: record.policy,
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

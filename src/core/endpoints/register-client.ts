/**
 * The registration use-case (RFC 7591 §3, docs/architecture.md#a-registration steps 9 to 13): validate,
 * mint and hash credentials, persist through `registerClient`, emit, respond.
 *
 * @module
 */

import type { Settings } from '../config/settings.js';
import { hashCredential, mintClientId, mintSecret } from '../credentials/credentials.js';
import { invalidClientMetadata, serverError } from '../errors.js';
import { emitEvent } from '../events.js';
import { sealStatelessClient } from '../host/stateless-clients.js';
import { applyPolicies, type PolicyOutcome } from '../metadata/apply-policies.js';
import { checkSectorIdentifier } from '../metadata/check-sector-identifier.js';
import type { MetadataPolicy } from '../metadata/registration-policy.js';
import { issuesSecret, validateClientMetadata } from '../metadata/validate-metadata.js';
import type { RegistrationAdmission, StatementOutcome } from '../ports/admission-options.js';
import type { ClientRegistration } from '../store/registration-store.js';
import { callStore, checkWriteResult } from '../store/store-calls.js';
import { registerWithinCaps } from './capped-registration.js';
import { clientResponse } from './client-response.js';

/**
 * Steps 9 and 10 of docs/architecture.md#a-registration and the sector identifier check, as registration and update
 * both run them: validates the document the software-statement step left, applies the token's
 * and the host's policies, fetches `sector_identifier_uri`, and keeps the statement as sent.
 */
export async function settleMetadata<C>(
  settings: Settings<C>,
  statement: StatementOutcome,
  run: { operation: 'register' | 'update'; clientId?: string; tokenPolicy?: MetadataPolicy | undefined },
): Promise<PolicyOutcome> {
  const { document } = statement;
  const { metadata, pending } = await applyPolicies(settings, {
    operation: run.operation,
    clientId: run.clientId,
    document,
    metadata: validateClientMetadata(document, settings.rules),
    tokenPolicy: run.tokenPolicy,
    softwareStatement: statement.claims,
  });
  // The sector identifier fetch (docs/operations.md#outbound-fetches-the-ssrf-guard) comes after every check that costs nothing.
  await checkSectorIdentifier(metadata, settings.outboundFetch);
  // RFC 7591 §2.3: the statement is kept and echoed exactly as sent.
  if (statement.softwareStatement !== undefined) metadata.software_statement = statement.softwareStatement;
  return { metadata, pending };
}

/** Mints a client secret, sets its hash and expiry on `registration`, and returns the plaintext. */
export async function issueClientSecret<C>(
  settings: Settings<C>,
  registration: ClientRegistration,
  now: number,
): Promise<string> {
  const secret = mintSecret(settings.crypto);
  registration.client_secret_hash = await hashCredential(settings.crypto, secret);
  registration.client_secret_expires_at = settings.clientSecretTtl > 0 ? now + settings.clientSecretTtl : 0;
  return secret;
}

/**
 * Sets `registration_access_token_hash` on `registration` and returns the token to hand out,
 * or, with management off, `undefined`: then the hash is of a token no one holds, so RFC 7592
 * fails closed while an operator's update (docs/operations.md#operator-managed-clients) still
 * has a value for the store's compare-and-swap.
 */
export async function issueRegistrationAccessToken<C>(
  settings: Settings<C>,
  registration: ClientRegistration,
): Promise<string | undefined> {
  const token = mintSecret(settings.crypto);
  registration.registration_access_token_hash = await hashCredential(settings.crypto, token);
  return settings.managementEnabled ? token : undefined;
}

/**
 * Removes a client stored a moment ago whose admission claim then failed, so that no client
 * outlives a refused request; a failure to remove it is logged (no one holds its
 * credentials, and it expires as any unused client does).
 */
async function withdrawRegistration<C>(settings: Settings<C>, client: C, clientId: string): Promise<void> {
  const unregister = settings.store.unregisterClient;
  try {
    if (unregister) await callStore('unregisterClient', () => unregister(client));
  } catch (error) {
    settings.logger.error({ msg: 'could not withdraw a refused registration', client_id: clientId, error });
  }
}

/**
 * Persists a new registration through `registerClient` (or `registerClientWithinCaps`
 * under the caps), then spends the admission claim: a request the store or a cap refuses
 * keeps its initial access token's use, and one whose claim fails (the token was used up
 * meanwhile) has its client removed again before any credential is answered.
 */
async function storeRegistration<C>(
  settings: Settings<C>,
  registration: ClientRegistration,
  admission: RegistrationAdmission,
): Promise<void> {
  const register = settings.store.registerClient;
  if (!register) throw new TypeError('registerClient is not configured');
  // The owner is recorded only under the caps (docs/admission.md#caps), which read it.
  const { caps } = settings;
  if (caps && admission.owner !== undefined) registration.owner = admission.owner;
  const result = caps
    ? await registerWithinCaps(settings, registration, caps)
    : checkWriteResult('registerClient', await callStore('registerClient', () => register(registration)));
  if (!result.ok) {
    settings.logger.warn({
      msg: 'store refused registration',
      client_id: registration.client_id,
      reason: result.reason,
    });
    throw invalidClientMetadata('The client registration was refused.');
  }
  if (!admission.claim) return;
  try {
    await admission.claim();
  } catch (error) {
    await withdrawRegistration(settings, result.client, registration.client_id);
    throw error;
  }
}

/**
 * Registers one client and returns the 201 body. `statement` is the outcome
 * of the software-statement step: the request members (claims merged over
 * them) and the statement to echo.
 */
export async function registerClient<C>(
  settings: Settings<C>,
  statement: StatementOutcome,
  admission: RegistrationAdmission = {},
): Promise<Record<string, unknown>> {
  const { crypto, store, statelessRegistration: stateless } = settings;
  // Steps 9 and 10: metadata validation (docs/behaviour.md), then the token's policy and the host's.
  const { metadata, pending } = await settleMetadata(settings, statement, {
    operation: 'register',
    tokenPolicy: admission.tokenPolicy,
  });
  if (pending && stateless) {
    // No stored client could wait in the queue (docs/stateless-registration.md#limits).
    throw serverError(
      new Error('a policy held a client for approval, which stateless registration cannot do'),
    );
  }
  if (pending && !store.approveClient) {
    // A client no one could ever approve would hold credentials that never work.
    throw serverError(
      new Error('a policy held a client for approval but no approveClient callback is configured'),
    );
  }

  // Step 11: mint credentials; only their hashes reach the store.
  const issuedAt = Math.floor(settings.now() / 1000);
  const registration: ClientRegistration = {
    client_id: mintClientId(crypto),
    client_id_issued_at: issuedAt,
    client_secret_expires_at: 0,
    metadata,
  };
  if (stateless) registration.expires_at = issuedAt + stateless.lifetime;
  else if (settings.clientTtl > 0) registration.expires_at = issuedAt + settings.clientTtl;
  if (settings.activationWindow > 0) {
    // Until its first proven use the window, not clientTtl, decides when the client expires.
    registration.activation_deadline = issuedAt + settings.activationWindow;
    registration.expires_at = registration.activation_deadline;
  }
  if (pending) registration.pending_approval = true;
  if (admission.tokenPolicy !== undefined) registration.initial_access_token_policy = admission.tokenPolicy;
  let clientSecret: string | undefined;
  if (issuesSecret(metadata)) {
    clientSecret = await issueClientSecret(settings, registration, issuedAt);
  }
  // A stateless id is never updated in a store: without management it carries no hash at all.
  const registrationAccessToken =
    stateless && !settings.managementEnabled
      ? undefined
      : await issueRegistrationAccessToken(settings, registration);
  if (stateless) {
    // The id is the durable record: nothing is stored (docs/stateless-registration.md).
    registration.client_id = await sealStatelessClient(stateless, registration);
    await admission.claim?.();
  } else {
    await storeRegistration(settings, registration, admission);
  }

  // Step 12: the event; a failing handler changes nothing.
  await emitEvent(settings.onEvent, settings.logger, {
    type: 'client.registered',
    client_id: registration.client_id,
    time: issuedAt,
  });
  if (pending) {
    await emitEvent(settings.onEvent, settings.logger, {
      type: 'client.pending',
      client_id: registration.client_id,
      time: issuedAt,
    });
  }

  // Step 13: every registered member plus the credentials minted here.
  return clientResponse(settings, registration, { clientSecret, registrationAccessToken });
}

/**
 * Host policies (docs/configuration.md `policies`; step 10 of docs/architecture.md#a-registration): after the metadata is
 * valid, each policy may set defaults, force values, or reject the client.
 * Policies run on registration and on every update (RFC 7592 §2.2), so a
 * client cannot undo one with a PUT.
 *
 * @module
 */

import type { Settings } from '../config/settings.js';
import { isJsonObject } from '../credentials/encoding.js';
import { invalidClientMetadata, RegistrationError, serverError } from '../errors.js';
import type { ClientMetadata } from './client-metadata.js';
import type {
  MetadataPolicy,
  PolicyContext,
  PolicyDecision,
  RegistrationPolicy,
} from './registration-policy.js';
import { dropTaggedVariants, FORBIDDEN_KEYS, validateClientMetadata } from './validate-metadata.js';

/**
 * A `RegistrationPolicy` that applies a data policy.
 * @see docs/admission.md#host-policies
 */
export function metadataPolicy(policy: MetadataPolicy): RegistrationPolicy {
  return () => policy;
}

/** Checks the shape of a data policy; answers a description of the problem, or `null`. */
export function metadataPolicyProblem(value: unknown): string | null {
  if (!isJsonObject(value)) {
    return 'a policy must be an object with "defaults" and/or "force"';
  }
  for (const [key, members] of Object.entries(value)) {
    if (key !== 'defaults' && key !== 'force')
      return `a policy has no "${key}" (only "defaults" and "force")`;
    if (!isJsonObject(members)) {
      return `a policy's "${key}" must be an object of metadata members`;
    }
  }
  return null;
}

/** The inputs of one policy run. */
export interface PolicyRun {
  readonly operation: 'register' | 'update';
  readonly clientId?: string | undefined;
  /** The request document the metadata was validated from. */
  readonly document: Readonly<Record<string, unknown>>;
  /** Its validated form. */
  readonly metadata: ClientMetadata;
  /** The data policy of the initial access token the client registered with. */
  readonly tokenPolicy?: MetadataPolicy | undefined;
  readonly softwareStatement?: Readonly<Record<string, unknown>> | undefined;
}

function merge(
  document: Readonly<Record<string, unknown>>,
  decision: MetadataPolicy,
): Record<string, unknown> {
  const next: Record<string, unknown> = Object.create(null);
  Object.assign(next, document);
  for (const [member, value] of Object.entries(decision.defaults ?? {})) {
    if (FORBIDDEN_KEYS.has(member)) continue;
    if (next[member] === undefined || next[member] === null) next[member] = value;
  }
  const forced = Object.entries(decision.force ?? {}).filter(([member]) => !FORBIDDEN_KEYS.has(member));
  // A forced member replaces every language-tagged variant the request sent too.
  for (const [member] of forced) dropTaggedVariants(next, member);
  for (const [member, value] of forced) next[member] = value;
  return next;
}

/** What the policies settled: the final metadata, and whether a policy held the client for approval. */
export interface PolicyOutcome {
  readonly metadata: ClientMetadata;
  /** `true` when a policy answered `pending: true` on a registration. */
  readonly pending: boolean;
}

/**
 * Runs the token's data policy, then the host's policies in order, each on
 * the result of the one before; the host's policies therefore have the last
 * word. A decision that sets values is applied to the request document and
 * validated again with the rules of docs/behaviour.md, so a policy cannot produce a
 * client the rules would refuse. Returns the final metadata, and whether any
 * policy asked to hold a new client for approval.
 */
export async function applyPolicies<C>(settings: Settings<C>, run: PolicyRun): Promise<PolicyOutcome> {
  const policies: RegistrationPolicy[] = [];
  if (run.tokenPolicy) policies.push(metadataPolicy(run.tokenPolicy));
  policies.push(...settings.policies);
  let document = run.document;
  let metadata = run.metadata;
  let pending = false;
  for (const policy of policies) {
    const context: PolicyContext = {
      operation: run.operation,
      requested: document,
      ...(run.clientId === undefined ? {} : { clientId: run.clientId }),
      ...(run.softwareStatement === undefined ? {} : { softwareStatement: run.softwareStatement }),
    };
    let decision: PolicyDecision | undefined;
    try {
      decision = await policy(metadata, context);
    } catch (error) {
      if (error instanceof RegistrationError) throw error;
      throw serverError(new Error('a registration policy threw', { cause: error }));
    }
    if (decision === undefined || decision === null) continue;
    if (typeof decision !== 'object') {
      throw serverError(new Error('a registration policy answered something other than a decision'));
    }
    if (decision.reject !== undefined) {
      if (typeof decision.reject !== 'string' || decision.reject === '') {
        throw serverError(new Error('a registration policy rejected without a description'));
      }
      throw invalidClientMetadata(decision.reject);
    }
    if (decision.pending !== undefined && typeof decision.pending !== 'boolean') {
      throw serverError(new Error('a registration policy answered a pending that is not a boolean'));
    }
    if (decision.pending === true && run.operation === 'register') pending = true;
    if (decision.defaults === undefined && decision.force === undefined) continue;
    const problem = metadataPolicyProblem({
      ...(decision.defaults === undefined ? {} : { defaults: decision.defaults }),
      ...(decision.force === undefined ? {} : { force: decision.force }),
    });
    if (problem !== null) throw serverError(new Error(`a registration policy answered badly: ${problem}`));
    document = merge(document, decision);
    metadata = validateClientMetadata(document, settings.rules);
  }
  return { metadata, pending };
}

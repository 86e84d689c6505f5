/**
 * The types of host policies: a policy as data (`MetadataPolicy`), which can be
 * stored with an initial access token, and as a function (`RegistrationPolicy`).
 *
 * @module
 */

import type { ClientMetadata } from './client-metadata.js';

/** Members a policy forces: a `ClientMetadata` member's value, or `null` to remove the member. */
export type ForcedMembers = { readonly [K in keyof ClientMetadata]?: ClientMetadata[K] | null };

/**
 * A policy expressed as data, so it can be stored with an initial access
 * token and with the clients that token registers. Member values are
 * request values: they go through the metadata rules like anything a client
 * sends. `null` in `force` removes a member.
 */
export interface MetadataPolicy {
  /** Members set when the request does not carry them. */
  readonly defaults?: Readonly<ClientMetadata>;
  /** Members set whatever the request carries. */
  readonly force?: ForcedMembers;
}

/** What a policy function answers: values to apply, or a refusal. */
export interface PolicyDecision extends MetadataPolicy {
  /**
   * Refuse the client: answered as 400 `invalid_client_metadata` with this
   * text as the public `error_description`, so it must not hold anything private.
   */
  readonly reject?: string;
  /**
   * Hold the new client for an operator's approval (docs/admission.md#the-approval-queue):
   * it is registered and gets its credentials, but `resolveClient` and
   * `authenticateClient` refuse it until `approveClient`. Counts on
   * registration only: an update never puts an approved client back in the queue.
   */
  readonly pending?: boolean;
}

/** What a policy knows about the request it judges. */
export interface PolicyContext {
  /** `register` for RFC 7591 §3, `update` for RFC 7592 §2.2. */
  readonly operation: 'register' | 'update';
  /** The client being updated; absent on registration, where no id exists yet. */
  readonly clientId?: string;
  /**
   * The members as requested (JSON members with software-statement claims
   * merged over them), before defaults: tells "sent" from "defaulted".
   */
  readonly requested: Readonly<Record<string, unknown>>;
  /** The verified software statement's claims, when one was sent. */
  readonly softwareStatement?: Readonly<Record<string, unknown>>;
}

/**
 * A host policy. It receives the validated metadata (defaults filled in) and
 * answers nothing to accept it as it is, a `PolicyDecision` to adjust or
 * refuse it, or throws a `RegistrationError` to answer with that error. Any
 * other throw is a fault of the host: 500 `server_error`, and the client is
 * not registered.
 */
export type RegistrationPolicy = (
  metadata: Readonly<ClientMetadata>,
  context: PolicyContext,
) => PolicyDecision | undefined | Promise<PolicyDecision | undefined>;

/**
 * A stored client as the admin API shows it: the dates and the status beside
 * its metadata, never a hash or a secret (docs/admin-api.md#clientview).
 *
 * @module
 */

import { isClientExpired } from '../core/endpoints/manage-client.js';
import type { ClientMetadata } from '../core/metadata/client-metadata.js';
import type { ClientRegistration } from '../core/store/registration-store.js';

/** Where a client stands: waiting for approval, expired (not yet swept), or active. */
export type ClientStatus = 'active' | 'pending' | 'expired';

/** The statuses, as the `status` filter accepts them. */
export const CLIENT_STATUSES: readonly ClientStatus[] = ['active', 'pending', 'expired'];

/** A client as the admin API answers it. */
export interface ClientView {
  readonly client_id: string;
  readonly client_name?: string;
  readonly software_id?: string;
  readonly owner?: string;
  readonly status: ClientStatus;
  readonly client_id_issued_at: number;
  readonly last_used_at?: number;
  readonly expires_at?: number;
  readonly activated_at?: number;
  readonly pending_approval?: true;
  readonly token_endpoint_auth_method: string;
  /** The registered metadata: the store keeps no secret in it, only hashes beside it. */
  readonly metadata: ClientMetadata;
}

/** The status of a stored client at `now` (Unix seconds). */
export function clientStatus(registration: ClientRegistration, now: number): ClientStatus {
  if (registration.pending_approval === true) return 'pending';
  return isClientExpired(registration, now) ? 'expired' : 'active';
}

/** The view of a stored client at `now` (Unix seconds). */
export function clientView(registration: ClientRegistration, now: number): ClientView {
  const { metadata } = registration;
  return {
    client_id: registration.client_id,
    ...(typeof metadata.client_name === 'string' ? { client_name: metadata.client_name } : {}),
    ...(typeof metadata.software_id === 'string' ? { software_id: metadata.software_id } : {}),
    ...(registration.owner === undefined ? {} : { owner: registration.owner }),
    status: clientStatus(registration, now),
    client_id_issued_at: registration.client_id_issued_at,
    ...(registration.last_used_at === undefined ? {} : { last_used_at: registration.last_used_at }),
    ...(registration.expires_at === undefined ? {} : { expires_at: registration.expires_at }),
    ...(registration.activated_at === undefined ? {} : { activated_at: registration.activated_at }),
    ...(registration.pending_approval === true ? { pending_approval: true } : {}),
    token_endpoint_auth_method: metadata.token_endpoint_auth_method ?? 'client_secret_basic',
    metadata,
  };
}

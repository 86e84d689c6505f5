/**
 * The recent events of each client, kept in this process's memory for the
 * admin API's `GET /admin/v1/clients/{client_id}/events`: bounded per client
 * and in the number of clients, lost at restart (docs/admin-api.md#events).
 *
 * @module
 */

import type { RegistrarEvent } from '../core/events.js';

/** What an admin did, as an event: which admin token (by its label), which action, on what. */
export interface AdminEvent {
  readonly type: 'admin.action';
  /** The action, such as `client.create` or `initial_access_token.revoke`. */
  readonly action: AdminAction;
  /** The label of the admin token that made the call. */
  readonly admin: string;
  /** The client concerned, when there is one. */
  readonly client_id?: string;
  /** The initial access token concerned (its id, never the token), when there is one. */
  readonly token_id?: string;
  /** Unix seconds. */
  readonly time: number;
}

/** The actions the admin API records. */
export type AdminAction =
  | 'client.create'
  | 'client.update'
  | 'client.delete'
  | 'client.rotate_secret'
  | 'client.approve'
  | 'client.reject'
  | 'client.report_use'
  | 'clients.sweep'
  | 'initial_access_token.create'
  | 'initial_access_token.revoke';

/** An event the recent-events log keeps. */
export type KeptEvent = RegistrarEvent | AdminEvent;

/** The recent events of each client. */
export interface RecentEvents {
  /** Keeps one event (one without a client is ignored). */
  record(event: KeptEvent): void;
  /** The kept events of a client, oldest first; empty when none are kept. */
  of(clientId: string): readonly KeptEvent[];
}

/** Events kept per client. */
export const EVENTS_PER_CLIENT = 50;
/** Clients whose events are kept; the one least recently given an event is forgotten first. */
export const EVENT_CLIENTS = 1000;

/** A recent-events log bounded to `perClient` events for each of `clients` clients. */
export function createRecentEvents(
  perClient: number = EVENTS_PER_CLIENT,
  clients: number = EVENT_CLIENTS,
): RecentEvents {
  const kept = new Map<string, KeptEvent[]>();
  return {
    record(event) {
      const clientId = event.client_id;
      if (clientId === undefined || clientId === '') return;
      const list = kept.get(clientId) ?? [];
      // Re-inserted, so the map's order is the order of the latest event.
      kept.delete(clientId);
      list.push(event);
      if (list.length > perClient) list.shift();
      kept.set(clientId, list);
      if (kept.size > clients) kept.delete(kept.keys().next().value as string);
    },
    of: (clientId) => kept.get(clientId) ?? [],
  };
}

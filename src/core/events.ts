/**
 * Lifecycle events (docs/client-authentication.md#client-lifecycle). An event names the client and the time; it
 * never carries a secret, a token or a hash.
 *
 * @module
 */

import type { RegistrationErrorCode } from './errors.js';

/** Where private details go: causes of errors, store refusals, event handler failures. */
export interface Logger {
  info(record: Record<string, unknown>): void;
  warn(record: Record<string, unknown>): void;
  error(record: Record<string, unknown>): void;
}

/** The event types Registrar emits. */
export type RegistrarEventType =
  | 'client.registered'
  | 'client.updated'
  | 'client.deleted'
  | 'client.expired'
  | 'client.metadata_changed'
  | 'client.activated'
  | 'client.pending'
  | 'client.approved'
  | 'client.rejected'
  | 'client.reclaimed'
  | 'client.secret_rotated'
  | 'registration.refused'
  | 'management.auth_failed';

/** One lifecycle event. */
export interface RegistrarEvent {
  readonly type: RegistrarEventType;
  /**
   * The client concerned (for `management.auth_failed`, the id the request
   * named; for `registration.refused`, empty: no client exists).
   */
  readonly client_id: string;
  /** Unix seconds. */
  readonly time: number;
  /**
   * For `client.metadata_changed`: the members of a metadata document that
   * differ from the copy last seen (docs/client-id-metadata-documents.md#when-a-document-changes), such as
   * `redirect_uris` or `jwks`. Names only, never values.
   */
  readonly changed?: readonly string[];
  /**
   * For `client.reclaimed` (docs/admission.md#caps): which cap made room, and the kind of
   * owner whose client was removed (`iat`, `iss` or `addr`), never the owner itself.
   */
  readonly cap?: 'maxClients' | 'maxClientsPerOwner';
  readonly owner_kind?: string;
  /** For `registration.refused`: the error code answered, such as `invalid_redirect_uri` or `too_many_requests`. */
  readonly error?: RegistrationErrorCode;
}

/**
 * What one Registrar has done since it was created, counted from its events
 * (docs/admission.md#counts): per instance, from zero at each start.
 */
export interface RegistrarCounts {
  /** Clients registered (`client.registered`), imported metadata documents included. */
  readonly registered: number;
  /** Registrations refused, by the error code answered; `too_many_requests` counts the rate limit. */
  readonly refused: Readonly<Record<string, number>>;
  /** Every event emitted, by type: `client.expired` counts the swept clients. */
  readonly events: Readonly<Partial<Record<RegistrarEventType, number>>>;
}

/** The tally behind `registrar.counts()`. */
export interface EventTally {
  /** Counts one event. */
  record(event: RegistrarEvent): void;
  /** A copy of the counts so far. */
  snapshot(): RegistrarCounts;
}

/**
 * A tally of events. Its keys are event types and Registrar's own error
 * codes, never a value a client chose, so it stays a small, fixed set.
 * @see docs/admission.md#counts
 */
export function createEventTally(): EventTally {
  const events = new Map<RegistrarEventType, number>();
  const refused = new Map<string, number>();
  const bump = <K>(map: Map<K, number>, key: K) => map.set(key, (map.get(key) ?? 0) + 1);
  return {
    record(event) {
      bump(events, event.type);
      if (event.type === 'registration.refused' && event.error !== undefined) bump(refused, event.error);
    },
    snapshot: () => ({
      registered: events.get('client.registered') ?? 0,
      refused: Object.fromEntries(refused),
      events: Object.fromEntries(events),
    }),
  };
}

/**
 * Delivers an event. A handler that throws or rejects is logged and never
 * changes the response.
 */
export async function emitEvent(
  onEvent: ((event: RegistrarEvent) => void | Promise<void>) | undefined,
  logger: Logger,
  event: RegistrarEvent,
): Promise<void> {
  if (!onEvent) return;
  try {
    await onEvent(event);
  } catch (error) {
    logger.error({
      msg: 'event handler failed',
      event: event.type,
      client_id: event.client_id,
      cause: describe(error),
    });
  }
}

/** A loggable summary of a thrown value. */
export function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

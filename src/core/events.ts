/**
 * Lifecycle events (docs/client-authentication.md#client-lifecycle). An event names the client and the time; it
 * never carries a secret, a token or a hash.
 *
 * @module
 */

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
  | 'management.auth_failed';

/** One lifecycle event. */
export interface RegistrarEvent {
  readonly type: RegistrarEventType;
  /** The client concerned (for `management.auth_failed`, the id the request named). */
  readonly client_id: string;
  /** Unix seconds. */
  readonly time: number;
  /**
   * For `client.metadata_changed`: the members of a metadata document that
   * differ from the copy last seen (docs/client-id-metadata-documents.md#when-a-document-changes), such as
   * `redirect_uris` or `jwks`. Names only, never values.
   */
  readonly changed?: readonly string[];
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

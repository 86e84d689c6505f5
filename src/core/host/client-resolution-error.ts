/**
 * The error of client resolution (docs/client-id-metadata-documents.md#errors):
 * `resolveClient`, and the import and refresh of pre-registered documents.
 *
 * @module
 */

import { descriptionText } from '../errors.js';

/**
 * Why a client could not be resolved. Every code means "do not proceed with
 * this authorization request"; the authorization endpoint must not redirect
 * to an unverified redirect URI (RFC 6749 §4.1.2.1).
 */
export type ClientResolutionErrorCode =
  /** No registered client has this id (or metadata documents are off and the id is a URL). */
  | 'unknown_client'
  /** The id is an `https` URL that breaks the client identifier URL rules. */
  | 'invalid_client_id'
  /** The trust policy does not let this document's host in; nothing was fetched. */
  | 'document_not_allowed'
  /** The metadata document could not be fetched, or the answer was not 200. */
  | 'document_unavailable'
  /** The metadata document was fetched but is not an acceptable client. */
  | 'invalid_document'
  /**
   * The client is registered but waits for an operator's approval
   * (docs/admission.md#the-approval-queue); on the wire it is `invalid_client` (RFC 6749 §5.2).
   */
  | 'pending_approval'
  /** The store threw `StoreUnavailableError`. */
  | 'temporarily_unavailable'
  /** The store failed otherwise, or answered outside the contract. */
  | 'server_error';

/**
 * A client that could not be resolved. `message` is safe to show (it names
 * the rule, never an address, and keeps to the characters RFC 6749 section 5.2
 * allows in an `error_description`); `cause` is private and only for logs.
 */
export class ClientResolutionError extends Error {
  /** A stable code to switch on. */
  readonly code: ClientResolutionErrorCode;

  constructor(code: ClientResolutionErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(descriptionText(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ClientResolutionError';
    this.code = code;
  }
}

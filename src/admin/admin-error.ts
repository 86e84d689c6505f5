/**
 * The errors the admin API answers with: `{ "error": code, "error_description": text }`,
 * the description naming the member or parameter at fault (docs/admin-api.md#errors).
 *
 * @module
 */

import { descriptionText } from '../core/errors.js';

/** The codes of the admin API's own errors; the library's `RegistrationError` codes pass through as they are. */
export type AdminErrorCode =
  | 'invalid_request'
  | 'invalid_token'
  | 'not_found'
  | 'conflict'
  | 'method_not_allowed'
  | 'unsupported_media_type'
  | 'not_supported';

/** A refusal of an admin request. `description` is public; nothing secret goes into it. */
export class AdminError extends Error {
  readonly status: number;
  readonly code: AdminErrorCode;
  readonly description: string;

  constructor(status: number, code: AdminErrorCode, description: string) {
    const text = descriptionText(description);
    super(text);
    this.name = 'AdminError';
    this.status = status;
    this.code = code;
    this.description = text;
  }
}

/** 400 `invalid_request` naming what is wrong. */
export function badRequest(description: string): AdminError {
  return new AdminError(400, 'invalid_request', description);
}

/** 404 `not_found`. */
export function notFound(description: string): AdminError {
  return new AdminError(404, 'not_found', description);
}

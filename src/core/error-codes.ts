/**
 * The union of every `code` an error class exported by Registrar carries.
 *
 * @module
 */

import type { ConfigurationErrorCode, RegistrationErrorCode, StoreUnavailableErrorCode } from './errors.js';
import type { ClientResolutionErrorCode } from './host/client-resolution-error.js';
import type { OutboundFetchFailure } from './ports/outbound-fetch.js';

/**
 * Every `code` of an error Registrar exports: `RegistrationError`
 * (`RegistrationErrorCode`), `ClientResolutionError`
 * (`ClientResolutionErrorCode`), `OutboundFetchError` (`OutboundFetchFailure`),
 * `ConfigurationError` and `StoreUnavailableError`. Some values belong to more
 * than one class (`server_error`, `temporarily_unavailable`); switch on the
 * class first when that matters.
 */
export type RegistrarErrorCode =
  | RegistrationErrorCode
  | ClientResolutionErrorCode
  | OutboundFetchFailure
  | ConfigurationErrorCode
  | StoreUnavailableErrorCode;
